"""Django admin: every model's screens answer, evidence stays read-only.

These tests walk the real admin site as a superuser: each changelist, its
search, every choice of every filter, each object's page. Evidence (completed
signatures, audit events, signing codes, ledger rows) can be read but never
added, changed or deleted; payment requests are marked paid through the
billing service and credit the balance once.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse

from billing import services
from billing.models import BalanceEntry, CompanyBalance, PaymentRequest, TariffPlan
from contracts.models import Contract
from ozgecontract.tests.factories import (
    ContractFactory,
    ContractFieldFactory,
    SignatureFactory,
    TariffPlanFactory,
)
from signatures.models import AuditEvent, Signature, SigningCode

PROJECT_APPS = ["companies", "templates_app", "contracts", "signatures", "billing"]
SIGNED_AT = datetime(2025, 5, 20, 9, 30, tzinfo=UTC)


def project_models():
    return [
        model
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
    ]


def registered_project_models():
    return [
        model for model in project_models() if django_admin.site.is_registered(model)
    ]


def model_id(model) -> str:
    return model._meta.label


def admin_url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def evidence(owner, admin):
    """One row of every model, a signed contract with its trail among them."""
    services.set_balance(
        company_id=owner.company_id, sms_signatures=5, ecp_signatures=0, user=admin
    )
    contract = ContractFactory(
        company=owner.company, status="signed", signed_at=SIGNED_AT
    )
    ContractFieldFactory(contract=contract, field_name="work", value="Ремонт")
    signature = SignatureFactory(contract=contract, signed_at=SIGNED_AT)
    expected = SignatureFactory(
        contract=ContractFactory(company=owner.company), signed_at=None
    )
    code = SigningCode.objects.create(
        contract=contract,
        phone="+77011234567",
        code_hash="not-a-real-hash",
        expires_at=SIGNED_AT + timedelta(minutes=5),
    )
    event = AuditEvent.objects.create(
        contract=contract,
        signature=signature,
        kind=AuditEvent.Kind.SIGNED,
        ip_address="127.0.0.1",
        user_agent="pytest",
    )
    services.spend_signature_unit(
        company_id=owner.company_id, kind="sms", signature=signature
    )
    plan = TariffPlanFactory(name="Старт", from_count=1, to_count=100)
    payment = services.create_payment_request(
        company=owner.company, tariff_plan=plan, sms_count=10, ecp_count=0, user=owner
    )
    return {
        "contract": contract,
        "signature": signature,
        "expected": expected,
        "code": code,
        "event": event,
        "plan": plan,
        "payment": payment,
        "entry": BalanceEntry.objects.filter(signature=signature).get(),
    }


def test_every_project_model_is_registered():
    missing = [
        model_id(model)
        for model in project_models()
        if not django_admin.site.is_registered(model)
    ]

    assert missing == []


@pytest.mark.parametrize("model", registered_project_models(), ids=model_id)
def test_every_admin_has_list_columns_search_and_filters(model):
    model_admin = django_admin.site._registry[model]

    assert list(model_admin.list_display) != ["__str__"]
    assert model_admin.search_fields
    # A model with a handful of rows per company may go without filters.
    if model._meta.label not in {"billing.CompanyBalance", "companies.Company"}:
        assert model_admin.list_filter


@pytest.mark.parametrize("model", registered_project_models(), ids=model_id)
def test_changelist_search_and_every_filter_choice_answer(
    client, admin, evidence, model
):
    client.force_login(admin)
    url = admin_url(model, "changelist")

    response = client.get(url)
    assert response.status_code == 200
    assert client.get(url, {"q": "Ремонт 850615300129"}).status_code == 200

    changelist: ChangeList = response.context["cl"]
    assert changelist.result_count >= 1
    for spec in changelist.filter_specs:
        for choice in spec.choices(changelist):
            answer = client.get(url + choice["query_string"])
            assert answer.status_code == 200, (spec.title, choice["query_string"])


@pytest.mark.parametrize("model", registered_project_models(), ids=model_id)
def test_object_page_answers(client, admin, evidence, model):
    client.force_login(admin)
    obj = model._default_manager.order_by("pk").first()

    response = client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200


@pytest.mark.parametrize("model", registered_project_models(), ids=model_id)
def test_add_page_answers_where_adding_is_allowed(client, admin, db, model):
    client.force_login(admin)

    response = client.get(admin_url(model, "add"))

    model_admin = django_admin.site._registry[model]
    allowed = model_admin.has_add_permission(response.wsgi_request)
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("persona", ["owner", "member"])
def test_company_staff_cannot_enter_admin(client, persona, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_anonymous_is_sent_to_admin_login(client, db):
    response = client.get(admin_url(PaymentRequest, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def action_names(changelist_response) -> list[str]:
    form = changelist_response.context["action_form"]
    if form is None:
        return []
    return [name for name, _label in form.fields["action"].choices if name]


@pytest.mark.parametrize(
    ("key", "model"),
    [("signature", Signature), ("event", AuditEvent), ("entry", BalanceEntry)],
)
def test_evidence_cannot_be_added_changed_or_deleted(
    client, admin, evidence, key, model
):
    obj = evidence[key]
    before = model.objects.filter(pk=obj.pk).values().get()
    client.force_login(admin)

    add = client.get(admin_url(model, "add"))
    view = client.get(admin_url(model, "change", obj.pk))
    change = client.post(admin_url(model, "change", obj.pk), {"note": "edited"})
    delete = client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})
    changelist = client.get(admin_url(model, "changelist"))

    assert add.status_code == 403
    # The object's page is a read-only view without save or delete buttons.
    assert view.status_code == 200
    assert b'name="_save"' not in view.content
    assert b"deletelink" not in view.content
    assert change.status_code == 403
    assert delete.status_code == 403
    assert "delete_selected" not in action_names(changelist)
    assert model.objects.filter(pk=obj.pk).values().get() == before


def test_signing_codes_are_read_only(client, admin, evidence):
    code = evidence["code"]
    client.force_login(admin)

    add = client.get(admin_url(SigningCode, "add"))
    change = client.post(admin_url(SigningCode, "change", code.pk), {"attempts": 0})
    view = client.get(admin_url(SigningCode, "change", code.pk))

    assert add.status_code == 403
    assert change.status_code == 403
    assert b'name="_save"' not in view.content
    # The hash of a code is never shown, not even to a superuser.
    assert b"not-a-real-hash" not in view.content


def test_bulk_delete_of_evidence_is_refused(client, admin, evidence):
    client.force_login(admin)

    response = client.post(
        admin_url(Signature, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [evidence["signature"].pk],
            "post": "yes",
        },
    )

    assert response.status_code in (200, 302, 403)
    assert Signature.objects.filter(pk=evidence["signature"].pk).exists()


def test_an_expected_signer_who_has_not_signed_may_be_deleted(client, admin, evidence):
    client.force_login(admin)
    expected = evidence["expected"]

    response = client.post(admin_url(Signature, "delete", expected.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Signature.objects.filter(pk=expected.pk).exists()


def mark(client, payment, action: str):
    return client.post(
        admin_url(PaymentRequest, "changelist"),
        {"action": action, "_selected_action": [payment.pk]},
        follow=True,
    )


def test_mark_paid_from_admin_credits_the_balance_once(client, admin, evidence):
    payment = evidence["payment"]
    client.force_login(admin)
    before = CompanyBalance.objects.get(company_id=payment.company_id).sms_signatures

    first = mark(client, payment, "mark_paid")
    second = mark(client, payment, "mark_paid")

    payment.refresh_from_db()
    assert payment.status == PaymentRequest.Status.PAID
    assert payment.paid_at is not None
    balance = CompanyBalance.objects.get(company_id=payment.company_id)
    assert balance.sms_signatures == before + 10
    credits = BalanceEntry.objects.filter(payment_request=payment)
    assert [(e.kind, e.delta, e.created_by_id) for e in credits] == [
        ("sms", 10, admin.pk)
    ]
    assert first.status_code == second.status_code == 200
    # The admin speaks Russian by default; the refusal is translated.
    assert "статус можно менять только у заявки" in second.content.decode()


def test_a_paid_request_cannot_be_deleted_from_admin(client, admin, evidence):
    payment = evidence["payment"]
    services.change_payment_status(
        payment=payment, status=PaymentRequest.Status.PAID, user=admin
    )
    client.force_login(admin)

    single = client.post(
        admin_url(PaymentRequest, "delete", payment.pk), {"post": "yes"}
    )
    bulk = client.post(
        admin_url(PaymentRequest, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [payment.pk],
            "post": "yes",
        },
        follow=True,
    )

    assert single.status_code == 403
    assert bulk.status_code == 200
    assert PaymentRequest.objects.filter(pk=payment.pk).exists()


def test_a_payment_requests_amount_cannot_be_edited(client, admin, evidence):
    payment = evidence["payment"]
    client.force_login(admin)

    client.post(
        admin_url(PaymentRequest, "change", payment.pk),
        {"total_amount": "1.00", "sms_count": 1000, "status": "paid"},
    )

    payment.refresh_from_db()
    assert payment.total_amount == Decimal("1800.00")  # 10 × 200 less 10 %
    assert payment.sms_count == 10
    assert payment.status == PaymentRequest.Status.PENDING


def test_tariff_plans_are_edited_in_admin_with_the_api_rules(client, admin, evidence):
    client.force_login(admin)
    url = admin_url(TariffPlan, "add")

    created = client.post(
        url,
        {
            "name": "Бизнес",
            "discount": "15",
            "from_count": 101,
            "to_count": 1000,
            "is_active": "on",
        },
    )
    overlapping = client.post(
        url,
        {
            "name": "Қабаттасу",
            "discount": "5",
            "from_count": 50,
            "to_count": 150,
            "is_active": "on",
        },
    )

    assert created.status_code == 302
    assert TariffPlan.objects.filter(name="Бизнес", discount=15).exists()
    assert overlapping.status_code == 200
    assert overlapping.context["adminform"].form.errors
    assert not TariffPlan.objects.filter(name="Қабаттасу").exists()


def test_a_balance_changed_in_admin_is_written_to_the_ledger(client, admin, evidence):
    balance = CompanyBalance.objects.get(company=evidence["contract"].company)
    client.force_login(admin)

    response = client.post(
        admin_url(CompanyBalance, "change", balance.pk),
        {"sms_signatures": 40, "ecp_signatures": 2},
    )

    assert response.status_code == 302
    balance.refresh_from_db()
    assert (balance.sms_signatures, balance.ecp_signatures) == (40, 2)
    latest = BalanceEntry.objects.filter(company=balance.company).order_by("-id")[:2]
    assert sorted((e.kind, e.balance_after, e.reason) for e in latest) == [
        ("ecp", 2, "admin"),
        ("sms", 40, "admin"),
    ]


def test_a_signed_contract_is_read_only_and_kept(client, admin, evidence):
    contract = evidence["contract"]
    number = contract.number
    client.force_login(admin)

    view = client.get(admin_url(Contract, "change", contract.pk))
    change = client.post(admin_url(Contract, "change", contract.pk), {"number": "X"})
    delete = client.post(admin_url(Contract, "delete", contract.pk), {"post": "yes"})

    assert view.status_code == 200
    assert b'name="_save"' not in view.content
    assert b"deletelink" not in view.content
    assert change.status_code == 403
    assert delete.status_code == 403
    contract.refresh_from_db()
    assert (contract.number, contract.status) == (number, "signed")


def test_bulk_delete_keeps_a_signed_contract(client, admin, evidence):
    contract = evidence["contract"]
    client.force_login(admin)

    client.post(
        admin_url(Contract, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [contract.pk],
            "post": "yes",
        },
        follow=True,
    )

    assert Contract.objects.filter(pk=contract.pk).exists()
