"""A new contract from a template: /dashboard/contracts/new/."""

from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings

from contracts.models import Contract
from ozgecontract.tests.factories import TemplateFactory
from signatures.models import Signature

URL = "/dashboard/contracts/new/"


@pytest.fixture
def template(company):
    return TemplateFactory(
        company=company,
        name="Договор подряда",
        fields=["work", "summ", "start"],
        field_settings={
            "summ": {"type": "number", "label": "Сумма, тенге", "required": True},
            "start": {"type": "date", "label": "Дата начала", "required": False},
        },
    )


def post(client, template, **overrides):
    data = {
        "template": template.pk,
        "number": "",
        "value__work": "Ремонт кровли",
        "value__summ": "150000",
        "value__start": "2026-12-20",
        "client_name": "",
        "client_iin": "",
        "client_phone": "",
        "method": "sms",
    }
    data.update(overrides)
    return client.post(URL, data)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    assert (
        client.get(URL)["Location"] == "/accounts/login/?next=/dashboard/contracts/new/"
    )


@pytest.mark.django_db
def test_the_template_choice_lists_own_templates_only(
    client, member, template, outsider
):
    TemplateFactory(company=outsider.company, name="Чужой шаблон")
    client.force_login(member)

    response = client.get(URL)

    assert list(response.context["templates"]) == [template]
    assert "Чужой шаблон" not in response.content.decode()


@pytest.mark.django_db
def test_another_companys_template_is_404(client, outsider, template):
    client.force_login(outsider)

    assert client.get(URL, {"template": template.pk}).status_code == 404
    assert post(client, template).status_code == 404
    assert not Contract.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("template_id", ["abc", "1.5", "²", "9" * 30, "-1"])
def test_a_junk_template_id_is_404(client, owner, template, template_id):
    client.force_login(owner)

    assert client.get(URL, {"template": template_id}).status_code == 404
    assert client.post(URL, {"template": template_id}).status_code == 404
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_the_form_has_an_input_per_field_with_its_type_and_label(
    client, owner, template
):
    client.force_login(owner)

    response = client.get(URL, {"template": template.pk})

    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="value__work"' in body
    assert "Сумма, тенге" in body
    assert 'type="date" name="value__start"' in body


@pytest.mark.django_db
def test_owner_creates_a_contract_with_values_filled_in_advance(
    client, owner, template
):
    client.force_login(owner)

    response = post(client, template, number="OC-7", value__start="")

    contract = Contract.objects.get()
    assert response["Location"] == f"/dashboard/contracts/{contract.pk}/"
    assert (contract.company, contract.template, contract.number) == (
        owner.company,
        template,
        "OC-7",
    )
    values = dict(contract.fields.values_list("field_name", "value"))
    assert values == {"work": "Ремонт кровли", "summ": "150000", "start": ""}
    types = dict(contract.fields.values_list("field_name", "field_type"))
    assert types == {"work": "text", "summ": "number", "start": "date"}
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_the_expected_signer_is_recorded_with_the_contract(client, member, template):
    client.force_login(member)

    post(
        client,
        template,
        client_name="Сейтқали Әлия",
        client_iin="850615300129",
        client_phone="8 701 123 45 67",
        method="ecp",
    )

    signer = Signature.objects.get()
    assert (signer.client_name, signer.client_iin, signer.client_phone) == (
        "Сейтқали Әлия",
        "850615300129",
        "+77011234567",
    )
    assert signer.method == "ecp" and signer.signed_at is None


@pytest.mark.django_db
def test_a_bad_signer_iin_creates_nothing(client, owner, template):
    client.force_login(owner)

    response = post(
        client,
        template,
        client_name="Иванов Иван",
        client_iin="123456789012",
        client_phone="87011234567",
    )

    assert response.status_code == 200
    assert response.context["form"].errors["client_iin"] == [
        "Введите правильный ИИН/БИН: 12 цифр с верной контрольной цифрой."
    ]
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_a_partial_signer_is_refused(client, owner, template):
    client.force_login(owner)

    response = post(client, template, client_name="Иванов Иван")

    errors = response.context["form"].errors
    assert set(errors) == {"client_iin", "client_phone"}
    assert not Contract.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [("ru", "Введите число."), ("kk", "Сан енгізіңіз."), ("en", "Enter a number.")],
)
def test_a_bad_number_is_refused_in_the_chosen_language(
    client, owner, template, language, message
):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(owner)

    response = post(client, template, value__summ="сто тысяч")

    assert response.context["form"].errors["value__summ"] == [message]
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_the_deadline_is_read_in_almaty_time(client, owner, template):
    client.force_login(owner)

    post(client, template, expires_at="2031-12-31T18:00")

    contract = Contract.objects.get()
    assert contract.expires_at == datetime(2031, 12, 31, 13, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_deadline_in_the_past_is_refused(client, owner, template):
    client.force_login(owner)

    response = post(client, template, expires_at="2020-01-01T10:00")

    assert response.context["form"].errors["expires_at"] == [
        "Выберите момент в будущем."
    ]
    assert not Contract.objects.exists()
