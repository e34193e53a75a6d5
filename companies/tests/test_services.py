import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from companies.models import Company, User
from companies.services import (
    change_member_role,
    invite_member,
    register_company,
    remove_member,
    update_company,
)
from ozgecontract.errors import NotFoundError
from ozgecontract.tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("english")


def test_register_company_is_callable_with_keywords_and_logs_ids(db, caplog):
    with caplog.at_level("INFO", logger="companies.services"):
        company = register_company(
            name="ТОО Тест",
            email="Test@Example.kz",
            phone="+7 701 765 4321",
            password=PASSWORD,
            bin="940140000385",
        )

    assert (company.email, company.phone, company.bin) == (
        "test@example.kz",
        "+77017654321",
        "940140000385",
    )
    assert f"company registered company={company.pk}" in caplog.text
    assert PASSWORD not in caplog.text


def test_register_company_reports_every_bad_field_at_once(db):
    with pytest.raises(ValidationError) as caught:
        register_company(name="", email="x", phone="1", password="1", bin="123")

    assert set(caught.value.message_dict) == {
        "name",
        "email",
        "phone",
        "password",
        "bin",
    }
    assert not Company.objects.exists()


def test_the_password_may_not_resemble_the_email(db):
    with pytest.raises(ValidationError) as caught:
        register_company(
            name="ТОО",
            email="almaty.trade@example.kz",
            phone="87017654321",
            password="Almaty.Trade@example.kz",
        )

    assert list(caught.value.message_dict) == ["password"]


def test_update_company_checks_a_new_password_against_the_new_email(company, owner):
    with pytest.raises(ValidationError) as caught:
        update_company(
            company=company,
            user=owner,
            email="karaganda.steel@example.kz",
            password="Karaganda.Steel@example.kz",
        )

    assert list(caught.value.message_dict) == ["password"]
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises whole-database writes",
)
def test_concurrent_registrations_of_one_email_make_one_company():
    threads = 6
    barrier = threading.Barrier(threads)
    outcomes = []

    def register(n):
        try:
            barrier.wait()
            register_company(
                name=f"ТОО {n}",
                email="race@example.kz",
                phone=f"+7701555000{n}",
                password=PASSWORD,
            )
            outcomes.append("created")
        except ValidationError as exc:
            outcomes.append(sorted(exc.message_dict))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=register, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert outcomes.count("created") == 1
    assert [o for o in outcomes if o != "created"] == [["email"]] * (threads - 1)
    assert Company.objects.count() == 1
    assert User.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises whole-database writes",
)
def test_concurrent_invitations_of_one_email_make_one_user(company, owner):
    threads = 6
    barrier = threading.Barrier(threads)
    outcomes = []

    def invite():
        try:
            barrier.wait()
            invite_member(company=company, invited_by=owner, email="race@example.kz")
            outcomes.append("invited")
        except ValidationError as exc:
            outcomes.append(sorted(exc.message_dict))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=invite) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert outcomes.count("invited") == 1
    assert [o for o in outcomes if o != "invited"] == [["email"]] * (threads - 1)
    assert User.objects.filter(email="race@example.kz").count() == 1


def test_acting_on_a_company_deleted_meanwhile_is_404(company, owner, member):
    stale_member = User.objects.get(pk=member.pk)
    User.objects.filter(company=company).delete()
    Company.objects.filter(pk=company.pk).delete()

    with pytest.raises(NotFoundError):
        change_member_role(member=stale_member, role="owner", user=owner)
    with pytest.raises(NotFoundError):
        remove_member(member=stale_member, user=owner)
