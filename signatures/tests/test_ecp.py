"""The builtin ЭЦП verifier: `verify_cms` with ECP_VERIFIER=builtin."""

import base64
import logging
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import cms
from django.core.exceptions import ImproperlyConfigured

from ozgecontract.errors import InvalidInputError
from ozgecontract.pdf import html_to_pdf
from signatures.ecp import CertificateFacts, verify_cms
from signatures.tests import pki


@pytest.fixture(scope="module")
def contract_pdf() -> bytes:
    return html_to_pdf(
        "<h1>Договор подряда № 7</h1><p>Заказчик: ТЕСТОВ ТЕСТ, ИИН 850615300129</p>"
    )


@pytest.fixture(autouse=True)
def english(settings):
    """Answer in English: these tests pin refusal messages, translations may change."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def trusted(settings, tmp_path):
    return pki.trust(settings, tmp_path)


def refusal(cms_b64: str, document: bytes, iin: str = pki.IIN) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        verify_cms(cms_b64=cms_b64, document=document, expected_iin=iin)
    return caught.value


def rebuild(cms_b64: str, change) -> str:
    """Load a CMS, let `change(signed_data)` alter it, and encode it again."""
    info = cms.ContentInfo.load(base64.b64decode(cms_b64))
    change(info["content"])
    return base64.b64encode(info.dump(force=True)).decode("ascii")


def test_valid_detached_signature_gives_the_signers_facts(contract_pdf):
    signer = pki.person()
    signing_time = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)

    facts = verify_cms(
        cms_b64=pki.sign(contract_pdf, signer, signing_time=signing_time),
        document=contract_pdf,
        expected_iin=pki.IIN,
    )

    assert facts == CertificateFacts(
        iin=pki.IIN,
        bin="",
        subject=(
            "CN=ТЕСТОВ ТЕСТ,SURNAME=ТЕСТОВ,SERIALNUMBER=IIN850615300129,C=KZ,G=ТЕСТ"
        ),
        serial=f"{signer.certificate.serial_number:x}",
        issuer="CN=ТЕСТ ҰКО (RSA),C=KZ",
        valid_from=signer.certificate.not_valid_before_utc,
        valid_to=signer.certificate.not_valid_after_utc,
        signed_at=signing_time,
    )


def test_employee_certificate_gives_the_company_bin(contract_pdf):
    signer = pki.person(company_bin=pki.BIN)

    facts = verify_cms(
        cms_b64=pki.sign(contract_pdf, signer),
        document=contract_pdf,
        expected_iin=pki.IIN,
    )

    assert (facts.iin, facts.bin) == (pki.IIN, pki.BIN)
    assert "OU=BIN940140000385" in facts.subject


def test_attached_cms_holding_the_same_pdf_is_accepted(contract_pdf):
    cms_b64 = pki.sign(contract_pdf, detached=False)

    facts = verify_cms(cms_b64=cms_b64, document=contract_pdf, expected_iin=pki.IIN)

    assert facts.iin == pki.IIN


def test_attached_cms_holding_another_document_is_refused(contract_pdf):
    cms_b64 = pki.sign(b"%PDF-1.7 another contract", detached=False)

    error = refusal(cms_b64, contract_pdf)

    assert error.code == "ecp_document_mismatch"
    assert error.status == 400


def test_signature_over_other_bytes_is_refused(contract_pdf):
    cms_b64 = pki.sign(contract_pdf + b"\n% one more line")

    error = refusal(cms_b64, contract_pdf)

    assert error.code == "ecp_document_mismatch"
    assert "different document" in error.detail


def test_tampered_signature_value_is_refused(contract_pdf):
    def flip_last_byte(signed_data):
        signer_info = signed_data["signer_infos"][0]
        value = bytearray(signer_info["signature"].native)
        value[-1] ^= 0x01
        signer_info["signature"] = bytes(value)

    original = pki.sign(contract_pdf)
    untouched = rebuild(original, lambda signed_data: None)
    cms_b64 = rebuild(original, flip_last_byte)

    verify_cms(cms_b64=untouched, document=contract_pdf, expected_iin=pki.IIN)
    assert refusal(cms_b64, contract_pdf).code == "ecp_signature_invalid"


def test_certificate_from_an_untrusted_ca_is_refused(contract_pdf):
    signer = pki.person(issuer=pki.untrusted_ca())

    error = refusal(pki.sign(contract_pdf, signer), contract_pdf)

    assert error.code == "ecp_certificate_untrusted"
    assert "trusted certification authority" in error.detail


def test_expired_certificate_is_refused(contract_pdf):
    signer = pki.person(expired=True)

    error = refusal(pki.sign(contract_pdf, signer), contract_pdf)

    assert error.code == "ecp_certificate_expired"


def test_expired_certificate_is_refused_even_with_a_backdated_signing_time(
    contract_pdf,
):
    signer = pki.person(expired=True)
    backdated = signer.certificate.not_valid_before_utc + timedelta(days=10)

    error = refusal(
        pki.sign(contract_pdf, signer, signing_time=backdated), contract_pdf
    )

    assert error.code == "ecp_certificate_expired"


def test_certificate_not_valid_yet_is_refused(contract_pdf):
    signer = pki.person(not_yet_valid=True)

    error = refusal(pki.sign(contract_pdf, signer), contract_pdf)

    assert error.code == "ecp_certificate_not_yet_valid"


def test_signing_time_before_the_certificate_was_issued_is_refused(contract_pdf):
    signer = pki.person()
    too_early = signer.certificate.not_valid_before_utc - timedelta(days=1)

    error = refusal(
        pki.sign(contract_pdf, signer, signing_time=too_early), contract_pdf
    )

    assert error.code == "ecp_signing_time_invalid"


def test_certificate_of_another_iin_is_refused(contract_pdf):
    signer = pki.person(iin=pki.OTHER_IIN)

    error = refusal(pki.sign(contract_pdf, signer), contract_pdf, iin=pki.IIN)

    assert error.code == "ecp_iin_mismatch"
    assert "IIN differs" in error.detail


def test_certificate_without_an_iin_is_refused(contract_pdf):
    signer = pki.person(iin="")

    error = refusal(pki.sign(contract_pdf, signer), contract_pdf)

    assert error.code == "ecp_no_iin"


def test_gost_signature_asks_to_configure_ncanode(contract_pdf):
    error = refusal(pki.gost_cms(contract_pdf), contract_pdf)

    assert error.code == "ecp_gost_unsupported"
    assert "ECP_VERIFIER=ncanode" in error.detail


def test_certificate_with_a_gost_key_asks_to_configure_ncanode(contract_pdf):
    cms_b64 = pki.sign(contract_pdf, pki.gost_person())

    error = refusal(cms_b64, contract_pdf)

    assert error.code == "ecp_gost_unsupported"


@pytest.mark.parametrize("text", ["", "   ", "@@@ not base64 @@@", "abc"])
def test_text_that_is_not_base64_is_refused(contract_pdf, text):
    error = refusal(text, contract_pdf)

    assert error.code == "ecp_not_base64"


@pytest.mark.parametrize(
    "payload",
    [
        b"hello, this is not a signature",
        pki.root_ca().der,
        cms.ContentInfo({"content_type": "data", "content": b"%PDF"}).dump(),
    ],
    ids=["text", "a certificate", "cms data without signature"],
)
def test_base64_that_is_not_a_cms_signature_is_refused(contract_pdf, payload):
    error = refusal(base64.b64encode(payload).decode(), contract_pdf)

    assert error.code == "ecp_not_cms"


def test_truncated_cms_is_refused(contract_pdf):
    der = base64.b64decode(pki.sign(contract_pdf))

    error = refusal(base64.b64encode(der[:-40]).decode(), contract_pdf)

    assert error.code == "ecp_not_cms"


def test_base64_split_over_lines_is_accepted(contract_pdf):
    cms_b64 = pki.sign(contract_pdf)
    wrapped = "\n".join(cms_b64[i : i + 64] for i in range(0, len(cms_b64), 64))

    facts = verify_cms(cms_b64=wrapped, document=contract_pdf, expected_iin=pki.IIN)

    assert facts.iin == pki.IIN


def test_cms_with_two_signers_is_refused(contract_pdf):
    def duplicate_signer(signed_data):
        signer_info = signed_data["signer_infos"][0]
        signed_data["signer_infos"] = [signer_info, signer_info]

    cms_b64 = rebuild(pki.sign(contract_pdf), duplicate_signer)

    assert refusal(cms_b64, contract_pdf).code == "ecp_signer_count"


def test_cms_without_the_signer_certificate_is_refused(contract_pdf):
    def drop_certificates(signed_data):
        signed_data["certificates"] = [pki._asn1(pki.intermediate_ca().certificate)]

    cms_b64 = rebuild(pki.sign(contract_pdf), drop_certificates)

    assert refusal(cms_b64, contract_pdf).code == "ecp_certificate_missing"


def test_key_not_meant_for_signing_is_refused(contract_pdf):
    signer = pki.person(usage="encipher")

    error = refusal(pki.sign(contract_pdf, signer), contract_pdf)

    assert error.code == "ecp_key_usage"


def test_ecdsa_signature_is_accepted(contract_pdf):
    signer = pki.person(key_kind="ec")

    facts = verify_cms(
        cms_b64=pki.sign(contract_pdf, signer),
        document=contract_pdf,
        expected_iin=pki.IIN,
    )

    assert facts.serial == f"{signer.certificate.serial_number:x}"


def test_sha1_digest_is_accepted(contract_pdf):
    facts = verify_cms(
        cms_b64=pki.sign(contract_pdf, digest="sha1"),
        document=contract_pdf,
        expected_iin=pki.IIN,
    )

    assert facts.iin == pki.IIN


def test_signature_without_signed_attributes_covers_the_pdf_itself(contract_pdf):
    cms_b64 = pki.sign(contract_pdf, with_attributes=False)

    facts = verify_cms(cms_b64=cms_b64, document=contract_pdf, expected_iin=pki.IIN)

    assert facts.signed_at is None
    other = refusal(cms_b64, contract_pdf + b" ")
    assert other.code == "ecp_signature_invalid"


def test_signer_named_by_key_identifier_is_found(contract_pdf):
    cms_b64 = pki.sign(contract_pdf, by_key_identifier=True)

    facts = verify_cms(cms_b64=cms_b64, document=contract_pdf, expected_iin=pki.IIN)

    assert facts.iin == pki.IIN


def test_signing_time_left_out_gives_no_signed_at(contract_pdf):
    cms_b64 = pki.sign(contract_pdf, signing_time=None)

    facts = verify_cms(cms_b64=cms_b64, document=contract_pdf, expected_iin=pki.IIN)

    assert facts.signed_at is None


def test_cms_without_the_intermediate_needs_it_in_the_trust_dir(
    contract_pdf, settings, tmp_path
):
    cms_b64 = pki.sign(contract_pdf, include_chain=False)
    assert refusal(cms_b64, contract_pdf).code == "ecp_certificate_untrusted"

    pki.trust(settings, tmp_path / "both", pki.root_ca(), pki.intermediate_ca())
    facts = verify_cms(cms_b64=cms_b64, document=contract_pdf, expected_iin=pki.IIN)

    assert facts.iin == pki.IIN


def test_trust_dir_reads_der_files_and_skips_others(contract_pdf, settings, tmp_path):
    folder = pki.write_trust_dir(tmp_path / "der", pki.root_ca(), der=True)
    (folder / "readme.txt").write_text("not a certificate")
    (folder / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n")
    settings.ECP_TRUST_DIR = folder

    facts = verify_cms(
        cms_b64=pki.sign(contract_pdf), document=contract_pdf, expected_iin=pki.IIN
    )

    assert facts.iin == pki.IIN


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_no_trusted_ca_configured_trusts_nobody(
    contract_pdf, settings, tmp_path, folder
):
    (tmp_path / "empty").mkdir()
    settings.ECP_TRUST_DIR = tmp_path / folder

    error = refusal(pki.sign(contract_pdf), contract_pdf)

    assert error.code == "ecp_certificate_untrusted"


def test_unknown_verifier_setting_is_a_configuration_error(contract_pdf, settings):
    settings.ECP_VERIFIER = "kalkan"

    with pytest.raises(ImproperlyConfigured):
        verify_cms(
            cms_b64=pki.sign(contract_pdf), document=contract_pdf, expected_iin=pki.IIN
        )


def test_logs_never_hold_the_iin(contract_pdf, caplog):
    caplog.set_level(logging.DEBUG)
    untrusted = pki.person(issuer=pki.untrusted_ca())

    verify_cms(
        cms_b64=pki.sign(contract_pdf), document=contract_pdf, expected_iin=pki.IIN
    )
    refusal(pki.sign(contract_pdf, untrusted), contract_pdf)
    refusal(pki.sign(contract_pdf, pki.person(iin=pki.OTHER_IIN)), contract_pdf)

    assert caplog.records
    for record in caplog.records:
        assert pki.IIN not in record.getMessage()
        assert pki.OTHER_IIN not in record.getMessage()


def test_refusals_reach_the_security_log(contract_pdf, caplog):
    caplog.set_level(logging.INFO, logger="ozgecontract.security")

    refusal(pki.sign(b"other"), contract_pdf)

    assert [
        r.getMessage() for r in caplog.records if r.name == "ozgecontract.security"
    ] == ["ecp signature refused code=ecp_document_mismatch"]


def test_corrupted_signatures_are_refused_and_never_crash(contract_pdf):
    rng = random.Random(20261204)
    originals = [
        base64.b64decode(pki.sign(contract_pdf)),
        base64.b64decode(pki.sign(contract_pdf, pki.person(key_kind="ec"))),
        base64.b64decode(pki.gost_cms(contract_pdf)),
    ]
    outcomes = Counter()

    for _ in range(600):
        mutated = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(mutated))
            if rng.random() < 0.7:
                mutated[position] = rng.randrange(256)
            else:
                del mutated[position : position + rng.randint(1, 16)]
        try:
            verify_cms(
                cms_b64=base64.b64encode(bytes(mutated)).decode(),
                document=contract_pdf,
                expected_iin=pki.IIN,
            )
            outcomes["accepted"] += 1
        except InvalidInputError as error:
            outcomes[error.code] += 1

    assert sum(outcomes.values()) == 600
    assert {
        "ecp_not_cms",
        "ecp_certificate_untrusted",
        "ecp_signature_invalid",
        "ecp_gost_unsupported",
    } <= set(outcomes)
