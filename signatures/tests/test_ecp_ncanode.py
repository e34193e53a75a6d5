"""The NCANode ЭЦП verifier: `verify_cms` with ECP_VERIFIER=ncanode.

Every test talks to a fake NCANode on 127.0.0.1 (signatures/tests/fakes.py).
"""

import base64
import socket
from datetime import UTC, datetime

import pytest

from ozgecontract.errors import InvalidInputError, UpstreamError
from signatures.ecp import CertificateFacts, verify_cms
from signatures.tests import pki
from signatures.tests.fakes import FakeNcaNode

DOCUMENT = b"%PDF-1.7\n% contract No 7, the exact bytes shown to the client\n"


@pytest.fixture
def ncanode(settings):
    with FakeNcaNode(trusted=[pki.root_ca()]) as fake:
        settings.ECP_VERIFIER = "ncanode"
        settings.NCANODE_URL = fake.url
        settings.NCANODE_TIMEOUT_SECONDS = 2
        settings.NCANODE_REVOCATION_CHECK = ["OCSP"]
        yield fake


def refusal(cms_b64: str, iin: str = pki.IIN) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        verify_cms(cms_b64=cms_b64, document=DOCUMENT, expected_iin=iin)
    return caught.value


def canned_certificate(**changes) -> dict:
    certificate = {
        "valid": True,
        "revocations": [{"revoked": False, "by": "OCSP"}],
        "notBefore": "2026-01-10T04:00:00.000+00:00",
        "notAfter": "2099-01-10T04:00:00.000+00:00",
        "keyUsage": "SIGN",
        "serialNumber": "60ba4568ae98fa522a13fa711c6cb60c69bee2c4",
        "signAlg": "ECGOST34310",
        "keyUser": ["INDIVIDUAL"],
        "subject": {
            "commonName": "ТЕСТОВ ТЕСТ",
            "iin": pki.IIN,
            "dn": f"CN=ТЕСТОВ ТЕСТ, SERIALNUMBER=IIN{pki.IIN}, C=KZ",
        },
        "issuer": {
            "commonName": "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022",
            "dn": "CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022, C=KZ",
        },
    }
    certificate.update(changes)
    return certificate


def canned_answer(certificate: dict, *, valid: bool = True, **signer) -> dict:
    return {
        "status": 200,
        "message": "OK",
        "valid": valid,
        "signers": [{"certificates": [certificate], **signer}],
    }


def test_valid_signature_gives_the_signers_facts(ncanode):
    signer = pki.person(company_bin=pki.BIN)
    signing_time = datetime(2026, 12, 1, 9, 30, 15, tzinfo=UTC)
    cms_b64 = pki.sign(DOCUMENT, signer, signing_time=signing_time)

    facts = verify_cms(cms_b64=cms_b64, document=DOCUMENT, expected_iin=pki.IIN)

    certificate = signer.certificate
    assert facts == CertificateFacts(
        iin=pki.IIN,
        bin=pki.BIN,
        subject=(
            "CN=ТЕСТОВ ТЕСТ, SURNAME=ТЕСТОВ, SERIALNUMBER=IIN850615300129, C=KZ, "
            'G=ТЕСТ, O=ТОО "ТЕСТ", OU=BIN940140000385'
        ),
        serial=f"{certificate.serial_number:x}",
        issuer="CN=ТЕСТ ҰКО (RSA), C=KZ",
        valid_from=certificate.not_valid_before_utc,
        valid_to=certificate.not_valid_after_utc,
        signed_at=signing_time,
    )


def test_detached_cms_is_sent_with_the_document(ncanode):
    cms_b64 = pki.sign(DOCUMENT)

    verify_cms(cms_b64=cms_b64, document=DOCUMENT, expected_iin=pki.IIN)

    [request] = ncanode.requests
    assert (request.method, request.path) == ("POST", "/cms/verify")
    assert request.json == {
        "cms": cms_b64,
        "data": base64.b64encode(DOCUMENT).decode(),
        "revocationCheck": ["OCSP"],
    }


def test_attached_cms_is_sent_without_the_document(ncanode):
    cms_b64 = pki.sign(DOCUMENT, detached=False)

    verify_cms(cms_b64=cms_b64, document=DOCUMENT, expected_iin=pki.IIN)

    assert set(ncanode.requests[0].json) == {"cms", "revocationCheck"}


def test_gost_signature_is_verified_by_ncanode(ncanode):
    signer = pki.gost_person()

    facts = verify_cms(
        cms_b64=pki.gost_cms(DOCUMENT, signer), document=DOCUMENT, expected_iin=pki.IIN
    )

    assert (facts.iin, facts.serial) == (
        pki.IIN,
        f"{signer.certificate.serial_number:x}",
    )
    assert facts.subject.startswith("CN=ТЕСТОВ ТЕСТ, SURNAME=ТЕСТОВ")
    assert len(ncanode.requests) == 1


def test_signature_over_other_bytes_is_refused(ncanode):
    error = refusal(pki.sign(b"%PDF-1.7 another contract"))

    assert error.code == "ecp_signature_invalid"
    assert error.status == 400


def test_certificate_from_an_untrusted_ca_is_refused(ncanode):
    signer = pki.person(issuer=pki.untrusted_ca())

    assert refusal(pki.sign(DOCUMENT, signer)).code == "ecp_certificate_untrusted"


def test_expired_certificate_is_refused(ncanode):
    signer = pki.person(expired=True)

    assert refusal(pki.sign(DOCUMENT, signer)).code == "ecp_certificate_expired"


def test_certificate_of_another_iin_is_refused(ncanode):
    signer = pki.person(iin=pki.OTHER_IIN)

    assert refusal(pki.sign(DOCUMENT, signer)).code == "ecp_iin_mismatch"


def test_revoked_certificate_is_refused(ncanode):
    ncanode.canned = canned_answer(
        canned_certificate(
            valid=False,
            revocations=[
                {
                    "revoked": True,
                    "by": "OCSP",
                    "revocationTime": "2026-11-01T10:00:00.000+00:00",
                }
            ],
        ),
        valid=False,
    )

    assert refusal(pki.sign(DOCUMENT)).code == "ecp_certificate_revoked"


def test_certificate_not_valid_yet_is_refused(ncanode):
    ncanode.canned = canned_answer(
        canned_certificate(valid=False, notBefore="2098-01-01T00:00:00.000+00:00"),
        valid=False,
    )

    assert refusal(pki.sign(DOCUMENT)).code == "ecp_certificate_not_yet_valid"


def test_invalid_signature_with_a_valid_certificate_is_refused(ncanode):
    ncanode.canned = canned_answer(canned_certificate(), valid=False)

    assert refusal(pki.sign(DOCUMENT)).code == "ecp_signature_invalid"


def test_key_of_unknown_usage_is_refused(ncanode):
    ncanode.canned = canned_answer(canned_certificate(keyUsage="UNKNOWN"))

    assert refusal(pki.sign(DOCUMENT)).code == "ecp_key_usage"


def test_answer_without_a_certificate_is_refused(ncanode):
    ncanode.canned = {"status": 200, "message": "OK", "valid": True, "signers": []}

    assert refusal(pki.sign(DOCUMENT)).code == "ecp_signer_count"


def test_iin_and_bin_are_read_from_the_dn_when_fields_are_absent(ncanode):
    ncanode.canned = canned_answer(
        canned_certificate(
            subject={
                "commonName": "ТЕСТОВ ТЕСТ",
                "dn": f"CN=ТЕСТОВ ТЕСТ, SERIALNUMBER=IIN{pki.IIN}, OU=BIN{pki.BIN}",
            }
        )
    )

    facts = verify_cms(
        cms_b64=pki.sign(DOCUMENT), document=DOCUMENT, expected_iin=pki.IIN
    )

    assert (facts.iin, facts.bin) == (pki.IIN, pki.BIN)


@pytest.mark.parametrize("where", ["iin", "dn"])
def test_an_iin_in_non_latin_digits_is_no_iin(ncanode, where):
    # Arabic-Indic digits match a Unicode \d; compared with the client's
    # ASCII IIN they made hmac.compare_digest raise a TypeError (a 500).
    arabic = pki.IIN.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    subject = {"commonName": "ТЕСТОВ ТЕСТ"}
    if where == "iin":
        subject["iin"] = arabic
    else:
        subject["dn"] = f"CN=ТЕСТОВ ТЕСТ, SERIALNUMBER=IIN{arabic}"
    ncanode.canned = canned_answer(canned_certificate(subject=subject))

    assert refusal(pki.sign(DOCUMENT)).code == "ecp_no_iin"


def test_certificates_listed_as_in_the_openapi_document_are_read(ncanode):
    answer = canned_answer(canned_certificate())
    answer["signers"] = [{"signers": [canned_certificate()]}]
    ncanode.canned = answer

    facts = verify_cms(
        cms_b64=pki.sign(DOCUMENT), document=DOCUMENT, expected_iin=pki.IIN
    )

    assert facts == CertificateFacts(
        iin=pki.IIN,
        bin="",
        subject=f"CN=ТЕСТОВ ТЕСТ, SERIALNUMBER=IIN{pki.IIN}, C=KZ",
        serial="60ba4568ae98fa522a13fa711c6cb60c69bee2c4",
        issuer="CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022, C=KZ",
        valid_from=datetime(2026, 1, 10, 4, 0, tzinfo=UTC),
        valid_to=datetime(2099, 1, 10, 4, 0, tzinfo=UTC),
        signed_at=facts.signed_at,
    )


def test_timestamp_time_is_taken_as_the_signing_time(ncanode):
    ncanode.canned = canned_answer(
        canned_certificate(),
        tsp={"genTime": "2026-12-02T05:06:07.000+00:00", "policy": "1.2.398.3.3.2.6.1"},
    )

    facts = verify_cms(
        cms_b64=pki.sign(DOCUMENT), document=DOCUMENT, expected_iin=pki.IIN
    )

    assert facts.signed_at == datetime(2026, 12, 2, 5, 6, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    "cms_b64, code",
    [("%%%", "ecp_not_base64"), ("aGVsbG8=", "ecp_not_cms")],
)
def test_bad_input_is_refused_without_calling_ncanode(ncanode, cms_b64, code):
    assert refusal(cms_b64).code == code
    assert ncanode.requests == []


def test_attached_cms_over_another_document_is_refused_before_ncanode(ncanode):
    cms_b64 = pki.sign(b"%PDF another", detached=False)

    assert refusal(cms_b64).code == "ecp_document_mismatch"
    assert ncanode.requests == []


def upstream_failure() -> UpstreamError:
    with pytest.raises(UpstreamError) as caught:
        verify_cms(cms_b64=pki.sign(DOCUMENT), document=DOCUMENT, expected_iin=pki.IIN)
    return caught.value


def test_ncanode_that_answers_500_is_an_upstream_error(ncanode):
    ncanode.default = "error500"

    error = upstream_failure()

    assert (error.status, error.code) == (502, "ecp_verifier_unavailable")


def test_ncanode_that_does_not_answer_in_time_is_an_upstream_error(ncanode, settings):
    settings.NCANODE_TIMEOUT_SECONDS = 0.3
    ncanode.default = "hang"

    assert upstream_failure().code == "ecp_verifier_unavailable"


def test_ncanode_that_is_down_is_an_upstream_error(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.ECP_VERIFIER = "ncanode"
    settings.NCANODE_URL = f"http://127.0.0.1:{closed_port}"

    assert upstream_failure().code == "ecp_verifier_unavailable"


def test_ncanode_answer_with_a_broken_time_is_an_upstream_error(ncanode):
    ncanode.canned = canned_answer(canned_certificate(notAfter="someday"))

    assert upstream_failure().code == "ecp_verifier_unavailable"
