import uuid

from django.db import models
from django.utils import timezone


def template_upload_to(instance, filename):
    # The uploaded name is never used: it could hold a path or a script.
    return f"templates/company_{instance.company_id}/{uuid.uuid4().hex}.docx"


class Template(models.Model):
    """A company's DOCX contract template with docxtpl placeholders."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="templates"
    )
    name = models.CharField(max_length=255)
    file = models.FileField(upload_to=template_upload_to, max_length=255)
    original_filename = models.CharField(max_length=255, blank=True)
    # Placeholder names found in the DOCX, in document order: the suggested
    # contract fields for every contract made from this template.
    fields = models.JSONField(default=list, blank=True)
    # Settings chosen per placeholder in the dashboard, applied to every
    # contract made from the template: {"<name>": {"type": "date", "label":
    # "Дата", "required": true}}. A name not listed is an optional text field
    # labelled by its name. See templates_app.fields.
    field_settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return self.name

    @property
    def file_path(self) -> str:
        return self.file.name
