"""The cache behind `{% cache %}`: rendered page fragments, in this process's memory.

The fragments (the dashboard's nav and footer, the signing page's chrome and
document card) are built from the code, the settings and the catalogs alone,
so each worker keeps its own and a deploy starts empty. They are kept as the
strings they are: Django's local-memory cache would pickle each one in and
out, and check each key for memcached, on every page that shows it.
"""

import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

# name -> {key: (value, expires at on the monotonic clock, or None)}; shared by
# the threads of a process, as Django's local-memory cache is.
_stores: dict[str, dict] = {}


class FragmentCache(BaseCache):
    """Keep values as they are, without pickling; at most MAX_ENTRIES of them.

    Only for immutable values such as rendered fragments: a value is handed
    back as the very object that was stored.
    """

    def __init__(self, name, params):
        super().__init__(params)
        self._store = _stores.setdefault(name, {})

    def get(self, key, default=None, version=None):
        entry = self._store.get(self.make_key(key, version))
        if entry is None:
            return default
        value, expires = entry
        if expires is not None and expires <= time.monotonic():
            return default
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if len(self._store) >= self._max_entries:
            # A fragment varied by something nobody foresaw: start over rather
            # than grow without end.
            self._store.clear()
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        expires = None if timeout is None else time.monotonic() + max(timeout, 0)
        self._store[self.make_key(key, version)] = (value, expires)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self.has_key(key, version):
            return False
        self.set(key, value, timeout, version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        if not self.has_key(key, version):
            return False
        self.set(key, self.get(key, version=version), timeout, version)
        return True

    def has_key(self, key, version=None):
        sentinel = object()
        return self.get(key, sentinel, version) is not sentinel

    def delete(self, key, version=None):
        return self._store.pop(self.make_key(key, version), None) is not None

    def clear(self):
        self._store.clear()
