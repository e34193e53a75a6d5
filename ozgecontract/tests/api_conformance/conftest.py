"""Fixtures of the API conformance tests: the world to call, and who calls."""

import pytest
from django.core.cache import cache

from ozgecontract.tests.api_world import World, build_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_login_throttle_from_earlier_tests():
    cache.clear()


@pytest.fixture
def clients(owner_api, admin_api, anonymous):
    return {"owner": owner_api, "admin": admin_api, "anonymous": anonymous}


@pytest.fixture
def make_world(owner, settings):
    def make(*, signed: bool) -> World:
        return build_world(owner=owner, settings=settings, signed=signed)

    return make


@pytest.fixture
def unsigned_world(make_world) -> World:
    """Return a world whose expected signer stands in for a signature."""
    # Callers who may not see it at all (anonymous, outsiders) need no signing.
    world = make_world(signed=False)
    world.signature = world.expected_signer
    world.signed_contract = world.contract
    return world
