"""Uploading a template over the API in a test, and checking how it is refused."""

import os

from django.core.files.uploadedfile import SimpleUploadedFile

from templates_app.models import Template

API_URL = "/templates/upload"


def upload(client, data: bytes, language: str):
    return client.post(
        API_URL,
        {"file": SimpleUploadedFile("contract.docx", data), "name": "Договор подряда"},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def stored_files(settings) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, name) for name in files]
    return found


def refusal(response, settings=None, *, library_english=()) -> str:
    """Check a 400 `invalid_template` answer and return its detail.

    With `settings`, also check that no template row and no file was stored;
    `library_english` lists words of the libraries the detail must not hold.
    """
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_template"
    assert body["fields"] == {"file": [body["detail"]]}
    if settings is not None:
        assert Template.objects.count() == 0
        assert stored_files(settings) == []
    detail = body["detail"]
    assert not [words for words in library_english if words in detail], detail
    return detail
