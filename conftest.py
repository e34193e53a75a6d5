"""Fixtures shared by the whole suite: personas, API clients, isolated media."""

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
