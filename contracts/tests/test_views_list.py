"""The contract list: /dashboard/contracts/ with status filter, search, pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from companies.models import User
from contracts.models import Contract
from ozgecontract.tests.factories import (
    ContractFactory,
    SignatureFactory,
    TemplateFactory,
)
from signatures import services as signature_services

URL = "/dashboard/contracts/"


def numbers(response) -> list[str]:
    return [c.number for c in response.context["rows"]]


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/contracts/"


@pytest.mark.django_db
def test_platform_admin_is_sent_to_django_admin(client, admin):
    client.force_login(admin)

    assert client.get(URL)["Location"] == "/admin/"


@pytest.mark.django_db
def test_an_account_without_company_gets_403(client):
    loner = User.objects.create_user(email="loner@example.kz", password="x")
    client.force_login(loner)

    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_member_sees_own_company_contracts_only(client, member, outsider):
    mine = ContractFactory(company=member.company, number="OC-MINE")
    SignatureFactory(contract=mine, client_name="Әлия Сейтқали")
    ContractFactory(company=outsider.company, number="OC-THEIRS")
    client.force_login(member)

    response = client.get(URL)

    assert response.status_code == 200
    assert numbers(response) == ["OC-MINE"]
    [row] = response.context["rows"]
    assert row.client_name == "Әлия Сейтқали"
    body = response.content.decode()
    assert "OC-THEIRS" not in body
    assert "Әлия Сейтқали" in body
    assert (
        row.created_at.astimezone(timezone.get_current_timezone()).strftime(
            "%d.%m.%Y %H:%M"
        )
        in body
    )


@pytest.mark.django_db
def test_status_filter(owner_client, company):
    past = timezone.now() - timedelta(days=1)
    ContractFactory(company=company, number="P")
    ContractFactory(company=company, number="S", status=Contract.Status.SIGNED)
    ContractFactory(company=company, number="C", status=Contract.Status.CANCELLED)
    ContractFactory(company=company, number="E", status=Contract.Status.EXPIRED)
    ContractFactory(company=company, number="LATE", expires_at=past)

    def listed(status):
        return numbers(owner_client.get(URL, {"status": status}))

    assert listed("") == ["LATE", "E", "C", "S", "P"]
    assert listed("pending") == ["P"]
    assert listed("signed") == ["S"]
    assert listed("cancelled") == ["C"]
    assert listed("expired") == ["LATE", "E"]
    # An unknown status lists nothing, not everything.
    assert listed("bogus") == []


@pytest.mark.parametrize(
    ("language", "error", "advice"),
    [
        (
            "ru",
            "Выберите статус из списка.",
            "Исправьте фильтр по статусу, чтобы увидеть договоры.",
        ),
        (
            "kk",
            "Тізімнен мәртебені таңдаңыз.",
            "Келісім-шарттарды көру үшін мәртебе сүзгісін түзетіңіз.",
        ),
        (
            "en",
            "Choose a status from the list.",
            "Correct the status filter to list contracts.",
        ),
    ],
)
@pytest.mark.django_db
def test_an_unknown_status_is_refused_in_the_users_language(
    owner_client, company, language, error, advice
):
    ContractFactory(company=company, number="OC-1")

    response = owner_client.get(
        URL, {"status": "nonsense"}, HTTP_ACCEPT_LANGUAGE=language
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert numbers(response) == []
    assert "OC-1" not in body
    assert f'data-testid="status-error">{error}</div>' in body
    assert 'class="form-select is-invalid"' in body
    assert 'aria-describedby="id_status_error"' in body
    assert advice in body
    assert " selected>" not in body


@pytest.mark.django_db
def test_an_unknown_status_is_not_echoed_into_the_page(owner_client, company):
    response = owner_client.get(URL, {"status": '"><script>x</script>'})

    body = response.content.decode()
    assert response.status_code == 200
    assert numbers(response) == []
    assert "<script>x" not in body
    assert 'data-testid="status-error"' in body


@pytest.mark.django_db
def test_a_known_status_shows_no_status_error(owner_client, company):
    ContractFactory(company=company, number="OC-1")

    response = owner_client.get(URL, {"status": "pending"})

    body = response.content.decode()
    assert numbers(response) == ["OC-1"]
    assert 'data-testid="status-error"' not in body
    assert "is-invalid" not in body


@pytest.mark.django_db
def test_search_by_name_iin_phone_and_number(owner_client, company):
    first = ContractFactory(company=company, number="OC-2026-000001")
    SignatureFactory(
        contract=first,
        client_name="Иванов Иван",
        client_iin="850615300129",
        client_phone="+77011234567",
    )
    second = ContractFactory(company=company, number="OC-2026-000002")
    SignatureFactory(
        contract=second,
        client_name="Сейтқали Әлия",
        client_iin="920304405676",
        client_phone="+77057654321",
    )

    def found(query):
        return numbers(owner_client.get(URL, {"q": query}))

    assert found("Иванов") == ["OC-2026-000001"]
    assert found("Әлия") == ["OC-2026-000002"]
    assert found("920304405676") == ["OC-2026-000002"]
    assert found("8 705 765 43 21") == ["OC-2026-000002"]
    assert found("7654321") == ["OC-2026-000002"]
    assert found("000001") == ["OC-2026-000001"]
    assert found("nobody") == []


@pytest.mark.django_db
def test_search_never_reaches_another_company(owner_client, company, outsider):
    theirs = ContractFactory(company=outsider.company, number="OC-THEIRS")
    SignatureFactory(contract=theirs, client_name="Иванов Иван")

    assert numbers(owner_client.get(URL, {"q": "Иванов"})) == []


@pytest.mark.django_db
def test_pages_of_25_keep_the_filters(owner_client, company):
    template = TemplateFactory(company=company)
    for n in range(30):
        ContractFactory(company=company, template=template, number=f"N-{n:02d}")

    first = owner_client.get(URL, {"status": "pending"})
    second = owner_client.get(URL, {"status": "pending", "page": 2})

    assert len(numbers(first)) == 25
    assert numbers(second) == [f"N-{n:02d}" for n in range(4, -1, -1)]
    assert "?status=pending&amp;page=2" in first.content.decode()
    # A page past the end shows the last page rather than an error.
    assert numbers(owner_client.get(URL, {"page": 99})) == numbers(second)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_rows(owner_client, company):
    template = TemplateFactory(company=company)
    contract = ContractFactory(company=company, template=template)
    SignatureFactory(contract=contract)
    one = count_queries(owner_client, URL)

    for _ in range(49):
        contract = ContractFactory(
            company=company, template=TemplateFactory(company=company)
        )
        SignatureFactory(contract=contract)
    fifty = count_queries(owner_client, URL)
    filtered = count_queries(owner_client, URL + "?status=pending&page=2")
    searched = count_queries(owner_client, URL + "?q=Иванов&status=pending")

    # The session, the user with its company, the count, the page's ids, its
    # rows (prepared reads, each cheaper than one read built by the ORM).
    assert one == fifty == filtered == 5
    # A search's first page is read first and, when short, is its own count.
    assert searched == 4


@pytest.mark.django_db
def test_the_signer_who_signed_is_shown_before_an_expected_one(owner_client, company):
    contract = ContractFactory(company=company)
    SignatureFactory(
        contract=contract, client_name="Подписавший", signed_at=timezone.now()
    )
    SignatureFactory(contract=contract, client_name="Ожидаемый")
    ContractFactory(company=company, number="NOBODY")

    rows = owner_client.get(URL).context["rows"]

    assert [(r.number, r.client_name) for r in rows] == [
        ("NOBODY", ""),
        (contract.number, "Подписавший"),
    ]


@pytest.mark.django_db
def test_search_folds_cyrillic_and_kazakh_case(owner_client, company):
    first = ContractFactory(company=company, number="OC-1")
    SignatureFactory(contract=first, client_name="Иванов Иван")
    second = ContractFactory(company=company, number="OC-2")
    SignatureFactory(contract=second, client_name="Сейтқали Әлия")

    def found(query):
        return numbers(owner_client.get(URL, {"q": query}))

    assert found("иванов") == ["OC-1"]
    assert found("ИВАНОВ  ИВАН") == ["OC-1"]
    assert found("әлия") == ["OC-2"]
    assert found("СЕЙТҚАЛИ") == ["OC-2"]
    assert found("oc-2") == ["OC-2"]


@pytest.mark.django_db
def test_search_never_matches_across_two_details(owner_client, company):
    contract = ContractFactory(company=company, number="OC-1")
    SignatureFactory(
        contract=contract, client_name="Иванов Иван", client_iin="850615300129"
    )

    def found(query):
        return numbers(owner_client.get(URL, {"q": query}))

    assert found("Иван") == ["OC-1"]
    assert found("8506") == ["OC-1"]
    assert found("Иван 85") == []
    assert found("300129 +7701") == []


@pytest.mark.django_db
def test_list_and_search_follow_the_signers(owner_client, company):
    contract = ContractFactory(company=company, number="OC-1")
    expected = signature_services.create_expected_signer(
        contract=contract,
        client_name="Ожидаемый Один",
        client_iin="850615300129",
        client_phone="+77011234567",
        method="sms",
    )

    assert found_names(owner_client, "ожидаемый") == [("OC-1", "Ожидаемый Один")]

    signature_services.delete_expected_signer(signature=expected)
    assert numbers(owner_client.get(URL, {"q": "ожидаемый"})) == []
    assert found_names(owner_client, "") == [("OC-1", "")]

    SignatureFactory(
        contract=contract, client_name="Подписавший Два", signed_at=timezone.now()
    )
    assert found_names(owner_client, "подписавший") == [("OC-1", "Подписавший Два")]


def found_names(client, query) -> list[tuple[str, str]]:
    rows = client.get(URL, {"q": query}).context["rows"]
    return [(row.number, row.client_name) for row in rows]


@pytest.mark.django_db
def test_values_from_the_database_are_escaped(owner_client, company):
    template = TemplateFactory(company=company, name='Шаблон "A" & <b>B</b>')
    contract = ContractFactory(
        company=company, template=template, number="<i>OC</i>-'1'"
    )
    SignatureFactory(contract=contract, client_name="<script>alert(1)</script>")

    body = owner_client.get(URL).content.decode()

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<i>OC</i>" not in body
    assert "&lt;i&gt;OC&lt;/i&gt;-&#x27;1&#x27;" in body
    assert "Шаблон &quot;A&quot; &amp; &lt;b&gt;B&lt;/b&gt;" in body
    assert f'<a href="{contract.pk}/">' in body


def make_matches(company, count: int) -> None:
    template = TemplateFactory(company=company)
    for n in range(count):
        contract = ContractFactory(company=company, template=template, number=f"M{n}")
        SignatureFactory(contract=contract, client_name="Частый Клиент")


@pytest.mark.django_db
def test_a_frequent_search_term_counts_up_to_the_cap(
    owner_client, company, monkeypatch
):
    monkeypatch.setattr("contracts.search.SEARCH_COUNT_CAP", 25)
    make_matches(company, 60)

    def page(number):
        return owner_client.get(URL, {"q": "частый", "page": number})

    first, second, third = page(1), page(2), page(3)

    # Past the cap the count is not known: the page says so and goes on.
    assert numbers(first) == [f"M{n}" for n in range(59, 34, -1)]
    assert 'data-testid="capped-count"' in first.content.decode()
    assert first.context["page"].paginator.capped
    assert first.context["page"].has_next()
    assert numbers(second) == [f"M{n}" for n in range(34, 9, -1)]
    assert second.context["page"].has_next()
    # The counting reaches the page asked for, so the last one is exact.
    assert numbers(third) == [f"M{n}" for n in range(9, -1, -1)]
    assert not third.context["page"].paginator.capped
    assert third.context["page"].paginator.count == 60
    assert not third.context["page"].has_next()


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ru", "совпадений больше 25"),
        ("kk", "сәйкестіктер 25-ден көп"),
        ("en", "more than 25 match"),
    ],
)
@pytest.mark.django_db
def test_the_capped_count_is_said_in_each_language(
    owner_client, company, monkeypatch, language, text
):
    monkeypatch.setattr("contracts.search.SEARCH_COUNT_CAP", 25)
    make_matches(company, 30)

    response = owner_client.get(URL, {"q": "частый"}, HTTP_ACCEPT_LANGUAGE=language)

    assert text in response.content.decode()


@pytest.mark.django_db
def test_a_rare_search_term_needs_no_count(owner_client, company):
    make_matches(company, 30)
    contract = ContractFactory(company=company, number="RARE")
    SignatureFactory(contract=contract, client_name="Редкий Клиент")

    # The session, the user with its company, the page's rows: a first page
    # with room to spare is its own count.
    assert count_queries(owner_client, URL + "?q=редкий") == 3
    response = owner_client.get(URL, {"q": "редкий"})
    assert numbers(response) == ["RARE"]
    assert response.context["page"].paginator.count == 1


@pytest.mark.parametrize(
    ("language", "error"),
    [
        ("ru", "Сократите поиск до 100 символов."),
        ("kk", "Іздеуді 100 таңбаға дейін қысқартыңыз."),
        ("en", "Shorten the search to 100 characters or fewer."),
    ],
)
@pytest.mark.django_db
def test_a_too_long_search_is_refused_and_kept_in_the_box(
    owner_client, company, language, error
):
    ContractFactory(company=company, number="OC-1")
    term = "Иванов <b>" + "я" * 100

    response = owner_client.get(URL, {"q": term}, HTTP_ACCEPT_LANGUAGE=language)

    body = response.content.decode()
    assert response.status_code == 200
    assert numbers(response) == []
    assert f'value="Иванов &lt;b&gt;{"я" * 100}"' in body
    assert "<b>" not in body
    assert f'data-testid="search-error">{error}</div>' in body
    assert 'class="form-control is-invalid"' in body


@pytest.mark.parametrize(
    ("language", "error"),
    [
        ("ru", "Введите поиск заново, без управляющих символов."),
        ("kk", "Іздеуді басқару таңбаларынсыз қайта енгізіңіз."),
        ("en", "Type the search again without control characters."),
    ],
)
@pytest.mark.django_db
def test_a_search_with_a_null_character_is_refused(
    owner_client, company, language, error
):
    contract = ContractFactory(company=company, number="OC-1")
    SignatureFactory(contract=contract, client_name="Иванов Иван")

    response = owner_client.get(URL + "?q=Иванов%00", HTTP_ACCEPT_LANGUAGE=language)

    body = response.content.decode()
    assert response.status_code == 200
    assert numbers(response) == []
    assert 'value="Иванов"' in body
    assert "\x00" not in body
    assert f'data-testid="search-error">{error}</div>' in body


@pytest.mark.django_db
def test_a_refused_search_keeps_the_status_and_says_why_nothing_is_listed(
    owner_client, company
):
    ContractFactory(company=company, number="OC-1", status="signed")

    response = owner_client.get(
        URL, {"q": "x" * 101, "status": "signed"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    body = response.content.decode()
    assert numbers(response) == []
    assert '<option value="signed" selected>' in body
    assert "Correct the search to list contracts." in body
    assert "No contracts yet" not in body


@pytest.mark.django_db
def test_a_search_of_exactly_100_characters_still_runs(owner_client, company):
    ContractFactory(company=company, number="OC-1")

    response = owner_client.get(URL, {"q": "я" * 100}, HTTP_ACCEPT_LANGUAGE="en")

    body = response.content.decode()
    assert numbers(response) == []
    assert "No contract matches." in body
    assert 'data-testid="search-error"' not in body
