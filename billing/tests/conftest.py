from datetime import UTC

import pytest

from ozgecontract.tests.factories import TariffPlanFactory


@pytest.fixture
def prices(settings):
    """Pin the prices the amounts below are computed from (the defaults)."""
    from decimal import Decimal

    settings.SMS_SIGNATURE_PRICE = Decimal("200")
    settings.ECP_SIGNATURE_PRICE = Decimal("100")


@pytest.fixture
def plan(db):
    return TariffPlanFactory(name="Базовый", discount=10, from_count=10, to_count=50)


def iso(value):
    """Render a datetime the way the API does: UTC, seconds, Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


@pytest.fixture
def english(settings):
    """Answer in English: these tests pin exact messages, translations may change."""
    settings.LANGUAGE_CODE = "en"
