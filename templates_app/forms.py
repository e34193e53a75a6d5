"""Forms of the template pages: upload, rename, and the per-field settings."""

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from contracts.models import ContractField


def field_type_choices():
    return [
        (ContractField.FieldType.TEXT.value, _("Text")),
        (ContractField.FieldType.NUMBER.value, _("Number")),
        (ContractField.FieldType.DATE.value, _("Date")),
        (ContractField.FieldType.EMAIL.value, _("Email")),
        (ContractField.FieldType.PHONE.value, _("Phone")),
        (ContractField.FieldType.IIN.value, _("IIN/BIN")),
        (ContractField.FieldType.CHECKBOX.value, _("Checkbox")),
    ]


class TemplateUploadForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=255)
    file = forms.FileField(
        label=_("DOCX file"),
        # Lazy, so the text follows the language of each request, not the import.
        help_text=lazy(
            lambda: (
                _("A Word document with {{ placeholders }}; at most %(limit)s MB.")
                % {"limit": settings.TEMPLATE_MAX_UPLOAD_BYTES // (1024 * 1024)}
            ),
            str,
        )(),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.TEMPLATE_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB."),
                params={"limit": limit // (1024 * 1024)},
                code="too_large",
            )
        return upload


class TemplateRenameForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=255)


class FieldSettingsForm(forms.Form):
    """Type, label and required for each placeholder of a template."""

    def __init__(self, *args, field_settings: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.field_settings = field_settings
        for setting in field_settings:
            name = setting["name"]
            # The table's header names the columns: inputs carry aria labels.
            self.fields[f"type__{name}"] = forms.ChoiceField(
                label=_("Type"),
                choices=field_type_choices(),
                initial=setting["type"],
                widget=forms.Select(
                    attrs={
                        "class": "form-select form-select-sm",
                        "aria-label": f"{_('Type')}: {name}",
                    }
                ),
            )
            self.fields[f"label__{name}"] = forms.CharField(
                label=_("Label"),
                required=False,
                max_length=255,
                initial=setting["label"],
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control form-control-sm",
                        "placeholder": name,
                        "aria-label": f"{_('Label')}: {name}",
                    }
                ),
            )
            self.fields[f"required__{name}"] = forms.BooleanField(
                label=_("Required"),
                required=False,
                initial=setting["required"],
                widget=forms.CheckboxInput(
                    attrs={
                        "class": "form-check-input",
                        "aria-label": f"{_('Required')}: {name}",
                    }
                ),
            )

    def rows(self):
        """Yield (name, type, label, required) bound fields, one row per field."""
        for setting in self.field_settings:
            name = setting["name"]
            yield (
                name,
                self[f"type__{name}"],
                self[f"label__{name}"],
                self[f"required__{name}"],
            )

    def settings(self) -> dict[str, dict]:
        data = self.cleaned_data
        return {
            s["name"]: {
                "type": data[f"type__{s['name']}"],
                "label": data[f"label__{s['name']}"],
                "required": data[f"required__{s['name']}"],
            }
            for s in self.field_settings
        }
