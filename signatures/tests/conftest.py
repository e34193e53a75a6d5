"""Fixtures for signing tests: a pending contract with a balance, the SMS outbox."""

import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from billing.models import CompanyBalance
from contracts.models import Contract
from ozgecontract.pdf import html_to_pdf
from ozgecontract.tests.factories import ContractFactory

VALID_IIN = "850615300129"
OTHER_VALID_IIN = "920304405676"
PHONE = "+77011234567"
BROWSER = "Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36"


def set_balance(company, *, sms=0, ecp=0) -> None:
    CompanyBalance.objects.filter(company=company).update(
        sms_signatures=sms, ecp_signatures=ecp
    )


def sms_outbox(settings) -> list[dict]:
    """Return the messages the `file` SMS backend wrote, oldest first."""
    folder = Path(settings.SMS_FILE_PATH)
    if not folder.exists():
        return []
    files = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime_ns)
    return [json.loads(path.read_text(encoding="utf-8")) for path in files]


def last_code(settings) -> str:
    """Read the 6-digit code from the newest SMS, as the client would."""
    return re.search(r"\b(\d{6})\b", sms_outbox(settings)[-1]["text"]).group(1)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture(scope="session")
def small_contract_pdf() -> bytes:
    """A one-page contract PDF, made once: most tests need a document, not a render."""
    return html_to_pdf(
        "<h1>Договор подряда № OC-TEST</h1>"
        "<p>Подрядчик обязуется выполнить работы. Мердігер жұмысты орындайды.</p>"
    )


def ready_contract(company, pdf: bytes, **fields) -> Contract:
    """Create a pending contract whose PDF is already made, as after creation."""
    contract = ContractFactory(company=company, **fields)
    contract.generated_pdf.save("contract.pdf", ContentFile(pdf), save=False)
    contract.document_sha256 = hashlib.sha256(pdf).hexdigest()
    contract.document_status = Contract.DocumentStatus.READY
    contract.save(update_fields=["generated_pdf", "document_sha256", "document_status"])
    return contract


@pytest.fixture
def contract(company, small_contract_pdf):
    """A pending contract of the `owner`'s company, with SMS units to spend."""
    set_balance(company, sms=5, ecp=5)
    return ready_contract(company, small_contract_pdf)


@pytest.fixture
def sign_body(contract):
    """Return a function building a public sign request for `contract`."""

    def build(**overrides):
        body = {
            "contract_token": str(contract.contract_token),
            "client_name": "Иванов Иван",
            "client_iin": VALID_IIN,
            "client_phone": "8 701 123 45 67",
            "method": "sms",
        }
        body.update(overrides)
        return {key: value for key, value in body.items() if value is not None}

    return build


@pytest.fixture
def request_code(anonymous, contract, settings):
    """Ask for a code over the API (as the client) and return it from the outbox."""

    def send(target=None, phone="+7 701 123 4567"):
        target = target or contract
        response = anonymous.post(
            "/signatures/otp",
            {"contract_token": str(target.contract_token), "client_phone": phone},
            format="json",
            HTTP_USER_AGENT=BROWSER,
        )
        assert response.status_code == 202, response.json()
        return last_code(settings)

    return send
