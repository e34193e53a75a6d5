"""A template's contract fields with their settings: type, label, required.

The placeholders found in the DOCX (`Template.fields`) are the field names;
`Template.field_settings` holds what the company chose for each. A name
without settings is an optional text field labelled by its name.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contracts.models import ContractField
from templates_app.models import Template

logger = logging.getLogger(__name__)

FIELD_TYPES = [value for value, _label in ContractField.FieldType.choices]
LABEL_MAX_LENGTH = ContractField._meta.get_field("label").max_length


def template_field_settings(template: Template) -> list[dict]:
    """Return one dict per placeholder, in document order, with its settings."""
    saved = template.field_settings or {}
    result = []
    for name in template.fields or []:
        setting = saved.get(name) or {}
        kind = setting.get("type")
        result.append(
            {
                "name": name,
                "type": kind if kind in FIELD_TYPES else ContractField.FieldType.TEXT,
                "label": setting.get("label") or "",
                "required": bool(setting.get("required", False)),
            }
        )
    return result


@transaction.atomic
def save_field_settings(*, template: Template, settings: dict[str, dict], user) -> None:
    """Store type, label and required for the template's placeholders.

    Contracts already made keep their fields: the settings apply to new ones.
    """
    template = Template.objects.select_for_update().get(pk=template.pk)
    errors = {}
    cleaned = {}
    for name, setting in settings.items():
        if name not in (template.fields or []):
            errors[name] = [
                _("The template has no field named %(name)s.") % {"name": name}
            ]
            continue
        kind = setting.get("type", ContractField.FieldType.TEXT)
        if kind not in FIELD_TYPES:
            errors[name] = [_("Choose a known field type.")]
            continue
        label = " ".join(str(setting.get("label") or "").split())
        if len(label) > LABEL_MAX_LENGTH:
            errors[name] = [
                _("Use at most %(limit)s characters.") % {"limit": LABEL_MAX_LENGTH}
            ]
            continue
        cleaned[name] = {
            "type": kind,
            "label": label,
            "required": bool(setting.get("required", False)),
        }
    if errors:
        raise ValidationError(errors)

    template.field_settings = {**(template.field_settings or {}), **cleaned}
    template.save(update_fields=["field_settings"])
    logger.info(
        "template field settings saved template=%s company=%s by=%s",
        template.pk,
        template.company_id,
        user.pk,
    )
