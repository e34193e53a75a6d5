"""Benchmark the dashboard's statistics page (/dashboard/) with 10,000 contracts.

Run: `.venv/bin/python bench/dashboard_stats.py` (a throwaway SQLite file), or
with `DATABASE_URL` set to run on that server (a `test_` database is created
and dropped). Prints medians next to the trivial floor `GET /api/ping`, twice:

- in process, through Django's test client (no network on either side);
- over HTTP, from a gunicorn worker on a free 127.0.0.1 port with
  `DEBUG=False`, a new connection per request as a browser's first visit.

The rows: the statistics page, `GET /stats/company/{id}` (the same numbers
over the API) and the chart's query alone. The page's target is within 4x.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

from common import (
    alternating_medians_ms,
    bulk_contracts,
    create_owner,
    gunicorn,
    http_status,
    median_ms,
    scratch_database,
    served_env,
)

CONTRACTS = 10_000
RUNS = 60
TARGET_RATIO = 4.0
PAGE = "/dashboard/"


def warm_median_ms(action) -> float:
    action()  # warm caches: templates, URL resolver, connection
    return median_ms(action, runs=RUNS)


def against_floor(action, floor) -> tuple[float, float]:
    """Time `action` and the floor alternately; return (its median, the floor's).

    Alternating keeps a drift in the machine's load from favouring either.
    """
    action()  # warm caches: templates, URL resolver, connection
    floor()
    return alternating_medians_ms(action, floor, runs=RUNS)


def seed():
    """Create one company with 10,000 contracts; half signed over the last 7 weeks."""
    from datetime import timedelta

    from django.utils import timezone

    from ozgecontract.tests.factories import CompanyFactory, TemplateFactory
    from signatures.models import Signature

    company = CompanyFactory()
    owner = create_owner(company=company, email="bench-stats@example.kz")
    now = timezone.now()
    bulk_contracts(
        template=TemplateFactory(company=company),
        count=CONTRACTS,
        number="OC-S-{:05d}",
        signed_at=lambda n: now - timedelta(minutes=7 * n) if n % 2 else None,
        client_name=lambda n, contract: f"Клиент {n}",
        method=lambda n: Signature.Method.ECP if n % 3 == 0 else Signature.Method.SMS,
    )
    return owner


def print_table(title: str, rows) -> None:
    """Print (label, median, floor) rows; each row was timed with its own floor."""
    print(title)
    print(
        f"{'request':<30}{'median ms':>10}{'floor ms':>10}{'x floor':>9}  target <= 4x"
    )
    for label, value, floor in rows:
        ratio = value / floor
        verdict = ""
        if label.startswith("statistics page"):
            verdict = "ok" if ratio <= TARGET_RATIO else "SLOWER than target"
        print(f"{label:<30}{value:>10.2f}{floor:>10.2f}{ratio:>9.2f}  {verdict}")
    print()


def in_process(owner, bearer: str) -> None:
    from django.test import Client

    from stats.charts import signatures_per_day

    def get(client, url, **headers):
        def action():
            response = client.get(url, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        return action

    client = Client()
    client.force_login(owner)
    floor = get(client, "/api/ping")
    api = get(Client(), f"/stats/company/{owner.company_id}", authorization=bearer)
    chart = warm_median_ms(lambda: signatures_per_day(company_id=owner.company_id))
    rows = [
        ("statistics page " + PAGE, *against_floor(get(client, PAGE), floor)),
        ("GET /stats/company/{id}", *against_floor(api, floor)),
        ("chart query alone", chart, warm_median_ms(floor)),
    ]
    print_table("In process (Django test client):", rows)


def over_http(owner, bearer: str, session_cookie: str) -> None:
    def get(url, **headers):
        def action():
            status = http_status(port, url, **headers)
            if status != 200:
                raise SystemExit(f"{url} answered {status} over HTTP")

        return action

    with gunicorn(env=served_env()) as port:
        cookie = f"sessionid={session_cookie}"
        floor = get("/api/ping")
        api = get(f"/stats/company/{owner.company_id}", Authorization=bearer)
        rows = [
            (
                "statistics page " + PAGE,
                *against_floor(get(PAGE, Cookie=cookie), floor),
            ),
            ("GET /stats/company/{id}", *against_floor(api, floor)),
        ]
        print_table("Over HTTP (gunicorn, 1 worker, DEBUG=False):", rows)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ozgecontract.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    # Not setup_test_environment(): it instruments template rendering, which
    # would slow the page but not the floor. The test client's host instead:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with (
        tempfile.TemporaryDirectory(prefix="oc-bench-stats-") as workdir,
        scratch_database(Path(workdir)),
    ):
        started = time.perf_counter()
        owner = seed()
        seeded = time.perf_counter() - started
        print(
            f"Dashboard statistics: {CONTRACTS:,} contracts on "
            f"{connection.vendor}, seeded in {seeded:.1f} s, median of {RUNS}\n"
        )
        bearer = f"Bearer {RefreshToken.for_user(owner).access_token}"
        login = Client()
        login.force_login(owner)
        session_cookie = login.cookies["sessionid"].value

        in_process(owner, bearer)
        connection.close()  # let the server's writes (sessions) go through
        over_http(owner, bearer, session_cookie)
    return 0


if __name__ == "__main__":
    sys.exit(main())
