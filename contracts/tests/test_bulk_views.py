"""Bulk creation from CSV or XLSX: /dashboard/contracts/bulk/ and its batches."""

import io
import json

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from contracts import bulk
from contracts.models import Contract
from ozgecontract.tests.factories import TemplateFactory
from signatures.models import Signature

URL = "/dashboard/contracts/bulk/"
ROWS_URL = "/dashboard/contracts/bulk/rows/"

MIXED_CSV = (
    "number;work;summ;client_name;client_iin;client_phone\n"
    "B-1;Ремонт кровли;150000;Иванов Иван;850615300129;+7 701 123 4567\n"
    "B-2;Покраска;90000;Петров Пётр;123456789012;87011234568\n"
    "B-3;Сантехника;50000;Сидоров Сидор;920304405676;12345\n"
    "B-4;Электрика\n"
    "B-5;Отделка;много;;;\n"
    "B-6;Фасад;300000;;;\n"
)


@pytest.fixture
def template(company):
    return TemplateFactory(
        company=company,
        fields=["work", "summ"],
        field_settings={"summ": {"type": "number", "label": "Сумма", "required": True}},
    )


def upload(name, content: bytes):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    assert (
        client.get(URL)["Location"]
        == "/accounts/login/?next=/dashboard/contracts/bulk/"
    )
    assert (
        client.post(ROWS_URL, "{}", content_type="application/json").status_code == 302
    )


@pytest.mark.django_db
def test_mixed_csv_creates_good_rows_and_lists_bad_ones(client, member, template):
    client.force_login(member)

    response = client.post(
        URL,
        {"template": template.pk, "file": upload("clients.csv", MIXED_CSV.encode())},
    )

    assert response.status_code == 200
    assert sorted(Contract.objects.values_list("number", flat=True)) == ["B-1", "B-6"]
    signer = Signature.objects.get()
    assert (signer.contract.number, signer.client_phone) == ("B-1", "+77011234567")
    first = Contract.objects.get(number="B-1")
    assert dict(first.fields.values_list("field_name", "value")) == {
        "work": "Ремонт кровли",
        "summ": "150000",
    }
    results = {r.line: r for r in response.context["results"]}
    assert [line for line, r in results.items() if r.contract_id] == [2, 7]
    assert results[3].errors == [
        "client_iin: Введите правильный ИИН/БИН: 12 цифр с верной контрольной цифрой."
    ]
    assert results[4].errors == ["client_phone: Введите правильный номер телефона."]
    assert results[5].errors == ["В строке 2 ячеек, а в заголовке 6."]
    assert results[6].errors == ["summ: Введите число."]
    body = response.content.decode()
    assert "Создано: 2, отклонено: 4." in body


@pytest.mark.django_db
def test_xlsx_with_numbers_typed_as_numbers(client, owner, template):
    content = xlsx(
        [
            ["work", "summ", "client_name", "client_iin", "client_phone"],
            ["Ремонт", 150000, "Иванов Иван", 850615300129, 77011234567],
            ["Покраска", 90000, "Петров Пётр", 123456789012, 77011234568],
        ]
    )
    client.force_login(owner)

    response = client.post(
        URL, {"template": template.pk, "file": upload("clients.xlsx", content)}
    )

    [contract] = Contract.objects.all()
    assert contract.signatures.get().client_iin == "850615300129"
    assert dict(contract.fields.values_list("field_name", "value"))["summ"] == "150000"
    refused = [r for r in response.context["results"] if r.errors]
    assert [r.line for r in refused] == [3]


@pytest.mark.django_db
def test_windows_1251_csv_with_commas_is_read(client, owner, template):
    content = "work,summ\nРемонт кровли,1000\n".encode("cp1251")
    client.force_login(owner)

    client.post(URL, {"template": template.pk, "file": upload("c.csv", content)})

    contract = Contract.objects.get()
    assert contract.fields.get(field_name="work").value == "Ремонт кровли"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", b"", "Отправленный файл пуст."),
        ("a.pdf", b"%PDF-1.7", "Загрузите файл .csv или .xlsx."),
        ("a.xlsx", b"PK\x03\x04garbage", "Файл XLSX повреждён."),
        ("a.csv", b"work;summ;colour\n1;2;3\n", "Неизвестные столбцы: colour."),
        ("a.csv", b"work;work\n1;2\n", "Столбцы с одинаковым названием: work."),
        ("a.csv", b"work;summ\n", "В файле есть заголовок, но нет строк."),
    ],
)
def test_unreadable_files_are_refused_whole(
    client, owner, template, name, content, message
):
    client.force_login(owner)

    response = client.post(
        URL, {"template": template.pk, "file": upload(name, content)}
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert error.startswith(message)
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_too_many_rows_are_refused(client, owner, template):
    lines = ["work;summ"] + [f"r{n};1" for n in range(bulk.MAX_ROWS + 1)]
    client.force_login(owner)

    response = client.post(
        URL,
        {"template": template.pk, "file": upload("a.csv", "\n".join(lines).encode())},
    )

    assert response.context["form"].errors["file"] == [
        f"В файле больше {bulk.MAX_ROWS} строк; разделите его."
    ]
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(client, owner, template):
    content = b"work;summ\n" + b"x" * bulk.MAX_FILE_BYTES
    client.force_login(owner)

    response = client.post(
        URL, {"template": template.pk, "file": upload("a.csv", content)}
    )

    assert response.context["form"].errors["file"] == ["Файл больше 2 МБ."]


@pytest.mark.django_db
def test_another_companys_template_cannot_be_chosen(client, outsider, template):
    client.force_login(outsider)

    response = client.post(
        URL, {"template": template.pk, "file": upload("a.csv", b"work;summ\nx;1\n")}
    )

    assert "template" in response.context["form"].errors
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_the_browser_path_reads_then_creates_in_batches(client, owner, template):
    client.force_login(owner)

    sheet = client.post(
        URL,
        {"template": template.pk, "file": upload("c.csv", MIXED_CSV.encode())},
        HTTP_ACCEPT="application/json",
    ).json()

    assert sheet["template"] == template.pk
    assert sheet["header"][:3] == ["number", "work", "summ"]
    assert [line for line, _cells in sheet["rows"]] == [2, 3, 4, 5, 6, 7]
    assert not Contract.objects.exists()

    results = []
    for start in range(0, len(sheet["rows"]), 4):
        body = {**sheet, "rows": sheet["rows"][start : start + 4]}
        response = client.post(
            ROWS_URL, json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 200
        results += response.json()["results"]

    created = [r for r in results if r["contract_id"]]
    assert [r["number"] for r in created] == ["B-1", "B-6"]
    assert created[0]["url"] == f"/dashboard/contracts/{created[0]['contract_id']}/"
    assert [r["line"] for r in results if r["errors"]] == [3, 4, 5, 6]


@pytest.mark.django_db
def test_the_browser_path_reports_a_bad_file_as_json(client, owner, template):
    client.force_login(owner)

    response = client.post(
        URL,
        {"template": template.pk, "file": upload("a.csv", b"")},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["file"]


@pytest.mark.django_db
def test_a_batch_for_another_companys_template_is_404(client, outsider, template):
    client.force_login(outsider)
    body = {
        "template": template.pk,
        "header": ["work", "summ"],
        "rows": [[2, ["x", "1"]]],
    }

    response = client.post(ROWS_URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 404
    assert not Contract.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"template": 1}),
        json.dumps({"template": 1, "header": ["work"], "rows": [["x", 1]]}),
        '{"template": Infinity, "header": [], "rows": []}',
        '{"template": 1, "header": ["work"], "rows": [[Infinity, ["x"]]]}',
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=["text", "no-rows", "bad-line", "infinite-id", "infinite-line", "deep"],
)
def test_a_malformed_batch_is_400(client, owner, template, body):
    client.force_login(owner)

    response = client.post(ROWS_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_a_batch_too_large_is_refused(client, owner, template):
    client.force_login(owner)
    rows = [[n, ["x", "1"]] for n in range(11)]
    body = {"template": template.pk, "header": ["work", "summ"], "rows": rows}

    response = client.post(ROWS_URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_a_batch_with_unknown_columns_is_refused(client, owner, template):
    client.force_login(owner)
    body = {"template": template.pk, "header": ["colour"], "rows": [[2, ["red"]]]}

    response = client.post(ROWS_URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_signer_method_column_and_kazakh_reasons(client, owner, template):
    content = (
        "work;summ;client_name;client_iin;client_phone;method\n"
        "Ремонт;1000;Иванов Иван;850615300129;87011234567;ecp\n"
        "Ремонт;1000;Иванов Иван;850615300129;87011234567;paper\n"
    ).encode()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "kk"
    client.force_login(owner)

    response = client.post(
        URL, {"template": template.pk, "file": upload("a.csv", content)}
    )

    assert Signature.objects.get().method == "ecp"
    refused = [r for r in response.context["results"] if r.errors]
    assert [(r.line, r.errors) for r in refused] == [
        (3, ["method: sms немесе ecp деп жазыңыз."])
    ]
