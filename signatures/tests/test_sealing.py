"""The platform seal: its certificate, the sealed signed PDF, pyHanko's own verdict."""

import asyncio
import hashlib
import io
import os
import stat
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from contracts.models import Contract
from ozgecontract.pdf import html_to_pdf
from ozgecontract.tests.factories import ContractFactory, SignatureFactory
from signatures import sealing
from signatures.signed_document import build_signed_pdf

CONTRACT_HTML = (
    "<h1>Договор подряда № OC-1</h1><p>Ремонтные работы. Қазақша: әғқңөұүһі</p>"
)
CERTIFICATE_HTML = "<h1>Сертификат онлайн-подписания</h1><p>Қол қойылды</p>"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def make_signed_contract(*, company=None, number="OC-00042"):
    """Return (signature, contract PDF, signed PDF) for a contract signed now."""
    extra = {"company": company} if company else {}
    contract = ContractFactory(number=number, status=Contract.Status.SIGNED, **extra)
    contract_pdf = html_to_pdf(CONTRACT_HTML.replace("OC-1", number))
    contract.document_sha256 = hashlib.sha256(contract_pdf).hexdigest()
    contract.signed_at = timezone.now()
    contract.save(update_fields=["document_sha256", "signed_at"])
    signature = SignatureFactory(
        contract=contract,
        signed_at=datetime(2025, 3, 14, 7, 30, 5, tzinfo=UTC),
        document_sha256=contract.document_sha256,
    )
    signed = build_signed_pdf(
        signature=signature,
        contract_pdf=contract_pdf,
        certificate_pdf=html_to_pdf(CERTIFICATE_HTML),
    )
    return signature, contract_pdf, signed


def pyhanko_status(pdf: bytes, *trust_roots):
    """Validate the only signature of `pdf` with pyHanko, trusting `trust_roots`."""
    embedded = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    assert len(embedded) == 1
    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
    return embedded[0], validate_pdf_signature(embedded[0], context)


def make_pkcs12(password: bytes, *, common_name="ТОО Тест печать") -> bytes:
    """Return a PKCS#12 holding a key, its certificate and the issuing CA."""
    now = datetime.now(UTC)

    def issue(subject, key, issuer, issuer_key, *, ca):
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
            .sign(issuer_key, hashes.SHA256())
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca_cert = issue(ca_name, ca_key, ca_name, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = issue(name, key, ca_name, ca_key, ca=False)
    return pkcs12.serialize_key_and_certificates(
        b"seal", key, cert, [ca_cert], serialization.BestAvailableEncryption(password)
    )


@pytest.fixture
def pkcs12_seal(settings, tmp_path):
    path = tmp_path / "company-seal.p12"
    path.write_bytes(make_pkcs12(b"s3cret-pass"))
    settings.SEAL_PKCS12_PATH = str(path)
    settings.SEAL_PKCS12_PASSWORD = "s3cret-pass"
    return path


def test_signed_pdf_seal_is_validated_by_pyhanko(db):
    signature, _, signed = make_signed_contract()

    embedded, status = pyhanko_status(signed, sealing.platform_seal().certificate)

    assert status.bottom_line
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.subject.native["common_name"] == sealing.SEAL_COMMON_NAME
    assert str(embedded.sig_object["/SubFilter"]) == "/ETSI.CAdES.detached"
    assert str(embedded.sig_object["/Reason"]) == "Подписано на OzgeContract"
    assert str(embedded.sig_object["/Location"]) == "Kazakhstan"
    assert embedded.docmdp_level == MDPPerm.NO_CHANGES


def test_signed_pdf_holds_contract_pages_then_certificate_pages(db):
    _, contract_pdf, signed = make_signed_contract(number="OC-777")

    pages = [page.extract_text() for page in PdfReader(io.BytesIO(signed)).pages]

    assert len(pages) == 2
    assert "Договор подряда № OC-777" in pages[0]
    assert "әғқңөұүһі" in pages[0]
    assert "Сертификат онлайн-подписания" in pages[1]
    assert PdfReader(io.BytesIO(signed)).metadata.title.startswith("Договор OC-777")


def test_signed_pdf_is_stored_with_its_sha256(db):
    signature, _, signed = make_signed_contract()

    signature.refresh_from_db()
    with signature.signed_pdf.open("rb") as handle:
        stored = handle.read()
    assert stored == signed
    assert signature.signed_pdf_sha256 == hashlib.sha256(signed).hexdigest()


def test_seal_is_untrusted_by_a_validator_that_does_not_trust_the_platform(db):
    _, _, signed = make_signed_contract()
    other = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Someone else")])
    now = datetime.now(UTC)
    stranger = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(other.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(other, hashes.SHA256())
    )

    der = stranger.public_bytes(serialization.Encoding.DER)

    _, status = pyhanko_status(signed, asn1_x509.Certificate.load(der))

    assert status.intact and status.valid
    assert not status.trusted


def test_inspect_seal_reports_pades_baseline_b(db):
    _, _, signed = make_signed_contract()

    report = sealing.inspect_seal(signed)

    assert report.status == sealing.SealStatus.INTACT
    assert report.present and report.intact and report.trusted
    assert report.covers_whole_file
    assert report.level == "PAdES B-B"
    assert report.signed_by == sealing.SEAL_COMMON_NAME
    assert abs(report.signed_at - timezone.now()) < timedelta(minutes=1)
    assert report.sealed_revision_sha256 == hashlib.sha256(signed).hexdigest()


def test_inspect_seal_says_not_sealed_for_a_plain_pdf(db):
    report = sealing.inspect_seal(html_to_pdf("<p>Просто PDF</p>"))

    assert report.status == sealing.SealStatus.NOT_SEALED
    assert not report.present


def test_inspect_seal_refuses_bytes_that_are_no_pdf_at_all(db):
    with pytest.raises(sealing.UnreadablePdfError):
        sealing.inspect_seal(b"%PDF-1.7\n" + os.urandom(2000))


def test_seal_key_and_certificate_are_kept_under_media_root(settings, db):
    seal = sealing.platform_seal()

    folder = settings.MEDIA_ROOT / "seal"
    key_path = folder / sealing.SEAL_KEY_FILE
    cert_path = folder / sealing.SEAL_CERT_FILE
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert cert.subject.rfc4514_string() == (
        "C=KZ,O=OzgeContract,CN=OzgeContract platform seal"
    )
    assert cert.public_bytes(serialization.Encoding.DER) == seal.certificate.dump()
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert key.public_key() == cert.public_key()
    assert not list(folder.glob("*.tmp"))


def test_seal_is_loaded_once_per_process(db, monkeypatch):
    first = sealing.platform_seal()
    monkeypatch.setattr(
        sealing,
        "_load_platform_seal",
        lambda: pytest.fail("the seal was loaded a second time"),
    )

    assert sealing.platform_seal() is first


def test_seal_survives_a_restart_with_the_same_key(settings, db):
    first = sealing.platform_seal()
    sealing._seal_cache.clear()

    again = sealing.platform_seal()

    assert again is not first
    assert again.certificate.dump() == first.certificate.dump()


def test_concurrent_first_uses_create_one_key(tmp_path, monkeypatch):
    folder = tmp_path / "seal"
    generate = sealing._generate_seal_certificate

    def slow_generate():
        # Widen the window in which unlocked first uses would each make a key.
        time.sleep(0.05)
        return generate()

    monkeypatch.setattr(sealing, "_generate_seal_certificate", slow_generate)
    start = threading.Barrier(8)
    results = []

    def first_use():
        start.wait()
        results.append(sealing.load_or_create_generated_seal(folder))

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    assert len(set(results)) == 1
    assert sorted(p.name for p in folder.iterdir()) == [
        ".lock",
        sealing.SEAL_CERT_FILE,
        sealing.SEAL_KEY_FILE,
    ]


def test_concurrent_first_uses_in_two_processes_create_one_key(tmp_path):
    folder = tmp_path / "seal"
    children = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:  # the child makes its first use and leaves at once
            code = 0
            try:
                sealing.load_or_create_generated_seal(folder)
            except BaseException:
                code = 1
            os._exit(code)
        children.append(pid)
    mine = sealing.load_or_create_generated_seal(folder)
    for pid in children:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0

    assert sealing.load_or_create_generated_seal(folder) == mine


def test_pkcs12_from_settings_is_used_when_set(pkcs12_seal, settings, db):
    _, _, signed = make_signed_contract()

    embedded, status = pyhanko_status(signed, sealing.platform_seal().certificate)

    assert status.signing_cert.subject.native["common_name"] == "ТОО Тест печать"
    assert status.intact and status.valid and status.trusted
    assert not (settings.MEDIA_ROOT / "seal").exists()
    report = sealing.inspect_seal(signed)
    assert report.status == sealing.SealStatus.INTACT
    assert report.signed_by == "ТОО Тест печать"


def test_documents_sealed_before_a_pkcs12_was_set_stay_trusted(settings, db):
    _, _, signed_before = make_signed_contract(number="OC-1")
    path = settings.MEDIA_ROOT.parent / "seal.p12"
    path.write_bytes(make_pkcs12(b"pw"))
    settings.SEAL_PKCS12_PATH = str(path)
    settings.SEAL_PKCS12_PASSWORD = "pw"

    report = sealing.inspect_seal(signed_before)

    assert report.status == sealing.SealStatus.INTACT
    assert report.signed_by == sealing.SEAL_COMMON_NAME


def test_a_wrong_pkcs12_password_fails_loudly_without_naming_it(pkcs12_seal, settings):
    settings.SEAL_PKCS12_PASSWORD = "wrong-password"

    with pytest.raises(ImproperlyConfigured) as error:
        sealing.platform_seal()

    assert str(pkcs12_seal) in str(error.value)
    assert "wrong-password" not in str(error.value)


def test_a_missing_pkcs12_file_fails_loudly(settings, tmp_path):
    settings.SEAL_PKCS12_PATH = str(tmp_path / "missing.p12")

    with pytest.raises(ImproperlyConfigured):
        sealing.platform_seal()


def test_the_seal_forbids_any_later_signature():
    sealed = sealing.seal_pdf(html_to_pdf("<p>Договор</p>"))
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed), strict=False)
    metadata = signers.PdfSignatureMetadata(field_name="Later")

    with pytest.raises(SigningError, match="forbids all changes"):
        signers.sign_pdf(writer, metadata, signer=sealing.platform_seal().signer)


def test_sealing_and_checking_work_inside_a_running_event_loop():
    # pyHanko's sync API wraps asyncio.run(); an async caller must not break it.
    pdf = html_to_pdf("<p>Договор</p>")

    async def seal_and_check():
        sealed = sealing.seal_pdf(pdf)
        return sealing.inspect_seal(sealed)

    report = asyncio.run(seal_and_check())

    assert report.status == sealing.SealStatus.INTACT
