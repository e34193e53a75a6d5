"""What both verifiers share: the facts they return and the CMS reading."""

import base64
import binascii
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _

from ozgecontract.errors import InvalidInputError

security_logger = logging.getLogger("ozgecontract.security")

# Kazakhstan's GOST 34.310/34.311 (1.2.398.3.10...) and Russian GOST (1.2.643...).
GOST_PREFIXES = ("1.2.398.3.10.", "1.2.643.")
# ASCII digits only: a Unicode digit is no IIN, and hmac.compare_digest
# refuses non-ASCII text with a TypeError.
IIN_RE = re.compile(r"^IIN(\d{12})$", re.ASCII)
BIN_RE = re.compile(r"^BIN(\d{12})$", re.ASCII)


@dataclass(frozen=True)
class CertificateFacts:
    """What a verified signature tells about its signer."""

    iin: str
    bin: str
    subject: str
    serial: str
    issuer: str
    valid_from: datetime
    valid_to: datetime
    signed_at: datetime | None


@dataclass(frozen=True)
class ParsedCms:
    """The one signer of a CMS SignedData, its certificates and content."""

    signer_info: cms.SignerInfo
    certificates: list[asn1_x509.Certificate]
    content: bytes | None
    signing_time: datetime | None


def refuse(code: str, message: str) -> NoReturn:
    security_logger.warning("ecp signature refused code=%s", code)
    raise InvalidInputError(message, code=code)


def refuse_untrusted() -> NoReturn:
    refuse(
        "ecp_certificate_untrusted",
        _(
            "The signer's certificate was not issued by a trusted certification "
            "authority (NCA RK)."
        ),
    )


def decode(cms_b64: str) -> bytes:
    text = "".join((cms_b64 or "").split())
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not raw:
        refuse("ecp_not_base64", _("The signature (cms) must be base64 text."))
    return raw


def parse(raw: bytes) -> ParsedCms:
    """Read the one signer of a CMS SignedData; refuse anything else.

    Certificates are not parsed here: asn1crypto cannot read a GOST public
    key, and NCANode still has to receive such a CMS.
    """
    try:
        info = cms.ContentInfo.load(raw, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed_data = info["content"]
        signer_infos = list(signed_data["signer_infos"])
        certificates = [
            choice.chosen
            for choice in (signed_data["certificates"] or [])
            if choice.name == "certificate"
        ]
        content = signed_data["encap_content_info"]["content"].native
        if len(signer_infos) == 1:
            signer_info = signer_infos[0]
            signing_time = _signing_time(signer_info)
            # Reach every field now so that a broken one fails here, as 400.
            signer_info["sid"].chosen.native  # noqa: B018
            signer_info["digest_algorithm"]["algorithm"].dotted  # noqa: B018
            signer_info["signature_algorithm"]["algorithm"].dotted  # noqa: B018
            signer_info["signature"].native  # noqa: B018
            for attribute in signer_info["signed_attrs"] or []:
                attribute["type"].native  # noqa: B018
                attribute["values"].native  # noqa: B018
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        refuse("ecp_not_cms", _("The signature is not a CMS (PKCS#7) signed message."))
    if len(signer_infos) != 1:
        refuse(
            "ecp_signer_count",
            _("The signature must have exactly one signer, not %(count)s.")
            % {"count": len(signer_infos)},
        )
    return ParsedCms(
        signer_info=signer_info,
        certificates=certificates,
        content=content,
        signing_time=signing_time,
    )


def signed_attribute(signer_info: cms.SignerInfo, name: str):
    for attribute in signer_info["signed_attrs"] or []:
        if attribute["type"].native == name:
            return attribute["values"][0]
    return None


def _signing_time(signer_info: cms.SignerInfo) -> datetime | None:
    value = signed_attribute(signer_info, "signing_time")
    return value.native if value is not None else None


class _AlgorithmIdentifier(core.Sequence):
    _fields = [
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class _RawKeyInfo(core.Sequence):
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.Any)]


def key_algorithm(certificate: asn1_x509.Certificate) -> str:
    """Return the dotted OID of a certificate's key, GOST included."""
    key_info = certificate["tbs_certificate"]["subject_public_key_info"]
    # asn1crypto's own PublicKeyInfo raises on key algorithms it does not know.
    return _RawKeyInfo.load(key_info.dump())["algorithm"]["algorithm"].dotted
