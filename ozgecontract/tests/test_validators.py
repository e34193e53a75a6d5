import pytest
from django.core.exceptions import ValidationError

from ozgecontract.validators import is_valid_iin, mask_phone, normalize_phone


@pytest.mark.parametrize(
    "value", ["850615300129", "920304405676", "950715400108", "940140000385"]
)
def test_valid_iin_and_bin_are_accepted(value):
    assert is_valid_iin(value)


@pytest.mark.parametrize(
    "value",
    [
        "123456789012",
        "087557886546",
        "85061530012",
        "8506153001290",
        "85061530012a",
        "８５０６１５３００１２９",
        "",
        None,
    ],
)
def test_invalid_iin_is_rejected(value):
    assert not is_valid_iin(value)


@pytest.mark.parametrize(
    "raw", ["+7 701 123 4567", "87011234567", "77011234567", "8 (701) 123-45-67"]
)
def test_kz_phone_spellings_are_one_number(raw):
    assert normalize_phone(raw) == "+77011234567"


@pytest.mark.parametrize("raw", ["", "12345", "not a phone", "+7 000 000 0000"])
def test_invalid_phone_is_rejected(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


@pytest.mark.parametrize(
    "raw", ["+1 202 555 0100", "+7 916 123 4567", "+44 7911 123456"]
)
def test_foreign_numbers_are_refused(raw):
    with pytest.raises(ValidationError) as info:
        normalize_phone(raw, mobile_only=True)

    assert info.value.code == "not_kazakhstan"


def test_landline_is_refused_where_a_mobile_is_required():
    with pytest.raises(ValidationError):
        normalize_phone("+7 727 250 0000", mobile_only=True)


def test_mask_phone_hides_the_middle():
    assert mask_phone("+77011234567") == "+7701***4567"
