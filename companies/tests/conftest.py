import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_login_failures():
    """Failed-login counters live in the cache; no test sees another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash with MD5 in tests: PBKDF2's deliberate slowness is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english(settings):
    """Answer in English: these tests pin exact messages, translations may change."""
    settings.LANGUAGE_CODE = "en"
