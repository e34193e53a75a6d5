"""Django admin for signatures, signing codes and audit events: read-only evidence."""

import pytest
from django.utils import timezone

from ozgecontract.tests.factories import ContractFactory, SignatureFactory
from signatures.models import AuditEvent, Signature, SigningCode
from signatures.services import record_audit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def evidence(contract):
    signed = SignatureFactory(
        contract=contract, client_name="Сейткали Әлия", signed_at=timezone.now()
    )
    expected = SignatureFactory(contract=ContractFactory(company=contract.company))
    event = record_audit_event(
        contract=contract, kind=AuditEvent.Kind.SIGNED, ip="10.0.0.1", signature=signed
    )
    code = SigningCode.objects.create(
        contract=contract,
        phone="+77011234567",
        code_hash="f" * 64,
        expires_at=timezone.now(),
    )
    return {"signed": signed, "expected": expected, "event": event, "code": code}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/signatures/signature/",
        "/admin/signatures/signature/?q=Сейткали",
        "/admin/signatures/signature/?method=sms",
        "/admin/signatures/signature/?signed_at__isempty=1",
        "/admin/signatures/signingcode/",
        "/admin/signatures/auditevent/",
        "/admin/signatures/auditevent/?kind=signed",
        "/admin/signatures/auditevent/?q=10.0.0.1",
    ],
)
def test_admin_lists_search_and_filter(admin_client_logged_in, evidence, url):
    assert admin_client_logged_in.get(url).status_code == 200


def test_search_finds_the_signer(admin_client_logged_in, evidence):
    response = admin_client_logged_in.get("/admin/signatures/signature/?q=Сейткали")

    assert "Сейткали Әлия" in response.content.decode()


def test_detail_pages_are_read_only(admin_client_logged_in, evidence):
    signed = evidence["signed"]
    url = f"/admin/signatures/signature/{signed.pk}/change/"

    page = admin_client_logged_in.get(url)
    post = admin_client_logged_in.post(url, {"client_name": "Changed"})

    assert page.status_code == 200
    assert 'name="client_name"' not in page.content.decode()
    assert post.status_code == 403
    signed.refresh_from_db()
    assert signed.client_name == "Сейткали Әлия"


def test_code_hash_is_never_shown(admin_client_logged_in, evidence):
    code = evidence["code"]

    page = admin_client_logged_in.get(
        f"/admin/signatures/signingcode/{code.pk}/change/"
    )

    assert page.status_code == 200
    assert "f" * 64 not in page.content.decode()


@pytest.mark.parametrize("model", ["signature", "signingcode", "auditevent"])
def test_nothing_is_added_by_hand(admin_client_logged_in, evidence, model):
    assert (
        admin_client_logged_in.get(f"/admin/signatures/{model}/add/").status_code == 403
    )


def test_a_completed_signature_cannot_be_deleted(admin_client_logged_in, evidence):
    signed = evidence["signed"]
    url = f"/admin/signatures/signature/{signed.pk}/delete/"

    assert admin_client_logged_in.post(url, {"post": "yes"}).status_code == 403
    assert Signature.objects.filter(pk=signed.pk).exists()


def test_an_expected_signer_may_be_deleted(admin_client_logged_in, evidence):
    expected = evidence["expected"]
    url = f"/admin/signatures/signature/{expected.pk}/delete/"

    response = admin_client_logged_in.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Signature.objects.filter(pk=expected.pk).exists()
    expected.contract.refresh_from_db()
    # Through the service: the contract list no longer shows or finds them.
    assert expected.contract.signer_name == ""
    assert expected.contract.signer_search == ""


def test_audit_events_cannot_be_deleted(admin_client_logged_in, evidence):
    event = evidence["event"]
    url = f"/admin/signatures/auditevent/{event.pk}/delete/"

    assert admin_client_logged_in.post(url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_bulk_delete_is_not_offered_for_signatures(admin_client_logged_in, evidence):
    page = admin_client_logged_in.get("/admin/signatures/signature/")

    assert "delete_selected" not in page.content.decode()


def test_company_staff_cannot_open_the_admin(client, owner, evidence):
    client.force_login(owner)

    response = client.get("/admin/signatures/signature/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
