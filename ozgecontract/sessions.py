"""The session store: Django's database sessions, with the read prepared once.

Every page with a session cookie reads its session row on every request (the
dashboard for the login, the signing page for the client's progress). This is
`django.contrib.sessions.backends.db` with that one read run from SQL built
once per process (see `ozgecontract.prepared`); creating, saving, deleting and
expiring sessions are Django's own, and so is the table.
"""

from datetime import UTC, datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import router
from django.utils import timezone

from ozgecontract.prepared import PreparedRead

_session_data = PreparedRead(
    lambda key, now: Session.objects.filter(
        session_key=key, expire_date__gt=now
    ).values_list("session_data"),
    key=(Session._meta.get_field("session_key"), "prepared-read-stand-in"),
    now=(Session._meta.get_field("expire_date"), datetime(2000, 1, 1, tzinfo=UTC)),
)


class SessionStore(db.SessionStore):
    def load(self):
        rows = _session_data.rows(
            using=router.db_for_read(Session),
            key=self.session_key,
            now=timezone.now(),
        )
        if not rows:
            # As Django's store does: an unknown or expired key is not reused.
            self._session_key = None
            return {}
        return self.decode(rows[0][0])
