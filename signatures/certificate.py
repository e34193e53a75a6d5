"""The certificate of online signing: a bilingual (Russian/Kazakh) PDF.

It names both parties, the signing time in Asia/Almaty, the method, the three
statements the signer accepted, the SHA-256 of the signed contract PDF, the
audit trail and a QR code to the public verification page. Every value is
autoescaped by the Django template, so a name like `<b>x</b>` shows as typed.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from django.conf import settings
from django.template.loader import render_to_string

from ozgecontract.pdf import html_to_pdf
from ozgecontract.validators import mask_phone
from signatures.selectors import audit_trail

ALMATY = ZoneInfo("Asia/Almaty")

# The statements the signer accepts, worded as in the original API document;
# the signing page shows the same three before the signer chooses a method.
CONSENT_STATEMENTS = (
    "Я подтверждаю, что принимаю договор оферты и все введенные данные верны",
    "Предупреждение: Ответственность за все действия возлагается на лицо, "
    "Чей ИИН/БИН указан.",
    "Қазіргі уақытта сайт және келісім-шарт қазақ тілінде жасалуда. Егер орыс "
    "тілін түсінбесеңіз, ақылы аудармашы жалдау құқығыңыз бар. (Қосымша ақпарат "
    "алу үшін, менеджерімізбен хабарласуыңызды өтінеміз)",
)


def format_almaty(moment: datetime | None) -> str:
    """Show `moment` as people in Kazakhstan read it: `dd.mm.yyyy, HH:MM:SS`."""
    if moment is None:
        return ""
    return moment.astimezone(ALMATY).strftime("%d.%m.%Y, %H:%M:%S")


def utc_offset_label(moment: datetime) -> str:
    """Return the Almaty offset at `moment`, e.g. `UTC+5`."""
    offset = moment.astimezone(ALMATY).utcoffset()
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    minutes = rest // 60
    return f"UTC{hours:+d}" + (f":{minutes:02d}" if minutes else "")


def verification_url(contract) -> str:
    return f"{settings.SITE_URL}/verify/{contract.contract_token}/"


def certificate_context(*, signature) -> dict:
    """Gather what the certificate shows; one query for the audit trail."""
    contract = signature.contract
    company = contract.company
    url = verification_url(contract)
    events = [
        {
            "time": format_almaty(event.created_at),
            "label": event.get_kind_display(),
            "ip": event.ip_address or "—",
            "device": event.user_agent or "—",
        }
        for event in audit_trail(signature=signature)
    ]
    return {
        "contract_number": contract.number or str(contract.pk),
        "company_name": company.name,
        "company_bin": company.bin,
        "client_name": signature.client_name,
        "client_iin": signature.client_iin,
        "client_phone": signature.client_phone,
        "signed_at": format_almaty(signature.signed_at),
        "utc_offset": utc_offset_label(signature.signed_at),
        "is_sms": signature.method == "sms",
        "masked_phone": mask_phone(signature.client_phone),
        "cert_subject": signature.cert_subject,
        "cert_serial": signature.cert_serial,
        "cert_issuer": signature.cert_issuer,
        "statements": CONSENT_STATEMENTS,
        "document_sha256": signature.document_sha256,
        "events": events,
        "verification_url": url,
        "qr_data_uri": segno.make(url, error="m").svg_data_uri(scale=3, border=1),
    }


def render_certificate_html(*, signature) -> str:
    return render_to_string(
        "signatures/certificate.html", certificate_context(signature=signature)
    )


def render_certificate_pdf(*, signature) -> bytes:
    """Render the certificate of a completed signature to PDF bytes."""
    return html_to_pdf(render_certificate_html(signature=signature))
