"""A test PKI for ЭЦП: CAs, people's certificates and CMS signatures, offline.

The shape follows NCA RK: a root CA issues an intermediate ("НУЦ РК"), which
issues people's certificates with `serialNumber=IIN<iin>` (and `OU=BIN<bin>`
for an employee of a company). Keys are generated once per test session.

Typical use in a test::

    from signatures.tests import pki

    pki.trust(settings, tmp_path)  # ECP_TRUST_DIR now holds the test root CA
    cms_b64 = pki.sign(pdf_bytes, pki.person())  # a detached CMS, base64

Variants: `pki.person(iin=pki.OTHER_IIN)`, `pki.person(company_bin=pki.BIN)`,
`pki.person(expired=True)`, `pki.person(usage="encipher")`,
`pki.person(issuer=pki.untrusted_ca())`, `pki.sign(b"other bytes", ...)`,
`pki.gost_cms(...)` (with `pki.gost_person()`, a GOST-keyed certificate).
"""

import base64
import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import algos, cms, core, parser
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

IIN = "850615300129"
OTHER_IIN = "920304405676"
BIN = "940140000385"

_HASHES = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


@dataclass(frozen=True)
class Issued:
    """A certificate, its private key and the CA certificates above it."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@functools.cache
def _key(slot: str, kind: str = "rsa"):
    """Generate one key per slot and session: RSA-2048 costs a moment."""
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(*attributes: tuple) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _build(
    *,
    subject: x509.Name,
    key,
    issuer: Issued | None,
    not_before: datetime,
    not_after: datetime,
    ca: bool,
    key_usage: x509.KeyUsage,
) -> x509.Certificate:
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(key_usage, critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
            critical=False,
        )
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return builder.sign(signer_key, hashes.SHA256())


def _usage(**flags: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
    )
    values = {name: flags.get(name, False) for name in names}
    return x509.KeyUsage(**values, encipher_only=False, decipher_only=False)


def _ca(slot: str, common_name: str, issuer: Issued | None = None) -> Issued:
    key = _key(slot)
    now = _now()
    certificate = _build(
        subject=_name((NameOID.COMMON_NAME, common_name), (NameOID.COUNTRY_NAME, "KZ")),
        key=key,
        issuer=issuer,
        not_before=now - timedelta(days=3650),
        not_after=now + timedelta(days=3650),
        ca=True,
        key_usage=_usage(key_cert_sign=True, crl_sign=True),
    )
    chain = (issuer.certificate, *issuer.chain) if issuer else ()
    return Issued(certificate=certificate, key=key, chain=chain)


@functools.cache
def root_ca() -> Issued:
    """The test root CA: put it in ECP_TRUST_DIR to trust the test PKI."""
    return _ca("root", "ТЕСТ КОРНЕВОЙ УЦ РК (RSA)")


@functools.cache
def intermediate_ca() -> Issued:
    """The test CA that issues people's certificates, like НУЦ РК (RSA)."""
    return _ca("intermediate", "ТЕСТ ҰКО (RSA)", root_ca())


@functools.cache
def untrusted_ca() -> Issued:
    """A root CA that no test puts in ECP_TRUST_DIR."""
    return _ca("untrusted", "ЧУЖОЙ УЦ (RSA)")


@functools.cache
def person(
    iin: str = IIN,
    *,
    company_bin: str | None = None,
    name: str = "ТЕСТОВ ТЕСТ",
    issuer: Issued | None = None,
    expired: bool = False,
    not_yet_valid: bool = False,
    usage: str = "sign",
    key_kind: str = "rsa",
) -> Issued:
    """A person's signing certificate, by default from the trusted test CA.

    `usage="sign"` gives digitalSignature + nonRepudiation (an NCA RK signing
    key); `usage="encipher"` gives keyEncipherment only, which cannot sign.
    """
    issuer = issuer or intermediate_ca()
    key = _key(f"person-{key_kind}", key_kind)
    surname, _, given = name.partition(" ")
    attributes = [
        (NameOID.COMMON_NAME, name),
        (NameOID.SURNAME, surname),
        (NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        (NameOID.COUNTRY_NAME, "KZ"),
        (NameOID.GIVEN_NAME, given or surname),
    ]
    if company_bin:
        attributes += [
            (NameOID.ORGANIZATION_NAME, 'ТОО "ТЕСТ"'),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{company_bin}"),
        ]
    now = _now()
    if expired:
        not_before, not_after = now - timedelta(days=730), now - timedelta(days=365)
    elif not_yet_valid:
        not_before, not_after = now + timedelta(days=30), now + timedelta(days=395)
    else:
        not_before, not_after = now - timedelta(days=30), now + timedelta(days=335)
    if usage == "sign":
        key_usage = _usage(digital_signature=True, content_commitment=True)
    else:
        key_usage = _usage(key_encipherment=True)
    certificate = _build(
        subject=_name(*attributes),
        key=key,
        issuer=issuer,
        not_before=not_before,
        not_after=not_after,
        ca=False,
        key_usage=key_usage,
    )
    chain = (issuer.certificate, *issuer.chain)
    return Issued(certificate=certificate, key=key, chain=chain)


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    der = certificate.public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def _signed_attributes(
    data: bytes, digest: str, signing_time: datetime | None
) -> cms.CMSAttributes:
    attributes = [cms.CMSAttribute({"type": "content_type", "values": ["data"]})]
    if signing_time is not None:
        attributes.append(
            cms.CMSAttribute(
                {
                    "type": "signing_time",
                    "values": [cms.Time({"utc_time": signing_time})],
                }
            )
        )
    attributes.append(
        cms.CMSAttribute(
            {
                "type": "message_digest",
                "values": [hashlib.new(digest, data).digest()],
            }
        )
    )
    return cms.CMSAttributes(attributes)


def sign_der(
    data: bytes,
    signer: Issued,
    *,
    digest: str = "sha256",
    signing_time: datetime | None | bool = True,
    detached: bool = True,
    include_chain: bool = True,
    with_attributes: bool = True,
    by_key_identifier: bool = False,
) -> bytes:
    """Sign `data` into a CMS SignedData (DER), as NCALayer does for RSA keys.

    `signing_time=True` stamps the current time; `None` leaves it out.
    `by_key_identifier` names the signer by subject key identifier instead of
    issuer and serial number.
    """
    if signing_time is True:
        signing_time = _now()
    cert = _asn1(signer.certificate)
    hash_algorithm = _HASHES[digest]()
    if with_attributes:
        attributes = _signed_attributes(data, digest, signing_time or None)
        # The signature covers the attributes encoded as a plain SET OF.
        to_sign = attributes.dump()
    else:
        attributes = None
        to_sign = data

    if isinstance(signer.key, ec.EllipticCurvePrivateKey):
        signature = signer.key.sign(to_sign, ec.ECDSA(hash_algorithm))
        signature_algorithm = f"{digest}_ecdsa"
    else:
        signature = signer.key.sign(to_sign, padding.PKCS1v15(), hash_algorithm)
        signature_algorithm = "rsassa_pkcs1v15"

    if by_key_identifier:
        version = "v3"
        sid = cms.SignerIdentifier({"subject_key_identifier": cert.key_identifier})
    else:
        version = "v1"
        sid = cms.SignerIdentifier(
            {
                "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                    {"issuer": cert.issuer, "serial_number": cert.serial_number}
                )
            }
        )
    signer_info = {
        "version": version,
        "sid": sid,
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest}),
        "signature_algorithm": algos.SignedDigestAlgorithm(
            {"algorithm": signature_algorithm}
        ),
        "signature": signature,
    }
    if attributes is not None:
        signer_info["signed_attrs"] = attributes
    certificates = [cert]
    if include_chain:
        certificates += [_asn1(ca) for ca in signer.chain]
    encap = {"content_type": "data"}
    if not detached:
        encap["content"] = data
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": digest})],
            "encap_content_info": encap,
            "certificates": certificates,
            "signer_infos": [cms.SignerInfo(signer_info)],
        }
    )
    return cms.ContentInfo(
        {"content_type": "signed_data", "content": signed_data}
    ).dump()


def sign(data: bytes, signer: Issued | None = None, **options) -> str:
    """Sign `data` and return the CMS as base64, the way NCALayer hands it over."""
    der = sign_der(data, signer or person(), **options)
    return base64.b64encode(der).decode("ascii")


# OIDs of Kazakhstan's GOST 34.310/34.311 algorithms, as Kalkan writes them.
GOST_KEY_OID = "1.2.398.3.10.1.1.1.1"
GOST_SIGNATURE_OID = "1.2.398.3.10.1.1.1.2"
GOST_DIGEST_OID = "1.2.398.3.10.1.3.1"


def _children(der: bytes) -> list[bytes]:
    """Split a DER SEQUENCE into its encoded elements."""
    contents = parser.parse(der)[4]
    children = []
    while contents:
        size = parser.peek(contents)
        children.append(contents[:size])
        contents = contents[size:]
    return children


def _sequence(*children: bytes) -> bytes:
    return parser.emit(0, 1, 16, b"".join(children))


def _oid(dotted: str) -> bytes:
    return core.ObjectIdentifier(dotted).dump()


@functools.cache
def gost_person(iin: str = IIN) -> Issued:
    """A person's certificate with a GOST 34.310 key, as NCA RK issues them.

    Nothing here can make or check GOST signatures, so the key and the CA's
    signature are filler bytes: only the structure and the names are real.
    The `key` is the RSA key the certificate was first drawn up with.
    """
    drawn = person(iin)
    tbs, _, _ = _children(drawn.der)
    fields = _children(tbs)
    # TBSCertificate: version, serial, signature, issuer, validity, subject, key, ...
    fields[2] = _sequence(_oid(GOST_SIGNATURE_OID))
    key_parameters = _sequence(_oid("1.2.398.3.10.1.1.1.1.1"))
    fields[6] = _sequence(
        _sequence(_oid(GOST_KEY_OID), key_parameters),
        core.OctetBitString(b"\x04\x40" + bytes(range(64))).dump(),
    )
    der = _sequence(
        _sequence(*fields),
        _sequence(_oid(GOST_SIGNATURE_OID)),
        core.OctetBitString(bytes(64)).dump(),
    )
    certificate = x509.load_der_x509_certificate(der)
    return Issued(certificate=certificate, key=drawn.key, chain=drawn.chain)


def gost_cms(data: bytes, signer: Issued | None = None) -> str:
    """Build a detached GOST CMS over `data` (its signature is filler bytes)."""
    signer = signer or gost_person()
    cert = _asn1(signer.certificate)
    attributes = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute(
                {"type": "message_digest", "values": [hashlib.sha256(data).digest()]}
            ),
        ]
    )
    tbs = cert["tbs_certificate"]
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": tbs["issuer"], "serial_number": tbs["serial_number"]}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": GOST_DIGEST_OID}),
            "signed_attrs": attributes,
            "signature_algorithm": algos.SignedDigestAlgorithm(
                {"algorithm": GOST_SIGNATURE_OID}
            ),
            "signature": bytes(64),
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [
                algos.DigestAlgorithm({"algorithm": GOST_DIGEST_OID})
            ],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cert, *(_asn1(ca) for ca in signer.chain)],
            "signer_infos": [signer_info],
        }
    )
    der = cms.ContentInfo(
        {"content_type": "signed_data", "content": signed_data}
    ).dump()
    return base64.b64encode(der).decode("ascii")


def write_trust_dir(folder: Path, *cas: Issued, der: bool = False) -> Path:
    """Write CA certificates into `folder` (PEM, or DER with `der=True`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for number, ca in enumerate(cas or (root_ca(),)):
        if der:
            (folder / f"ca-{number}.cer").write_bytes(ca.der)
        else:
            (folder / f"ca-{number}.pem").write_bytes(ca.pem)
    return folder


def trust(settings, folder: Path, *cas: Issued) -> Path:
    """Point ECP_TRUST_DIR at `folder` holding `cas` (the test root by default)."""
    folder = write_trust_dir(Path(folder) / "ecp-trust", *cas)
    settings.ECP_TRUST_DIR = folder
    settings.ECP_VERIFIER = "builtin"
    return folder
