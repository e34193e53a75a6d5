"""clean_signer and normalize_method: the checks every signing entry point shares."""

import pytest
from django.core.exceptions import ValidationError

from signatures.services import clean_signer, normalize_method


def test_signer_details_are_normalised():
    assert clean_signer(
        client_name="  Сейткали   Әлия ",
        client_iin=" 950715400108 ",
        client_phone="8 (701) 123-45-67",
        method="ESP",
    ) == ("Сейткали Әлия", "950715400108", "+77011234567", "ecp")


def test_every_bad_detail_is_reported_at_once():
    with pytest.raises(ValidationError) as caught:
        clean_signer(
            client_name="Иван\x00",
            client_iin="123456789012",
            client_phone="+7 727 258 1234",
            method="paper",
        )

    assert set(caught.value.message_dict) == {
        "client_name",
        "client_iin",
        "client_phone",
        "method",
    }


@pytest.mark.parametrize(
    ("raw", "method"), [("sms", "sms"), ("ecp", "ecp"), ("esp", "ecp")]
)
def test_methods_are_read_as_the_seed_spells_them(raw, method):
    assert normalize_method(raw) == method


@pytest.mark.parametrize("raw", ["", None, "fax", "смс"])
def test_unknown_methods_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_method(raw)
