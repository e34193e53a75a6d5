"""Forms of the contract pages: filter, new contract, signing link, bulk upload."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from companies.forms import PhoneField
from contracts.bulk import MAX_FILE_BYTES
from contracts.models import Contract, ContractField
from ozgecontract.validators import validate_iin
from signatures.models import Signature

VALUE_PREFIX = "value__"


class ContractFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[],
        error_messages={"invalid_choice": _("Choose a status from the list.")},
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        error_messages={
            "max_length": _(
                "Shorten the search to %(limit_value)d characters or fewer."
            ),
            "null_characters_not_allowed": _(
                "Type the search again without control characters."
            ),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *status_choices()]

    def search_shown(self) -> str:
        """Return the search as typed, for the box, even when it was refused."""
        return (self.data.get("q") or "").replace("\x00", "")


def status_choices():
    return [
        (Contract.Status.PENDING.value, _("Awaiting signature")),
        (Contract.Status.SIGNED.value, _("Signed")),
        (Contract.Status.CANCELLED.value, _("Cancelled")),
        (Contract.Status.EXPIRED.value, _("Expired")),
    ]


_BADGE_CLASSES = {
    Contract.Status.PENDING: "text-bg-warning",
    Contract.Status.SIGNED: "text-bg-success",
    Contract.Status.CANCELLED: "text-bg-dark",
    Contract.Status.EXPIRED: "text-bg-secondary",
}


def status_badge(contract: Contract) -> tuple[str, str]:
    """Return the badge (CSS class, label) of the status a person should see."""
    return status_badges()[contract.current_status]


def status_badges() -> dict[str, tuple[str, str]]:
    """Return each status's badge (CSS class, label) in the current language."""
    return {
        status: (_BADGE_CLASSES[status], str(label))
        for status, label in status_choices()
    }


def method_choices():
    return [
        (Signature.Method.SMS.value, _("SMS code")),
        (Signature.Method.ECP.value, _("ЭЦП (NCALayer)")),
    ]


def _value_field(setting: dict) -> forms.Field:
    """Build the input for one template field from its type, label and flag."""
    kind = setting.get("type", ContractField.FieldType.TEXT)
    options = {"label": setting.get("label") or setting["name"], "required": False}
    if kind == ContractField.FieldType.NUMBER:
        return forms.DecimalField(**options)
    if kind == ContractField.FieldType.DATE:
        return forms.DateField(
            input_formats=["%d.%m.%Y", "%Y-%m-%d"],
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **options,
        )
    if kind == ContractField.FieldType.EMAIL:
        return forms.EmailField(**options)
    if kind == ContractField.FieldType.PHONE:
        return PhoneField(**options)
    if kind == ContractField.FieldType.IIN:
        return forms.CharField(max_length=12, validators=[validate_iin], **options)
    if kind == ContractField.FieldType.CHECKBOX:
        return forms.BooleanField(**options)
    return forms.CharField(
        max_length=10_000, widget=forms.Textarea({"rows": 1}), **options
    )


class NewContractForm(forms.Form):
    """A contract from a template: its number, deadline, values and signer.

    Fields left empty are for the client to fill on the signing page.
    """

    number = forms.CharField(
        label=_("Contract number"),
        max_length=64,
        required=False,
        help_text=_("Leave empty to number it automatically."),
    )
    expires_at = forms.DateTimeField(
        label=_("Sign before"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M", "%d.%m.%Y"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Optional; after this moment the link stops working."),
    )
    client_name = forms.CharField(
        label=_("Signer's full name"), max_length=255, required=False
    )
    client_iin = forms.CharField(
        label=_("Signer's IIN"),
        max_length=12,
        required=False,
        validators=[validate_iin],
    )
    client_phone = PhoneField(
        label=_("Signer's phone"), required=False, mobile_only=True
    )
    method = forms.ChoiceField(label=_("Signing method"), choices=[], initial="sms")

    def __init__(self, *args, field_settings: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = method_choices()
        self.field_settings = field_settings
        for setting in field_settings:
            self.fields[VALUE_PREFIX + setting["name"]] = _value_field(setting)

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(
                _("Choose a moment in the future."), code="past_deadline"
            )
        return expires_at

    def value_fields(self):
        return [self[VALUE_PREFIX + s["name"]] for s in self.field_settings]

    def signer_fields(self):
        return [self[name] for name in ("client_name", "client_iin", "client_phone")]

    def clean(self):
        cleaned = super().clean()
        signer = [cleaned.get(name) for name in ("client_name", "client_iin")]
        given = any(signer) or cleaned.get("client_phone")
        if given:
            for name in ("client_name", "client_iin", "client_phone"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(
                        name, _("Fill in the signer's name, IIN and phone, or none.")
                    )
        return cleaned

    def values(self) -> dict[str, str]:
        """Return the values the company filled in, as the service expects them."""
        values = {}
        for setting in self.field_settings:
            value = self.cleaned_data.get(VALUE_PREFIX + setting["name"])
            if value in (None, "", False):
                continue
            if value is True:
                value = "true"
            elif hasattr(value, "strftime"):
                value = value.strftime("%Y-%m-%d")
            values[setting["name"]] = str(value)
        return values

    def has_signer(self) -> bool:
        return bool(self.cleaned_data.get("client_name"))


class SendLinkForm(forms.Form):
    phone = PhoneField(label=_("Client's mobile phone"), mobile_only=True)


class BulkUploadForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Template"), queryset=None)
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "One contract per row; the first row names the columns after the "
            "template's fields."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB."),
                params={"limit": MAX_FILE_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload
