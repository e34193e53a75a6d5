import pytest

from companies.models import Company
from ozgecontract.tests.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def company_json(company):
    return {
        "id": company.pk,
        "name": company.name,
        "email": company.email,
        "phone": company.phone,
    }


def test_anonymous_cannot_list_companies(anonymous, company):
    response = anonymous.get("/companies")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_company_user_lists_only_its_own_company(member_api, company, other_company):
    response = member_api.get("/companies")

    assert response.status_code == 200
    assert response.json() == [company_json(company)]
    assert response["X-Total-Count"] == "1"


def test_admin_lists_every_company(admin_api, company, other_company):
    response = admin_api.get("/companies/")

    assert response.status_code == 200
    assert response.json() == [company_json(company), company_json(other_company)]


def test_admin_list_is_paginated_with_headers(admin_api):
    CompanyFactory.create_batch(3)

    response = admin_api.get("/companies?limit=2")

    assert len(response.json()) == 2
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"]


@pytest.mark.parametrize("rows", [1, 50])
def test_company_list_query_count_does_not_grow(
    admin_api, django_assert_num_queries, rows
):
    CompanyFactory.create_batch(rows)

    # user, count, page
    with django_assert_num_queries(3):
        response = admin_api.get("/companies")

    assert len(response.json()) == rows


@pytest.mark.parametrize("path", ["/companies/{id}", "/companies/id/{id}"])
def test_owner_reads_its_company(owner_api, company, path):
    response = owner_api.get(path.format(id=company.pk))

    assert response.status_code == 200
    assert response.json() == company_json(company)


@pytest.mark.parametrize("path", ["/companies/{id}", "/companies/id/{id}"])
def test_outsider_gets_404(outsider_api, company, path):
    response = outsider_api.get(path.format(id=company.pk))

    assert response.status_code == 404
    assert response.json() == {"detail": "Company not found.", "code": "not_found"}


@pytest.mark.parametrize("path", ["/companies/{id}", "/companies/id/{id}"])
def test_anonymous_gets_401(anonymous, company, path):
    assert anonymous.get(path.format(id=company.pk)).status_code == 401


def test_admin_reads_any_company(admin_api, company):
    assert admin_api.get(f"/companies/id/{company.pk}").json() == company_json(company)


def test_an_unknown_id_is_404(admin_api, db):
    assert admin_api.get("/companies/id/999999").status_code == 404


def test_a_non_numeric_id_is_404(admin_api, db):
    assert admin_api.get("/companies/id/abc").status_code == 404


@pytest.mark.parametrize(
    "written", ["{e164}", "8{local}", "7{local}", "+7 {local}", "8 ({local})"]
)
def test_phone_lookup_normalises_like_storage(owner_api, company, written):
    local = company.phone[2:]
    path = "/companies/phone/" + written.format(e164=company.phone, local=local)

    response = owner_api.get(path)

    assert response.status_code == 200
    assert response.json() == company_json(company)


def test_phone_lookup_of_another_company_is_404(outsider_api, company):
    response = outsider_api.get(f"/companies/phone/{company.phone}")

    assert response.status_code == 404


def test_phone_lookup_of_an_unknown_number_is_404(admin_api, db):
    assert admin_api.get("/companies/phone/87479998877").status_code == 404


def test_phone_lookup_of_garbage_is_400(admin_api, db):
    response = admin_api.get("/companies/phone/not-a-phone")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["phone"]


def test_phone_lookup_by_anonymous_is_401(anonymous, company):
    assert anonymous.get(f"/companies/phone/{company.phone}").status_code == 401


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_by_id_path_only_reads(owner_api, company, method):
    response = getattr(owner_api, method)(
        f"/companies/id/{company.pk}", {"name": "Захват"}, format="json"
    )

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    company.refresh_from_db()
    assert company.name != "Захват"
    assert Company.objects.filter(pk=company.pk).exists()
