from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.utils import timezone

from billing.models import CompanyBalance
from companies.models import Company, User
from contracts.models import Contract
from ozgecontract.tests.factories import ContractFactory, SignatureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def site(client, admin):
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/companies/company/",
        "/admin/companies/company/add/",
        "/admin/companies/user/",
        "/admin/companies/user/add/",
        "/admin/companies/company/?q=Компания",
        "/admin/companies/user/?role__exact=owner&q=example",
    ],
)
def test_admin_pages_render(site, company, owner, url):
    assert site.get(url).status_code == 200


def test_change_pages_render(site, company, owner):
    assert site.get(f"/admin/companies/company/{company.pk}/change/").status_code == 200
    assert site.get(f"/admin/companies/user/{owner.pk}/change/").status_code == 200


def test_adding_a_company_registers_owner_and_balance(site):
    response = site.post(
        "/admin/companies/company/add/",
        {
            "name": "ТОО Админ",
            "email": "Admin-Made@Example.kz",
            "phone": "8 707 555 1234",
            "bin": "940140000385",
            "password": "Quite-Str0ng-1",
        },
    )

    assert response.status_code == 302
    company = Company.objects.get(name="ТОО Админ")
    assert company.phone == "+77075551234"
    assert company.email == "admin-made@example.kz"
    owner = User.objects.get(company=company)
    assert owner.role == User.Role.OWNER
    assert owner.check_password("Quite-Str0ng-1")
    assert CompanyBalance.objects.filter(company=company).exists()


def test_adding_a_company_shows_service_errors_on_the_form(site, company):
    response = site.post(
        "/admin/companies/company/add/",
        {
            "name": "ТОО Дубль",
            "email": company.email.upper(),
            "phone": "12",
            "password": "123",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"email", "phone", "password"}
    assert Company.objects.count() == 1


def test_changing_the_email_moves_the_owner_login(site, company, owner):
    response = site.post(
        f"/admin/companies/company/{company.pk}/change/",
        {
            "name": company.name,
            "email": "moved@example.kz",
            "phone": company.phone,
            "bin": "",
        },
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email == "moved@example.kz"


def test_the_delete_action_keeps_companies_with_signed_work(
    site, company, other_company
):
    contract = ContractFactory(company=company, status=Contract.Status.SIGNED)
    SignatureFactory(contract=contract, signed_at=timezone.now())

    response = site.post(
        "/admin/companies/company/",
        {
            "action": "delete_keeping_evidence",
            "_selected_action": [company.pk, other_company.pk],
        },
    )

    assert response.status_code == 302
    assert Company.objects.filter(pk=company.pk).exists()
    assert not Company.objects.filter(pk=other_company.pk).exists()
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("signed contracts" in text for text in texts)


def test_adding_a_user_with_a_password(site, company):
    response = site.post(
        "/admin/companies/user/add/",
        {
            "email": "New.Member@Example.kz",
            "full_name": "Асель",
            "company": company.pk,
            "role": "member",
            "usable_password": "true",
            "password1": "Quite-Str0ng-1",
            "password2": "Quite-Str0ng-1",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.member@example.kz")
    assert user.company == company
    assert user.check_password("Quite-Str0ng-1")


def test_a_user_email_taken_in_other_case_is_refused(site, company, owner):
    response = site.post(
        "/admin/companies/user/add/",
        {
            "email": owner.email.upper(),
            "company": company.pk,
            "role": "member",
            "usable_password": "false",
        },
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors


def test_staff_cannot_belong_to_a_company(site, company):
    response = site.post(
        "/admin/companies/user/add/",
        {
            "email": "staff@example.kz",
            "company": company.pk,
            "role": "member",
            "is_staff": "on",
            "usable_password": "false",
        },
    )

    assert response.status_code == 200
    assert "company" in response.context["adminform"].form.errors


def test_company_users_cannot_open_the_admin(client, owner):
    client.force_login(owner)

    response = client.get("/admin/companies/company/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_createsuperuser_noinput_reads_email_and_password_from_env(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.kz")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-Passw0rd-1")
    out = StringIO()

    call_command("createsuperuser", interactive=False, stdout=out)

    assert "Superuser created successfully." in out.getvalue()
    root = User.objects.get()
    assert (root.email, root.is_staff, root.is_superuser, root.company) == (
        "root@example.kz",
        True,
        True,
        None,
    )
    assert root.check_password("Root-Passw0rd-1")
