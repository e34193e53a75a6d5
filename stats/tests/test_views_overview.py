"""The dashboard home: /dashboard/ (statistics, chart, last signed contracts).

Factories write rows without the services that keep the counters, so each
test recounts before reading (see `test_counters`).
"""

import json
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import Contract
from ozgecontract.tests.factories import ContractFactory, SignatureFactory
from stats.charts import ALMATY
from stats.services import recount_companies

URL = "/dashboard/"


def sign(company, when, *, method="sms", client_name="Иванов Иван"):
    contract = ContractFactory(
        company=company, status=Contract.Status.SIGNED, signed_at=when
    )
    SignatureFactory(
        contract=contract, signed_at=when, method=method, client_name=client_name
    )
    return contract


def chart_of(response) -> dict:
    match = re.search(
        r'<script id="signature-chart-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def almaty_midnight_today() -> datetime:
    today = timezone.now().astimezone(ALMATY).date()
    return datetime.combine(today, time.min, ALMATY)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/"


def test_platform_admin_is_sent_to_django_admin(client, admin):
    client.force_login(admin)

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_empty_company_sees_zeros_and_no_chart(client, member):
    client.force_login(member)

    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="stats-total-signed">0<' in page
    assert 'data-testid="chart-empty"' in page
    assert 'id="signatures-per-day"' not in page
    assert 'data-testid="last-signed-empty"' in page
    chart = chart_of(response)
    assert len(chart["labels"]) == 30
    assert [d["total"] for d in chart["datasets"]] == [0, 0]


def test_owner_sees_numbers_chart_and_last_signed_contracts(client, owner):
    now = timezone.now()
    # Both today in Almaty, even in the first minutes after its midnight.
    today = almaty_midnight_today()
    signed = sign(
        owner.company,
        max(now - timedelta(minutes=5), today),
        client_name="Сәрсенов Асқар",
    )
    sign(owner.company, max(now - timedelta(minutes=10), today), method="ecp")
    ContractFactory(company=owner.company)  # awaiting signature
    recount_companies()
    client.force_login(owner)

    response = client.get(URL)

    assert response.status_code == 200
    stats = response.context["stats"]
    assert (stats["total_signed"], stats["active_contracts"]) == (2, 1)
    page = response.content.decode()
    assert 'data-testid="stats-total-signed">2<' in page
    assert 'data-testid="stats-active">1<' in page
    assert 'id="signatures-per-day"' in page
    assert "/static/vendor/chartjs-4.6.1/chart.umd.min.js" in page
    assert "/static/js/stats.js" in page
    assert "Сәрсенов Асқар" in page
    assert f'href="/dashboard/contracts/{signed.pk}/">{signed.number}</a>' in page
    local = signed.signed_at.astimezone(ALMATY)
    assert local.strftime("%d.%m.%Y, %H:%M") in page

    chart = chart_of(response)
    today = now.astimezone(ALMATY).strftime("%d.%m.%Y")
    assert chart["labels"][-1] == today
    assert chart["datasets"] == [
        {
            "method": "sms",
            "label": "SMS-код",
            "data": [0] * 29 + [1],
            "total": 1,
        },
        {
            "method": "ecp",
            "label": "ЭЦП",
            "data": [0] * 29 + [1],
            "total": 1,
        },
    ]


def test_chart_splits_days_at_almaty_midnight(client, owner):
    midnight = almaty_midnight_today()
    sign(owner.company, midnight - timedelta(seconds=1))  # yesterday 23:59:59
    sign(owner.company, midnight)  # today 00:00:00
    sign(owner.company, midnight + timedelta(seconds=1), method="ecp")
    recount_companies()
    client.force_login(owner)

    chart = chart_of(client.get(URL))

    sms, ecp = chart["datasets"]
    assert sms["data"][-2:] == [1, 1]
    assert ecp["data"][-2:] == [0, 1]
    assert chart["labels"][-2:] == [
        (midnight - timedelta(days=1)).strftime("%d.%m.%Y"),
        midnight.strftime("%d.%m.%Y"),
    ]


def test_chart_counts_only_this_companys_completed_signatures(client, owner, outsider):
    now = timezone.now()
    sign(owner.company, now)
    sign(outsider.company, now)
    # An expected signer who has not signed yet is not a signature.
    SignatureFactory(contract=ContractFactory(company=owner.company), signed_at=None)
    recount_companies()
    client.force_login(owner)

    response = client.get(URL)

    assert [d["total"] for d in chart_of(response)["datasets"]] == [1, 0]
    assert response.context["stats"]["total_signed"] == 1


def test_labels_are_translated(client, owner):
    client.force_login(owner)
    client.cookies["django_language"] = "kk"

    response = client.get(URL)

    assert [d["label"] for d in chart_of(response)["datasets"]] == [
        "SMS коды",
        "ЭЦҚ",
    ]
    assert "Қол қойылған келісім-шарттар" in response.content.decode()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_query_count_is_the_same_for_1_and_50_signed_contracts(client, owner):
    client.force_login(owner)
    now = timezone.now()
    sign(owner.company, now)
    recount_companies()
    with_one = _queries(client)

    for hours in range(1, 50):
        sign(owner.company, now - timedelta(hours=hours * 7), method="ecp")
    recount_companies()

    assert _queries(client) == with_one


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_page_answers_in_each_language(client, owner, language):
    client.force_login(owner)
    client.cookies["django_language"] = language

    response = client.get(URL)

    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


def test_dates_are_shown_in_almaty_time(client, owner):
    sign(owner.company, datetime(2024, 12, 31, 19, 15, tzinfo=UTC))
    recount_companies()
    client.force_login(owner)

    page = client.get(URL).content.decode()

    assert "01.01.2025, 00:15" in page
