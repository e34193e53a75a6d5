"""Every ru/kk catalog is complete, and API errors speak the caller's language."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

LANGUAGES = ("ru", "kk")


def _entries(po_path: Path):
    """Yield (msgid, [msgstr, ...], fuzzy) for each live entry of a .po file."""
    entry = None
    field = None
    for raw in [*po_path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry and entry["msgid"]:
                yield entry["msgid"], list(entry["msgstr"].values()), entry["fuzzy"]
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue
        entry = entry or {"msgid": "", "msgstr": {}, "fuzzy": False}
        if line.startswith("#,") and "fuzzy" in line:
            entry["fuzzy"] = True
        elif line.startswith("msgid "):
            field = ("msgid", None)
            entry["msgid"] = _unquote(line[len("msgid ") :])
        elif line.startswith("msgstr"):
            key, _, value = line.partition(" ")
            field = ("msgstr", key)
            entry["msgstr"][key] = _unquote(value)
        elif line.startswith('"') and field:
            if field[0] == "msgid":
                entry["msgid"] += _unquote(line)
            elif field[0] == "msgstr":
                entry["msgstr"][field[1]] += _unquote(line)
        elif line.startswith(("msgctxt", "msgid_plural")):
            field = ("other", None)


def _unquote(text: str) -> str:
    return text.strip()[1:-1]


def _catalogs(language: str) -> list[Path]:
    return sorted(
        path
        for path in Path(settings.BASE_DIR).glob(
            f"*/locale/{language}/LC_MESSAGES/django.po"
        )
        if ".venv" not in path.parts
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_entry_is_translated_and_not_fuzzy(language):
    catalogs = _catalogs(language)
    assert len(catalogs) >= 7
    gaps = [
        f"{path.relative_to(settings.BASE_DIR)}: {msgid!r}"
        for path in catalogs
        for msgid, msgstrs, fuzzy in _entries(path)
        if fuzzy or not all(msgstrs)
    ]
    assert gaps == []


@pytest.mark.parametrize(
    ("language", "detail"),
    [("ru", "Договор не найден."), ("kk", "Келісім-шарт табылмады.")],
)
def test_unknown_contract_is_reported_in_the_callers_language(
    owner_api, language, detail
):
    response = owner_api.get("/contracts/999999", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 404
    assert response.json() == {"detail": detail, "code": "not_found"}


def test_russian_is_the_default_language_of_api_errors(owner_api):
    response = owner_api.get("/templates/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Шаблон не найден.", "code": "not_found"}


def test_english_caller_gets_english_errors(owner_api):
    response = owner_api.get("/contracts/999999", HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["detail"] == "Contract not found."


def test_another_companys_stats_are_refused_in_russian(owner_api, company):
    response = owner_api.get(
        f"/stats/company/{company.pk + 999999}", HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert response.status_code == 404
    assert response.json()["detail"] == "Компания не найдена."


def test_drf_message_missing_from_drf_ru_catalog_is_russian():
    with translation.override("ru"), pytest.raises(ValidationError) as caught:
        serializers.BooleanField().run_validation("maybe")

    assert caught.value.detail == ["Значение должно быть логическим (true или false)."]


def test_admin_only_endpoint_refuses_a_company_user_in_russian(owner_api, company):
    response = owner_api.post(
        "/company-balances", {"company_id": company.pk}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Это могут делать только администраторы платформы.",
        "code": "permission_denied",
    }


def test_admin_only_endpoint_refuses_a_kazakh_caller_in_kazakh(owner_api, company):
    response = owner_api.post(
        "/company-balances",
        {"company_id": company.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="kk",
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "Мұны тек платформа әкімшілері жасай алады."
