"""Forms of the client's signing page: contract fields, signer, code, ЭЦП."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.html import format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contracts.models import ContractField
from ozgecontract.validators import normalize_phone, validate_iin
from signatures.certificate import CONSENT_STATEMENTS as CERTIFICATE_STATEMENTS

# The certificate quotes the three statements as worded in the original API
# document (two in Russian, the third in Kazakh). The page shows each one in
# Russian and in Kazakh, the page's language first, so every client reads
# what they agree to; the Russian or Kazakh original is always one of the two.
_RU, _KK = "ru", "kk"
CONSENT_STATEMENTS = (
    {
        _RU: CERTIFICATE_STATEMENTS[0],
        _KK: "Мен оферта шартын қабылдайтынымды және енгізілген барлық деректердің "
        "дұрыс екенін растаймын",
    },
    {
        _RU: CERTIFICATE_STATEMENTS[1],
        _KK: "Ескерту: барлық әрекеттер үшін жауапкершілік ЖСН/БСН көрсетілген "
        "тұлғаға жүктеледі.",
    },
    {
        _RU: "В настоящее время сайт и договор составляются на казахском языке. "
        "Если вы не понимаете русский язык, вы вправе нанять платного "
        "переводчика. (За дополнительной информацией просим обратиться к нашему "
        "менеджеру)",
        _KK: CERTIFICATE_STATEMENTS[2],
    },
)


def consent_wordings(statement: dict[str, str]) -> tuple[str, str]:
    """Return (first, second) wording of `statement`: Kazakh first in kk."""
    if (get_language() or "").startswith(_KK):
        return statement[_KK], statement[_RU]
    return statement[_RU], statement[_KK]


FIELD_PREFIX = "field__"

_IIN_ATTRS = {"inputmode": "numeric", "maxlength": "12", "autocomplete": "off"}
_PHONE_ATTRS = {"autocomplete": "tel", "placeholder": "+7 701 123 4567"}


class TelInput(forms.TextInput):
    input_type = "tel"


class IinField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("widget", forms.TextInput(attrs=dict(_IIN_ATTRS)))
        super().__init__(validators=[validate_iin], **kwargs)

    def to_python(self, value):
        # People paste IINs with spaces or dashes; only the digits count.
        value = super().to_python(value)
        return "".join(ch for ch in value if not ch.isspace() and ch != "-")


class PhoneField(forms.CharField):
    """A Kazakhstan phone number, cleaned to E.164."""

    def __init__(self, *, mobile_only: bool = False, **kwargs):
        self.mobile_only = mobile_only
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", TelInput(attrs=dict(_PHONE_ATTRS)))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        return normalize_phone(value, mobile_only=self.mobile_only)


def field_label(field: ContractField) -> str:
    """Return the company's label, or the placeholder name made readable."""
    if field.label.strip():
        return field.label
    words = " ".join(field.field_name.replace("_", " ").split())
    return words[:1].upper() + words[1:]


def _form_field(field: ContractField) -> forms.Field:
    """Build the typed form field that asks the client for `field`."""
    label = field_label(field)
    common = {"label": label, "required": field.required}
    kind = field.field_type
    if kind == ContractField.FieldType.NUMBER:
        return forms.DecimalField(
            **common,
            max_digits=18,
            decimal_places=4,
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        )
    if kind == ContractField.FieldType.DATE:
        return forms.DateField(
            **common,
            input_formats=["%Y-%m-%d", "%d.%m.%Y"],
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
    if kind == ContractField.FieldType.EMAIL:
        return forms.EmailField(**common, widget=forms.EmailInput())
    if kind == ContractField.FieldType.PHONE:
        return PhoneField(**common)
    if kind == ContractField.FieldType.IIN:
        return IinField(**common)
    if kind == ContractField.FieldType.CHECKBOX:
        return forms.BooleanField(**common)
    return forms.CharField(**common, max_length=2000)


def _as_value(field: ContractField, value) -> str:
    """Turn a cleaned form value into the text a contract field stores."""
    if field.field_type == ContractField.FieldType.CHECKBOX:
        return "true" if value else "false"
    if value is None:
        return ""
    if field.field_type == ContractField.FieldType.DATE:
        return value.isoformat()
    if field.field_type == ContractField.FieldType.NUMBER:
        return format(value.normalize(), "f")
    return str(value).strip()


def _initial(field: ContractField):
    if field.field_type == ContractField.FieldType.CHECKBOX:
        return field.value.strip().lower() in ("true", "1", "yes", "on")
    if field.field_type == ContractField.FieldType.DATE and field.value:
        # Stored as dd.mm.yyyy; a date input shows only yyyy-mm-dd.
        try:
            return datetime.strptime(field.value, "%d.%m.%Y").date().isoformat()  # noqa: DTZ007
        except ValueError:
            return field.value
    return field.value or None


def input_context(field: forms.BoundField) -> dict:
    """Return what the page's markup shows of one input, as plain values.

    The signing page is what every client opens first: the template reads a
    dict far faster than BoundField attributes, each of which goes through
    the template engine's attribute lookup and rebuilds its error list.
    """
    value = field.value()
    return {
        "name": field.html_name,
        "id": field.auto_id,
        "label": str(field.label),
        "type": field.field.widget.input_type,
        "value": "" if value is None else value,
        # Each name and value escaped, in the widget's order.
        "attrs": format_html_join("", ' {}="{}"', field.field.widget.attrs.items()),
        "required": field.field.required,
        "errors": field.errors,
    }


class ContractFieldsForm(forms.Form):
    """The contract fields the company asked the client to fill in."""

    def __init__(self, *args, contract_fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract_fields = list(contract_fields)
        for field in self.contract_fields:
            name = FIELD_PREFIX + field.field_name
            self.fields[name] = _form_field(field)
            self.initial.setdefault(name, _initial(field))

    def values(self) -> dict[str, str]:
        """Return the cleaned values keyed by field name, as the service takes them."""
        return {
            field.field_name: _as_value(
                field, self.cleaned_data.get(FIELD_PREFIX + field.field_name)
            )
            for field in self.contract_fields
        }


class SignerForm(forms.Form):
    """Who signs: ФИО, ИИН, mobile phone, and the three consent statements."""

    client_name = forms.CharField(
        label=_("Full name"),
        max_length=255,
        min_length=2,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    client_iin = IinField(label=_("IIN"))
    client_phone = PhoneField(
        label=_("Mobile phone"),
        mobile_only=True,
    )
    consent_1 = forms.BooleanField()
    consent_2 = forms.BooleanField()
    consent_3 = forms.BooleanField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, statement in enumerate(CONSENT_STATEMENTS, 1):
            field = self.fields[f"consent_{number}"]
            field.label, field.translation = consent_wordings(statement)
            field.error_messages["required"] = _("Tick this statement to continue.")

    def clean_client_name(self):
        name = " ".join(self.cleaned_data["client_name"].split())
        if not any(ch.isalpha() for ch in name):
            raise ValidationError(_("Enter your full name."), code="invalid_name")
        return name

    def consents(self):
        """Return the consent checkboxes; each field carries `.translation` too."""
        return [self[f"consent_{n}"] for n in range(1, len(CONSENT_STATEMENTS) + 1)]

    def consent_inputs(self) -> list[dict]:
        """Return the consent checkboxes as `input_context` dicts with `translation`."""
        return [
            {**input_context(field), "translation": field.field.translation}
            for field in self.consents()
        ]

    def signer(self) -> dict[str, str]:
        return {
            "client_name": self.cleaned_data["client_name"],
            "client_iin": self.cleaned_data["client_iin"],
            "client_phone": self.cleaned_data["client_phone"],
        }


class EcpSignForm(SignerForm):
    """The signer's details plus the detached CMS NCALayer made over the PDF."""

    cms = forms.CharField(widget=forms.HiddenInput(), max_length=200_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cms"].error_messages["required"] = _(
            "NCALayer returned no signature; try again."
        )


class SigningCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Confirmation code"),
        min_length=6,
        max_length=6,
        validators=[
            RegexValidator(r"^\d{6}$", _("The code is 6 digits."), code="bad_code")
        ],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"\d{6}",
                "maxlength": "6",
            }
        ),
    )
