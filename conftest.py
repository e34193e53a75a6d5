"""Fixtures shared by the whole suite: personas, API clients, isolated media,
and the headless chromium the browser tests drive."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from companies.models import User
from ozgecontract.tests.factories import CompanyFactory, UserFactory


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Keep every test's uploads, PDFs and SMS outbox in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    settings.SMS_BACKEND = "file"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters (logins, codes, uploads) live in the cache; keep them apart."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with MD5: PBKDF2's deliberate slowness costs minutes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def company(db):
    return CompanyFactory()


@pytest.fixture
def owner(company):
    return UserFactory(company=company, role=User.Role.OWNER, email="owner@example.kz")


@pytest.fixture
def member(company):
    return UserFactory(
        company=company, role=User.Role.MEMBER, email="member@example.kz"
    )


@pytest.fixture
def other_company(db):
    return CompanyFactory()


@pytest.fixture
def outsider(other_company):
    return UserFactory(
        company=other_company, role=User.Role.OWNER, email="outsider@example.kz"
    )


@pytest.fixture
def admin(db):
    return UserFactory(
        company=None, is_staff=True, is_superuser=True, email="admin@example.kz"
    )


def bearer_client(user) -> APIClient:
    client = APIClient()
    token = RefreshToken.for_user(user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def owner_api(owner):
    return bearer_client(owner)


@pytest.fixture
def member_api(member):
    return bearer_client(member)


@pytest.fixture
def outsider_api(outsider):
    return bearer_client(outsider)


@pytest.fixture
def admin_api(admin):
    return bearer_client(admin)


# pytest-django's live server listens on "localhost" unless told otherwise;
# browser tests start everything on 127.0.0.1 only.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium():
    """Launch Debian's headless chromium once per module (never `playwright install`).

    Without it the browser tests skip locally and fail in CI (where `CI` is
    set), so a green CI run always means a real browser did the work.
    """
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} is missing: install Debian's chromium package "
            "(apt-get install chromium) to run the browser tests."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, which makes
    # Django refuse ORM calls from the test; the test itself is synchronous.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
