"""One company's objects, built through the services, for the API-wide tests.

The conformance and fuzz tests call every endpoint, so they need one object of
each kind that the owner's company holds: a template, a pending contract with
fields and an expected signer, a pending contract with neither, a contract
signed by SMS, a tariff plan and a payment request. The template is a
one-page DOCX made here, so rendering it costs little; the sample template is
exercised by the contracts' own tests.
"""

import io
from dataclasses import dataclass
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from billing import services as billing_services
from billing.models import CompanyBalance, PaymentRequest, TariffPlan
from companies.models import Company, User
from contracts import services as contract_services
from contracts.models import Contract, ContractField
from ozgecontract.tests.factories import TariffPlanFactory
from signatures import services as signature_services
from signatures.models import Signature
from templates_app import services as template_services
from templates_app.models import Template

CLIENT_NAME = "Сейткали Әлия"
CLIENT_IIN = "850615300129"
CLIENT_PHONE = "+77011234567"
OTHER_IIN = "920304405676"
OTHER_PHONE = "+77071234567"


@cache
def small_docx() -> bytes:
    """Return a one-page DOCX with two placeholders, as a company would upload."""
    document = Document()
    document.add_heading("Договор подряда", level=1)
    document.add_paragraph("Работы: {{ work }}")
    document.add_paragraph("Сумма: {{ summ }} тенге")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(name: str = "Договор подряда") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        f"{name}.docx",
        small_docx(),
        content_type=(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
    )


@dataclass
class World:
    company: Company
    owner: User
    template: Template
    contract: Contract
    fresh_contract: Contract  # pending, with no expected signer yet
    field: ContractField
    expected_signer: Signature
    signed_contract: Contract | None
    signature: Signature | None
    plan: TariffPlan
    payment: PaymentRequest


def sign_by_sms(contract: Contract, settings) -> Signature:
    """Sign `contract` the way a client does: ask for a code, read it, sign."""
    from signatures.tests.conftest import last_code

    signature_services.request_signing_code(
        contract=contract, phone=OTHER_PHONE, ip="127.0.0.1", user_agent="pytest"
    )
    return signature_services.sign_contract(
        contract=contract,
        client_name=CLIENT_NAME,
        client_iin=OTHER_IIN,
        client_phone=OTHER_PHONE,
        method="sms",
        otp_code=last_code(settings),
        ip="127.0.0.1",
        user_agent="pytest",
    )


def build_world(*, owner: User, settings, signed: bool = True) -> World:
    """Build the owner's company's objects; `signed=False` skips the slow signing."""
    company = owner.company
    CompanyBalance.objects.filter(company=company).update(
        sms_signatures=5, ecp_signatures=5
    )
    template = template_services.upload_template(
        company=company, name="Договор подряда", file=upload(), user=owner
    )
    # The PDF is rendered on the first request for it, as after bulk creation.
    contract = contract_services.create_contract(
        company=company,
        template=template,
        user=owner,
        values={"work": "Ремонт"},
        render_document=False,
    )
    field = contract.fields.get(field_name="work")
    fresh_contract = contract_services.create_contract(
        company=company, template=template, user=owner, render_document=False
    )
    expected_signer = signature_services.create_expected_signer(
        contract=contract,
        client_name=CLIENT_NAME,
        client_iin=CLIENT_IIN,
        client_phone=CLIENT_PHONE,
        method="sms",
    )
    signed_contract = signature = None
    if signed:
        signed_contract = contract_services.create_contract(
            company=company, template=template, user=owner, render_document=False
        )
        signature = sign_by_sms(signed_contract, settings)
        signed_contract.refresh_from_db()
    plan = TariffPlanFactory(is_active=True, from_count=1, to_count=1000)
    payment = billing_services.create_payment_request(
        company=company, tariff_plan=plan, sms_count=10, ecp_count=5, user=owner
    )
    return World(
        company=company,
        owner=owner,
        template=template,
        contract=contract,
        fresh_contract=fresh_contract,
        field=field,
        expected_signer=expected_signer,
        signed_contract=signed_contract,
        signature=signature,
        plan=plan,
        payment=payment,
    )
