"""The certificate of online signing: what its PDF says, read back with pypdf."""

from datetime import UTC, datetime

import pytest

from companies.models import Company
from ozgecontract.tests.factories import ContractFactory, SignatureFactory
from signatures.certificate import (
    CONSENT_STATEMENTS,
    format_almaty,
    render_certificate_html,
    render_certificate_pdf,
    utc_offset_label,
)
from signatures.models import AuditEvent
from signatures.services import record_audit_event
from signatures.tests.conftest import BROWSER, pdf_text

pytestmark = pytest.mark.django_db

# The seed's own example: 21.06.2025, 22:04:48 in Almaty is 17:04:48 UTC.
SIGNED_AT = datetime(2025, 6, 21, 17, 4, 48, tzinfo=UTC)
SHA = "a3f1c2" + "0" * 52 + "9e8d7c"


@pytest.fixture
def signature(company):
    company.bin = "940140000385"
    company.save(update_fields=["bin"])
    contract = ContractFactory(company=company, number="OC-2025-0042")
    return SignatureFactory(
        contract=contract,
        client_name="Сейткали Әлия Қуанышқызы",
        client_iin="950715400108",
        client_phone="+77017654321",
        signed_at=SIGNED_AT,
        document_sha256=SHA,
    )


def certificate_text(signature) -> str:
    """Return the PDF's text with line breaks (where cells wrap) as spaces."""
    return " ".join(pdf_text(render_certificate_pdf(signature=signature)).split())


def add_event(signature, kind, ip, *, signed=False):
    return record_audit_event(
        contract=signature.contract,
        kind=kind,
        ip=ip,
        user_agent=BROWSER,
        signature=signature if signed else None,
    )


def test_certificate_names_both_parties_and_the_signing_time(signature):
    text = certificate_text(signature)

    assert "Сертификат онлайн подписания / Онлайн қол қою" in text
    assert "OC-2025-0042" in text
    assert signature.contract.company.name in text
    assert "940140000385" in text
    assert "Сейткали Әлия Қуанышқызы" in text
    assert "950715400108" in text
    assert "+77017654321" in text
    assert "21.06.2025, 22:04:48 (UTC+5, Алматы)" in text
    assert "Подписан / Қол қойылды: 21.06.2025, 22:04:48" in text


def test_certificate_carries_the_three_statements_as_in_the_seed(signature):
    text = certificate_text(signature)

    for statement in CONSENT_STATEMENTS:
        assert statement in text
    assert "Қазіргі уақытта сайт және келісім-шарт қазақ тілінде жасалуда." in text


def test_sms_method_shows_the_masked_phone(signature):
    text = certificate_text(signature)

    assert "SMS-код на номер / SMS-код нөміріне: +7701***4321" in text


def test_ecp_method_shows_the_certificate_subject_and_serial(signature):
    signature.method = "ecp"
    signature.cert_subject = "CN=СЕЙТКАЛИ ӘЛИЯ,SERIALNUMBER=IIN950715400108"
    signature.cert_serial = "4f1a9c2b7d"
    signature.cert_issuer = "CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)"

    text = certificate_text(signature)

    assert "CN=СЕЙТКАЛИ ӘЛИЯ,SERIALNUMBER=IIN950715400108" in text
    assert "4f1a9c2b7d" in text
    assert "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ" in text
    assert "SMS-код" not in text


def test_certificate_shows_the_documents_sha256(signature):
    text = certificate_text(signature)

    assert SHA in text


def test_audit_trail_lists_each_event_with_time_ip_and_device(signature):
    add_event(signature, AuditEvent.Kind.OPENED, "10.0.0.1")
    add_event(signature, AuditEvent.Kind.CODE_SENT, "10.0.0.2")
    add_event(signature, AuditEvent.Kind.CODE_FAILED, "10.0.0.3")
    add_event(signature, AuditEvent.Kind.CODE_VERIFIED, "10.0.0.4", signed=True)
    add_event(signature, AuditEvent.Kind.SIGNED, "2001:db8::5", signed=True)
    # After signing: not part of this signature's evidence.
    add_event(signature, AuditEvent.Kind.OPENED, "10.9.9.9")

    text = certificate_text(signature)

    for label, ip in [
        ("Открыт / Ашылды", "10.0.0.1"),
        ("Код отправлен / Код жіберілді", "10.0.0.2"),
        ("Неверный код / Қате код", "10.0.0.3"),
        ("Код подтверждён / Код расталды", "10.0.0.4"),
        ("Подписан / Қол қойылды", "2001:db8::5"),
    ]:
        assert label in text
        assert ip in text
    assert "10.9.9.9" not in text
    assert "Android 14" in text


def test_values_are_escaped_not_interpreted(signature):
    signature.client_name = '<b>x</b><img src="http://127.0.0.1:9/p.png">'

    html = render_certificate_html(signature=signature)
    text = certificate_text(signature)

    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" in text
    assert 'src="http://127.0.0.1:9/p.png"' in text.replace(" ", "")


def test_qr_code_points_at_the_verification_page(signature, settings):
    settings.SITE_URL = "https://ozge.example.kz"
    url = f"https://ozge.example.kz/verify/{signature.contract.contract_token}/"

    html = render_certificate_html(signature=signature)
    text = certificate_text(signature)

    assert '<img src="data:image/svg+xml' in html
    assert url in text


def test_time_before_march_2024_shows_the_old_almaty_offset():
    winter_2024 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)

    assert format_almaty(winter_2024) == "15.01.2024, 16:30:00"
    assert utc_offset_label(winter_2024) == "UTC+6"
    assert utc_offset_label(SIGNED_AT) == "UTC+5"


def test_certificate_without_company_bin_leaves_the_line_out(signature):
    Company.objects.filter(pk=signature.contract.company_id).update(bin="")
    signature.contract.company.refresh_from_db()

    text = certificate_text(signature)

    assert "БИН / БСН" not in text
