"""Playwright driving Debian's chromium against the real app on 127.0.0.1.

Never `playwright install`: the browser is the system's /usr/bin/chromium.
Without it the tests skip locally and fail in CI (where `CI` is set), so a
green CI run always means a browser really signed a contract.
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
PHONE_SIZE = {"width": 360, "height": 740}
PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36"
)


@pytest.fixture
def phone(chromium):
    """A fresh browser context the size of a phone, like a client's."""
    context = chromium.new_context(
        viewport=PHONE_SIZE,
        user_agent=PHONE_BROWSER,
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shots(request):
    """Save numbered screenshots of each step under test-artifacts/<test>/."""
    folder = ARTIFACTS / request.node.name.replace("[", "-").rstrip("]")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    counter = iter(range(1, 100))

    def shoot(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot
