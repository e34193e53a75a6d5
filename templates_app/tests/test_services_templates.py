"""Template services used by the API and the dashboard: upload, preview."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from contracts.services import DocumentUnavailableError
from ozgecontract.tests.factories import TemplateFactory
from templates_app import services
from templates_app.models import Template
from templates_app.tests import docx_builders as build


def test_upload_keeps_the_placeholders_and_a_printable_original_name(owner):
    upload = SimpleUploadedFile("../../evil\x07name.docx", build.rich_docx())

    template = services.upload_template(
        company=owner.company, name="  Договор   подряда ", file=upload, user=owner
    )

    assert template.name == "Договор подряда"
    assert template.original_filename == "evilname.docx"
    assert template.fields == build.RICH_FIELDS


def test_upload_over_the_limit_is_a_413_error(owner, settings):
    settings.TEMPLATE_MAX_UPLOAD_BYTES = 100
    upload = SimpleUploadedFile("t.docx", build.simple_docx("{{ a }}"))

    with pytest.raises(services.TemplateTooLargeError) as caught:
        services.upload_template(
            company=owner.company, name="Шаблон", file=upload, user=owner
        )

    assert caught.value.status == 413
    assert Template.objects.count() == 0


def test_preview_shows_each_placeholder_as_its_label(company):
    template = TemplateFactory(
        company=company,
        file=ContentFile(
            build.simple_docx("Клиент {{ client }}, {{ summ }}"), "t.docx"
        ),
        fields=["client", "summ"],
        field_settings={"summ": {"type": "number", "label": "Сумма, тенге"}},
    )

    pdf = services.preview_template_pdf(template=template)

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Клиент [client], [Сумма, тенге]" in " ".join(text.split())


def test_preview_of_a_missing_file_is_a_502(company):
    template = TemplateFactory(company=company, fields=[])
    template.file.storage.delete(template.file.name)

    with pytest.raises(DocumentUnavailableError):
        services.preview_template_pdf(template=template)
