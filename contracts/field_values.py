"""Contract field names and values: what is allowed, and the stored form.

A field name must work as a Jinja placeholder (`{{ имя_клиента }}`): a Python
identifier (Cyrillic allowed), not a keyword, not starting with `_`. A value is
checked by the field's type and stored normalised, as it will appear in the
document: numbers as plain decimals, dates as dd.mm.yyyy, phones in E.164,
checkboxes as "true"/"false".
"""

import keyword
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from contracts.models import ContractField
from ozgecontract.validators import is_valid_iin, normalize_phone

FieldType = ContractField.FieldType

MAX_NAME_LENGTH = 100
MAX_VALUE_LENGTH = 10_000
# Jinja's own constants: a field with such a name could never be referenced.
_JINJA_CONSTANTS = frozenset({"true", "false", "none"})
_TRUE = frozenset({"true", "1", "yes", "on", "да", "иә"})
_FALSE = frozenset({"false", "0", "no", "off", "нет", "жоқ", ""})
_ALLOWED_CONTROLS = frozenset("\n\t")


def clean_field_name(name) -> str:
    """Return `name` when it can be a placeholder; raise ValidationError."""
    if not isinstance(name, str) or not name:
        raise ValidationError(_("Enter a field name."), code="required")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("A field name has at most %(limit)s characters.")
            % {"limit": MAX_NAME_LENGTH},
            code="max_length",
        )
    if (
        not name.isidentifier()
        or keyword.iskeyword(name)
        or name.startswith("_")
        or name in _JINJA_CONSTANTS
    ):
        raise ValidationError(
            _(
                "A field name is letters, digits and underscores, starts with a "
                "letter and is not a reserved word (e.g. client_name, имя_клиента)."
            ),
            code="invalid_name",
        )
    return name


def clean_field_type(field_type) -> str:
    if field_type not in FieldType.values:
        raise ValidationError(
            _("Choose one of the field types: %(types)s.")
            % {"types": ", ".join(FieldType.values)},
            code="invalid_choice",
        )
    return field_type


def _check_text(value: str) -> str:
    if len(value) > MAX_VALUE_LENGTH:
        raise ValidationError(
            _("A value has at most %(limit)s characters.")
            % {"limit": MAX_VALUE_LENGTH},
            code="max_length",
        )
    for char in value:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in _ALLOWED_CONTROLS) or category == "Cs":
            raise ValidationError(
                _("The value contains control characters."), code="control_chars"
            )
        if char in "\ufffe\uffff":
            raise ValidationError(
                _("The value contains characters that cannot be printed."),
                code="control_chars",
            )
    return value


def _clean_number(value: str) -> str:
    compact = re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", ".")
    try:
        number = Decimal(compact)
    except InvalidOperation as exc:
        raise ValidationError(_("Enter a number."), code="invalid_number") from exc
    if not number.is_finite() or abs(number.adjusted()) > 30:
        raise ValidationError(_("Enter a number."), code="invalid_number")
    return format(number, "f")


def _clean_date(value: str) -> str:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            # Only the date matters; no time zone is involved.
            parsed: date = datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
        return parsed.strftime("%d.%m.%Y")
    raise ValidationError(
        _("Enter a date as yyyy-mm-dd or dd.mm.yyyy."), code="invalid_date"
    )


def _clean_email(value: str) -> str:
    value = value.strip()
    validate_email(value)
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _clean_iin(value: str) -> str:
    value = value.strip()
    if not is_valid_iin(value):
        raise ValidationError(
            _("Enter a valid IIN/BIN: 12 digits with a correct check digit."),
            code="invalid_iin",
        )
    return value


def _clean_checkbox(value: str) -> str:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return "true"
    if lowered in _FALSE:
        return "false"
    raise ValidationError(_("Enter true or false."), code="invalid_checkbox")


_CLEANERS = {
    FieldType.NUMBER: _clean_number,
    FieldType.DATE: _clean_date,
    FieldType.EMAIL: _clean_email,
    FieldType.PHONE: normalize_phone,
    FieldType.IIN: _clean_iin,
    FieldType.CHECKBOX: _clean_checkbox,
}


def clean_value(field_type: str, raw) -> str:
    """Return the stored form of `raw` for a field of `field_type`.

    An empty value (None or "") clears the field. Raise ValidationError.
    """
    if raw is None:
        return ""
    if isinstance(raw, bool):
        if field_type != FieldType.CHECKBOX:
            raise ValidationError(_("Enter text, not true/false."), code="invalid")
        return "true" if raw else "false"
    if isinstance(raw, int | float | Decimal):
        raw = str(raw)
    if not isinstance(raw, str):
        raise ValidationError(_("Enter a text value."), code="invalid")
    value = _check_text(raw.replace("\r\n", "\n"))
    if value.strip() == "":
        return "" if field_type != FieldType.CHECKBOX else "false"
    cleaner = _CLEANERS.get(field_type)
    return cleaner(value) if cleaner else value


def render_value(field_type: str, value: str):
    """Return what the template sees: checkboxes as booleans, the rest as text."""
    if field_type == FieldType.CHECKBOX:
        return value == "true"
    return value
