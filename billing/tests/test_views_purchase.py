"""Buying a package: /dashboard/billing/purchase/ (preview) and .../confirm/."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import PaymentRequest
from ozgecontract.tests.factories import TariffPlanFactory

URL = "/dashboard/billing/purchase/"
CONFIRM_URL = "/dashboard/billing/purchase/confirm/"


@pytest.fixture
def small(db):
    return TariffPlanFactory(name="Старт", from_count=1, to_count=99, discount=0)


@pytest.fixture
def large(db):
    return TariffPlanFactory(name="Бизнес", from_count=100, to_count=999, discount=10)


def confirm_data(plan, total, *, sms_count, ecp_count):
    return {
        "sms_count": sms_count,
        "ecp_count": ecp_count,
        "shown_tariff_plan": plan.pk,
        "shown_total_amount": str(total),
    }


def test_anonymous_is_sent_to_login(client, db):
    for url in (URL, CONFIRM_URL):
        response = client.post(url, {"sms_count": 1, "ecp_count": 0})

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert not PaymentRequest.objects.exists()


def test_member_gets_403(client, member, small):
    client.force_login(member)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"sms_count": 5, "ecp_count": 0}).status_code == 403
    response = client.post(
        CONFIRM_URL, confirm_data(small, "1000.00", sms_count=5, ecp_count=0)
    )
    assert response.status_code == 403
    assert not PaymentRequest.objects.exists()


def test_platform_admin_is_sent_to_django_admin(client, admin):
    client.force_login(admin)

    response = client.post(URL, {"sms_count": 5, "ecp_count": 0})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_confirm_answers_only_post(client, owner):
    client.force_login(owner)

    assert client.get(CONFIRM_URL).status_code == 405


def test_owner_sees_the_choice_form_with_the_active_plans(client, owner, small):
    TariffPlanFactory(name="Архив", from_count=5000, to_count=6000, is_active=False)
    client.force_login(owner)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["plans"] == [small]
    page = response.content.decode()
    assert "Старт" in page
    assert "Архив" not in page
    assert "SMS 200,00 ₸, ЭЦП 100,00 ₸" in page


def test_preview_shows_the_matching_plan_and_the_server_price(
    client, owner, small, large
):
    client.force_login(owner)

    response = client.post(URL, {"sms_count": 100, "ecp_count": 50})

    assert response.status_code == 200
    assert response.templates[0].name == "billing/purchase_preview.html"
    preview = response.context["preview"]
    assert preview["tariff_plan"] == large
    # (100 × 200 + 50 × 100) × (1 − 10 / 100)
    assert preview["total_amount"] == Decimal("22500.00")
    page = response.content.decode()
    assert "Бизнес (100–999)" in page
    assert "22\xa0500,00 ₸" in page
    assert f'name="shown_tariff_plan" value="{large.pk}"' in page
    assert 'name="shown_total_amount" value="22500.00"' in page
    # Nothing is created before the owner confirms.
    assert not PaymentRequest.objects.exists()


def test_confirm_creates_a_pending_request_at_the_previewed_price(client, owner, large):
    client.force_login(owner)

    response = client.post(
        CONFIRM_URL, confirm_data(large, "22500.00", sms_count=100, ecp_count=50)
    )

    payment = PaymentRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/billing/payments/{payment.pk}/"
    assert payment.company_id == owner.company_id
    assert payment.tariff_plan_id == large.pk
    assert (payment.sms_count, payment.ecp_count) == (100, 50)
    assert payment.total_amount == Decimal("22500.00")
    assert payment.status == PaymentRequest.Status.PENDING
    assert payment.created_by_id == owner.pk

    page = client.get(response["Location"]).content.decode()
    assert f"Заявка на оплату № {payment.pk} создана и ожидает оплаты." in page
    assert "22\xa0500,00 ₸" in page


def test_counts_no_plan_covers_are_refused_with_a_reason(client, owner, small):
    client.force_login(owner)

    response = client.post(URL, {"sms_count": 150, "ecp_count": 0})

    assert response.status_code == 200
    assert response.templates[0].name == "billing/purchase.html"
    assert response.context["form"].non_field_errors() == [
        "Нет действующего тарифа на 150 подписей. Выберите общее количество в "
        "пределах одного из тарифов, указанных на этой странице."
    ]
    assert not PaymentRequest.objects.exists()


def test_no_plan_at_all_says_none_are_on_sale(client, owner, db):
    client.force_login(owner)

    response = client.post(URL, {"sms_count": 1, "ecp_count": 0})

    assert response.context["form"].errors
    assert 'data-testid="plans-empty"' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"sms_count": -1, "ecp_count": 5}, "sms_count"),
        ({"sms_count": 5, "ecp_count": "много"}, "ecp_count"),
        ({"sms_count": 5}, "ecp_count"),
        ({"sms_count": 5, "ecp_count": 10**7}, "ecp_count"),
    ],
)
def test_bad_counts_are_refused_on_their_field(client, owner, small, data, field):
    client.force_login(owner)

    response = client.post(URL, data)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]


def test_an_empty_post_is_refused_on_both_fields(client, owner, small):
    client.force_login(owner)

    response = client.post(URL, {})

    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["ecp_count", "sms_count"]


def test_zero_of_both_kinds_is_refused(client, owner, small):
    client.force_login(owner)

    response = client.post(URL, {"sms_count": 0, "ecp_count": 0})

    assert response.context["form"].non_field_errors() == [
        "Выберите хотя бы одну SMS-подпись или подпись ЭЦП."
    ]


def test_confirm_with_counts_outside_the_shown_plan_shows_a_fresh_preview(
    client, owner, small, large
):
    client.force_login(owner)

    # The browser sends the small plan's price but counts of the large plan.
    response = client.post(
        CONFIRM_URL, confirm_data(small, "1000.00", sms_count=100, ecp_count=0)
    )

    assert response.status_code == 200
    assert response.templates[0].name == "billing/purchase_preview.html"
    assert response.context["errors"] == [
        "Тариф или цена изменились после предварительного расчёта. "
        "Проверьте новую цену и подтвердите ещё раз."
    ]
    assert response.context["preview"]["tariff_plan"] == large
    assert response.context["preview"]["total_amount"] == Decimal("18000.00")
    assert not PaymentRequest.objects.exists()


def test_confirm_after_a_price_change_shows_the_new_price(client, owner, small):
    client.force_login(owner)
    preview = client.post(URL, {"sms_count": 10, "ecp_count": 0}).context["preview"]
    assert preview["total_amount"] == Decimal("2000.00")

    small.discount = Decimal("50")
    small.save()
    response = client.post(
        CONFIRM_URL, confirm_data(small, "2000.00", sms_count=10, ecp_count=0)
    )

    assert response.context["errors"]
    assert response.context["preview"]["total_amount"] == Decimal("1000.00")
    assert not PaymentRequest.objects.exists()


def test_confirm_for_counts_no_plan_covers_returns_to_the_choice(client, owner, small):
    client.force_login(owner)

    response = client.post(
        CONFIRM_URL, confirm_data(small, "200000.00", sms_count=1000, ecp_count=0)
    )

    assert response.templates[0].name == "billing/purchase.html"
    assert response.context["form"].non_field_errors()
    assert not PaymentRequest.objects.exists()


def test_confirm_with_a_deactivated_plan_is_refused(client, owner, small):
    client.force_login(owner)
    small.is_active = False
    small.save()

    response = client.post(
        CONFIRM_URL, confirm_data(small, "2000.00", sms_count=10, ecp_count=0)
    )

    assert response.templates[0].name == "billing/purchase.html"
    assert not PaymentRequest.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("kk", "150 қолтаңбаға арналған белсенді тариф жоқ."),
        ("en", "No active tariff plan covers 150 signatures."),
        ("ru", "Нет действующего тарифа на 150 подписей."),
    ],
)
def test_refusal_is_in_the_chosen_language(client, owner, small, language, message):
    client.force_login(owner)
    client.cookies["django_language"] = language

    response = client.post(URL, {"sms_count": 150, "ecp_count": 0})

    assert response.context["form"].non_field_errors()[0].startswith(message)
    assert message in response.content.decode()


def test_a_refusal_by_the_service_is_shown_on_a_fresh_preview(
    client, owner, small, monkeypatch
):
    # A plan can change between the form's check and the service's locked
    # check; the service has the last word.
    def refuse(**kwargs):
        raise ValidationError({"sms_count": ["The plan no longer covers this."]})

    monkeypatch.setattr("billing.views.services.create_payment_request", refuse)
    client.force_login(owner)

    response = client.post(
        CONFIRM_URL, confirm_data(small, "2000.00", sms_count=10, ecp_count=0)
    )

    assert response.templates[0].name == "billing/purchase_preview.html"
    assert response.context["errors"] == ["The plan no longer covers this."]
    assert not PaymentRequest.objects.exists()
