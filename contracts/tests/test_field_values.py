"""Contract field names and values: checked by type, stored normalised."""

import pytest
from django.core.exceptions import ValidationError

from contracts.field_values import clean_field_name, clean_value, render_value


@pytest.mark.parametrize(
    "name", ["client_name", "имя_клиента", "Сумма2", "ә_ғ_қ", "x" * 100]
)
def test_identifiers_including_cyrillic_are_field_names(name):
    assert clean_field_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "2client", "client name", "client-name", "_private", "__class__", "class"]
    + ["for", "None", "true", "x" * 101, "имя.клиента", "a{{b}}"],
)
def test_other_names_are_refused(name):
    with pytest.raises(ValidationError):
        clean_field_name(name)


@pytest.mark.parametrize(
    ("field_type", "raw", "stored"),
    [
        ("text", "  Иванов Иван  ", "  Иванов Иван  "),
        ("text", "строка 1\r\nстрока 2\tконец", "строка 1\nстрока 2\tконец"),
        ("text", None, ""),
        ("number", "1 500,50", "1500.50"),
        ("number", "\u00a01\u00a0000", "1000"),
        ("number", 42, "42"),
        ("number", "-0.5", "-0.5"),
        ("date", "2026-12-31", "31.12.2026"),
        ("date", "01.02.2026", "01.02.2026"),
        ("email", "Client@Example.KZ", "Client@example.kz"),
        ("phone", "8 701 123 45 67", "+77011234567"),
        ("phone", "+7 701 123 4567", "+77011234567"),
        ("iin", "850615300129", "850615300129"),
        ("iin", "940140000385", "940140000385"),
        ("checkbox", True, "true"),
        ("checkbox", "false", "false"),
        ("checkbox", "Да", "true"),
        ("checkbox", "", "false"),
        ("number", "", ""),
    ],
)
def test_values_are_stored_normalised(field_type, raw, stored):
    assert clean_value(field_type, raw) == stored


@pytest.mark.parametrize(
    ("field_type", "raw"),
    [
        ("number", "много"),
        ("number", "1e999999"),
        ("number", "NaN"),
        ("date", "31/12/2026"),
        ("date", "2026-02-30"),
        ("email", "not-an-email"),
        ("phone", "12345"),
        ("iin", "123456789012"),
        ("iin", "85061530012"),
        ("checkbox", "maybe"),
        ("text", "x" * 10_001),
        ("text", "x" * 100_000),
        ("text", "звонок\x07"),
        ("text", "нуль\x00"),
        ("text", "возврат\rкаретки"),
        ("text", "\ud800"),
        ("text", "\ufffe"),
        ("text", ["list"]),
        ("text", {"a": 1}),
        ("text", True),
    ],
)
def test_bad_values_are_refused(field_type, raw):
    with pytest.raises(ValidationError):
        clean_value(field_type, raw)


def test_a_value_of_exactly_10000_characters_is_accepted():
    assert len(clean_value("text", "я" * 10_000)) == 10_000


def test_checkboxes_reach_the_template_as_booleans():
    assert render_value("checkbox", "true") is True
    assert render_value("checkbox", "false") is False
    assert render_value("text", "true") == "true"
