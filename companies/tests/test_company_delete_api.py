import pytest
from django.utils import timezone

from billing.models import CompanyBalance, PaymentRequest
from companies.models import Company, User
from contracts.models import Contract
from ozgecontract.tests.factories import (
    ContractFactory,
    SignatureFactory,
    TariffPlanFactory,
    TemplateFactory,
)
from templates_app.models import Template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_owner_deletes_a_company_with_its_unsigned_work(owner_api, company, owner):
    contract = ContractFactory(company=company)
    SignatureFactory(contract=contract)  # an expected signer, not yet signed
    TemplateFactory(company=company)

    response = owner_api.delete(f"/companies/{company.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Company.objects.filter(pk=company.pk).exists()
    assert not User.objects.filter(pk=owner.pk).exists()
    assert not Template.objects.exists()
    assert not CompanyBalance.objects.exists()


def test_admin_deletes_any_company(admin_api, company):
    assert admin_api.delete(f"/companies/{company.pk}/").status_code == 204
    assert not Company.objects.filter(pk=company.pk).exists()


def test_a_company_with_a_signed_contract_is_kept(owner_api, company):
    contract = ContractFactory(company=company, status=Contract.Status.SIGNED)
    SignatureFactory(contract=contract, signed_at=timezone.now())

    response = owner_api.delete(f"/companies/{company.pk}")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The company has signed contracts; they are evidence and are kept.",
        "code": "has_signed_contracts",
    }
    assert Company.objects.filter(pk=company.pk).exists()
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_a_company_with_a_paid_payment_is_kept(admin_api, company):
    PaymentRequest.objects.create(
        company=company,
        tariff_plan=TariffPlanFactory(),
        sms_count=10,
        total_amount=1800,
        status=PaymentRequest.Status.PAID,
    )

    response = admin_api.delete(f"/companies/{company.pk}")

    assert response.status_code == 409
    assert response.json()["code"] == "has_paid_payments"


def test_member_gets_403(member_api, company):
    assert member_api.delete(f"/companies/{company.pk}").status_code == 403
    assert Company.objects.filter(pk=company.pk).exists()


def test_outsider_gets_404(outsider_api, company):
    assert outsider_api.delete(f"/companies/{company.pk}").status_code == 404
    assert Company.objects.filter(pk=company.pk).exists()


def test_anonymous_gets_401(anonymous, company):
    assert anonymous.delete(f"/companies/{company.pk}").status_code == 401
    assert Company.objects.filter(pk=company.pk).exists()
