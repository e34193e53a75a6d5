"""Validators shared by every app: IIN/BIN and Kazakhstan phone numbers."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def is_valid_iin(value: str) -> bool:
    """Tell whether `value` is a 12-digit IIN or BIN with a correct check digit."""
    if not isinstance(value, str) or len(value) != 12 or not value.isascii():
        return False
    if not value.isdigit():
        return False
    digits = [int(ch) for ch in value]
    check = sum(w * d for w, d in zip(_WEIGHTS_FIRST, digits, strict=False)) % 11
    if check == 10:
        check = sum(w * d for w, d in zip(_WEIGHTS_SECOND, digits, strict=False)) % 11
        if check == 10:
            return False
    return check == digits[11]


def validate_iin(value: str) -> None:
    if not is_valid_iin(value):
        raise ValidationError(
            _("Enter a valid IIN/BIN: 12 digits with a correct check digit."),
            code="invalid_iin",
        )


def normalize_phone(value: str, *, mobile_only: bool = False) -> str:
    """Parse a phone number as Kazakhstan would dial it; return E.164.

    `+7 701 123 4567`, `87011234567` and `77011234567` all give `+77011234567`.
    """
    raw = (value or "").strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    # "77011234567" without a plus is a full international number, not a
    # local one: phonenumbers would otherwise read it as a 10+ digit local.
    if not raw.startswith("+") and len(digits) == 11 and digits.startswith("7"):
        raw = "+" + digits
    try:
        number = phonenumbers.parse(raw, "KZ")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter a valid phone number."), code="invalid_phone"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    # +7 is shared with Russia; the portal and its SMS gateways serve Kazakhstan.
    if phonenumbers.region_code_for_number(number) != "KZ":
        raise ValidationError(
            _("Enter a Kazakhstan phone number (+7 7xx or +7 6xx)."),
            code="not_kazakhstan",
        )
    if mobile_only and phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("Enter a mobile phone number."), code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """Hide the middle digits: +77011234567 becomes +7701***4567."""
    if len(phone) < 8:
        return "***"
    return f"{phone[:5]}***{phone[-4:]}"
