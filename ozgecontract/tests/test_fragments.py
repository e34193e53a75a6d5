"""The page-fragment cache keeps what `{% cache %}` renders, as it is, and bounded."""

import pytest
from django.core.cache import caches
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from ozgecontract.fragments import FragmentCache


@pytest.fixture
def fragments():
    cache = FragmentCache("test-fragments", {"OPTIONS": {"MAX_ENTRIES": 3}})
    cache.clear()
    yield cache
    cache.clear()


def test_a_fragment_comes_back_as_the_same_safe_string(fragments):
    html = mark_safe("<nav>Меню</nav>")
    fragments.set("nav", html, None)

    assert fragments.get("nav") is html
    assert isinstance(fragments.get("nav"), SafeString)
    assert fragments.get("missing", "default") == "default"


def test_a_fragment_with_a_timeout_expires(fragments, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("ozgecontract.fragments.time.monotonic", lambda: clock[0])
    fragments.set("footer", "x", 10)

    clock[0] += 9
    assert fragments.get("footer") == "x"
    clock[0] += 2
    assert fragments.get("footer") is None
    assert not fragments.has_key("footer")


def test_the_store_never_grows_past_its_bound(fragments):
    for number in range(10):
        fragments.set(f"key-{number}", number, None)

    assert len(fragments._store) <= 3
    assert fragments.get("key-9") == 9


def test_add_touch_and_delete_behave_as_djangos_caches_do(fragments):
    assert fragments.add("a", 1) is True
    assert fragments.add("a", 2) is False
    assert fragments.touch("a", None) is True
    assert fragments.touch("nothing") is False
    assert fragments.delete("a") is True
    assert fragments.delete("a") is False


def test_the_cache_tag_renders_once_per_vary_value():
    caches["template_fragments"].clear()
    template = engines["django"].from_string(
        "{% load cache %}{% cache None probe lang %}{{ value }}{% endcache %}"
    )

    first = template.render({"lang": "ru", "value": "<один>"})
    again = template.render({"lang": "ru", "value": "другой"})
    other = template.render({"lang": "kk", "value": "екі"})

    assert first == again == "&lt;один&gt;"
    assert other == "екі"
    assert isinstance(caches["template_fragments"], FragmentCache)
