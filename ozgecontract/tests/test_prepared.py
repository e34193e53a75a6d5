"""Prepared reads give what the ORM gives, and the session store built on one."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from companies.backends import load_user_with_company
from contracts import selectors as contract_selectors
from contracts.models import Contract, ContractField
from ozgecontract.prepared import PreparedRead
from ozgecontract.sessions import SessionStore
from ozgecontract.tests.factories import (
    ContractFactory,
    ContractFieldFactory,
    UserFactory,
)


def _values(instance) -> dict:
    """Every concrete field's value, as loaded (types included)."""
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
    }


# --- PreparedRead ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_prepared_read_converts_each_column_as_the_orm_does(owner):
    owner.last_login = timezone.now()
    owner.save()
    read = PreparedRead(
        lambda pk: (
            get_user_model()
            .objects.filter(pk=pk)
            .values_list("is_active", "last_login", "date_joined", "email")
        ),
        pk=(get_user_model()._meta.pk, -1),
    )

    rows = read.rows(pk=owner.pk)

    expected = (
        get_user_model()
        .objects.filter(pk=owner.pk)
        .values_list("is_active", "last_login", "date_joined", "email")
        .get()
    )
    assert rows == [expected]
    assert rows[0][0] is True
    assert timezone.is_aware(rows[0][1])


@pytest.mark.django_db
def test_a_prepared_read_runs_one_query_each_time_with_the_new_value(owner, member):
    read = PreparedRead(
        lambda pk: get_user_model().objects.filter(pk=pk).values_list("email"),
        pk=(get_user_model()._meta.pk, -1),
    )
    read.rows(pk=owner.pk)

    with CaptureQueriesContext(connection) as queries:
        first = read.rows(pk=owner.pk)
        second = read.rows(pk=member.pk)
        missing = read.rows(pk=member.pk + 1000)

    assert len(queries) == 3
    assert (first, second, missing) == ([(owner.email,)], [(member.email,)], [])


@pytest.mark.django_db
def test_a_stand_in_missing_from_the_parameters_is_refused():
    email = get_user_model()._meta.get_field("email")
    read = PreparedRead(
        lambda value: get_user_model().objects.filter(email="a@b.kz").values_list("pk"),
        value=(email, "stand-in@example.kz"),
    )

    with pytest.raises(ValueError, match="exactly once"):
        read.rows(value="x@example.kz")


@pytest.mark.django_db
def test_a_stand_in_that_appears_twice_is_refused():
    email = get_user_model()._meta.get_field("email")
    read = PreparedRead(
        lambda value: (
            get_user_model()
            .objects.filter(email=value)
            .exclude(full_name=value)
            .values_list("pk")
        ),
        value=(email, "stand-in@example.kz"),
    )

    with pytest.raises(ValueError, match="2 times"):
        read.rows(value="x@example.kz")


# --- the session store -------------------------------------------------------------


@pytest.mark.django_db
def test_the_session_store_reads_back_what_it_saved():
    store = SessionStore()
    store["signing_links"] = {"abc": {"token": "t", "created": 1.5}}
    store.save()

    loaded = SessionStore(store.session_key)

    assert loaded["signing_links"] == {"abc": {"token": "t", "created": 1.5}}
    assert loaded.session_key == store.session_key


@pytest.mark.django_db
def test_an_expired_session_is_empty_and_its_key_is_not_reused():
    store = SessionStore()
    store["value"] = 1
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    loaded = SessionStore(store.session_key)

    assert loaded.load() == {}
    assert loaded.session_key is None


@pytest.mark.django_db
def test_an_unknown_or_tampered_session_is_empty():
    store = SessionStore()
    store["value"] = 1
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        session_data="tampered"
    )

    assert SessionStore(store.session_key).load() == {}
    assert SessionStore("x" * 32).load() == {}


@pytest.mark.django_db
def test_logout_ends_the_session_in_the_database(client, owner):
    client.force_login(owner)
    key = client.session.session_key

    client.post("/accounts/logout/")

    assert SessionStore(key).load() == {}
    assert client.get("/dashboard/contracts/").status_code == 302


# --- the reads built on it ---------------------------------------------------------


@pytest.mark.django_db
def test_the_logged_in_user_and_company_load_as_the_orm_loads_them(owner):
    expected = get_user_model().objects.select_related("company").get(pk=owner.pk)

    with CaptureQueriesContext(connection) as queries:
        user = load_user_with_company(owner.pk)
        company = user.company

    assert len(queries) == 1
    assert _values(user) == _values(expected)
    assert _values(company) == _values(expected.company)
    assert user._state.adding is False


@pytest.mark.django_db
def test_a_user_without_a_company_loads_with_none():
    admin = UserFactory(company=None, is_staff=True)

    user = load_user_with_company(admin.pk)

    assert user.company is None
    assert model_to_dict(user) == model_to_dict(admin)


@pytest.mark.django_db
def test_the_contract_behind_a_token_loads_as_the_orm_loads_it():
    contract = ContractFactory(expires_at=timezone.now() + timedelta(days=3))
    expected = Contract.objects.select_related("company").get(pk=contract.pk)

    with CaptureQueriesContext(connection) as queries:
        loaded = contract_selectors.get_contract_by_token(str(contract.contract_token))
        company = loaded.company

    assert len(queries) == 1
    assert _values(loaded) == _values(expected)
    assert _values(company) == _values(expected.company)


@pytest.mark.django_db
def test_an_unknown_token_is_still_a_404():
    from ozgecontract.errors import NotFoundError

    with pytest.raises(NotFoundError):
        contract_selectors.get_contract_by_token(str(uuid.uuid4()))


@pytest.mark.django_db
def test_contract_fields_read_in_order_as_the_orm_reads_them():
    contract = ContractFactory()
    ContractFieldFactory(contract=contract, position=2, value="b")
    ContractFieldFactory(contract=contract, position=1, value="a", required=True)
    ContractFieldFactory(
        contract=contract, position=1, field_type=ContractField.FieldType.CHECKBOX
    )
    ContractFieldFactory(contract=ContractFactory(), position=0)

    with CaptureQueriesContext(connection) as queries:
        fields = contract_selectors.read_contract_fields(contract=contract)
        owners = {field.contract.pk for field in fields}

    expected = list(contract_selectors.list_contract_fields(contract=contract))
    assert len(queries) == 1
    assert [_values(field) for field in fields] == [_values(f) for f in expected]
    assert owners == {contract.pk}


@pytest.mark.django_db
def test_an_optional_stand_in_may_be_absent_and_none_is_refused(owner):
    model = get_user_model()
    read = PreparedRead(
        lambda pk, email: model.objects.filter(pk=pk).values_list("email"),
        optional=("email",),
        pk=(model._meta.pk, -1),
        email=(model._meta.get_field("email"), "stand-in@example.kz"),
    )

    assert read.rows(pk=owner.pk, email="ignored@example.kz") == [(owner.email,)]
    with pytest.raises(ValueError, match="None"):
        read.rows(pk=None, email="x@example.kz")
