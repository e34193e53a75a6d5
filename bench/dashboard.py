"""Benchmark the dashboard's contract list page with 10,000 contracts.

Run: `.venv/bin/python bench/dashboard.py` (a throwaway SQLite file), or with
`DATABASE_URL` set to run on that server (a `test_` database is created and
dropped). Prints medians of the list page (plain, a far page, filtered,
searched) next to the trivial floor `GET /api/ping` and next to the cheapest
logged-in dashboard page, twice:

- in process, through Django's test client (no network on either side);
- over HTTP, from one gunicorn worker on a free 127.0.0.1 port with
  `DEBUG=False`, a new connection per request.

The floor is timed alternately with each page; the target is within 4x it.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

from common import (
    alternating_medians_ms,
    analyze,
    bulk_contracts,
    create_owner,
    gunicorn,
    http_status,
    scratch_database,
    served_env,
)

CONTRACTS = 10_000
RUNS = 60
TARGET_RATIO = 4.0
FLOOR = "/api/ping"
# The cheapest logged-in page: session, user and the dashboard layout only.
LAYOUT = "/accounts/password/change/done/"
PAGES = [
    ("contract list, page 1", "/dashboard/contracts/"),
    ("contract list, page 200", "/dashboard/contracts/?page=200"),
    ("status filter (signed)", "/dashboard/contracts/?status=signed"),
    ("search by client name", "/dashboard/contracts/?q=%D0%9A%D0%BB%D0%B8"),
    ("search by IIN", "/dashboard/contracts/?q=850615300129"),
]


def medians_ms(action, floor, runs: int = RUNS) -> tuple[float, float]:
    """Time `action` and the floor alternately; return both medians in ms."""
    action()  # warm caches: templates, URL resolver, connection
    floor()
    return alternating_medians_ms(action, floor, runs=runs)


def seed():
    """Create one company with 10,000 contracts, half of them signed."""
    from django.db import connection
    from django.utils import timezone

    from ozgecontract.tests.factories import CompanyFactory, TemplateFactory

    company = CompanyFactory()
    owner = create_owner(company=company, email="bench-list@example.kz")
    now = timezone.now()
    # Every pending contract names its expected signer, so each row of the
    # list has a client.
    bulk_contracts(
        template=TemplateFactory(company=company),
        count=CONTRACTS,
        number="OC-B-{:05d}",
        signed_at=lambda n: now if n % 2 else None,
        client_name=lambda n, contract: f"Клиент {n}",
        expected_signers=True,
    )
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: without statistics the
        # planner sorts every row for a page of 25.
        analyze()
    return owner


def print_table(title: str, request) -> None:
    """Print the medians of each page; `request(url)` makes one request."""
    floor_action = request(FLOOR)
    layout, floor = medians_ms(request(LAYOUT), floor_action)
    print(title)
    print(f"{'request':<28}{'median ms':>10}{'x floor':>9}{'x layout':>10}  target")
    print(f"{'GET /api/ping (floor)':<28}{floor:>10.2f}{1:>9.2f}")
    print(f"{'bare dashboard layout':<28}{layout:>10.2f}{layout / floor:>9.2f}")
    for label, url in PAGES:
        value, floor = medians_ms(request(url), floor_action)
        ratio = value / floor
        verdict = "ok" if ratio <= TARGET_RATIO else "SLOWER than 4x"
        print(
            f"{label:<28}{value:>10.2f}{ratio:>9.2f}{value / layout:>10.2f}  {verdict}"
        )
    print()


def in_process(owner) -> None:
    from django.test import Client

    # No setup_test_environment(): its instrumented template rendering would
    # slow the pages and not the floor. The host is one ALLOWED_HOSTS accepts.
    client = Client(HTTP_HOST="localhost")
    client.force_login(owner)

    def request(url):
        def action():
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        return action

    print_table("In process (Django test client):", request)
    return client.cookies["sessionid"].value


def over_http(session_cookie: str) -> None:
    from django.db import connection

    connection.close()  # the server writes sessions too
    with gunicorn(env=served_env()) as port:

        def request(url):
            def action():
                status = http_status(port, url, Cookie=f"sessionid={session_cookie}")
                if status != 200:
                    raise SystemExit(f"{url} answered {status} over HTTP")

            return action

        print_table("Over HTTP (gunicorn, 1 worker, DEBUG=False):", request)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ozgecontract.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection

    with (
        tempfile.TemporaryDirectory(prefix="oc-bench-list-") as workdir,
        scratch_database(Path(workdir)),
    ):
        started = time.perf_counter()
        owner = seed()
        seeded = time.perf_counter() - started
        print(
            f"Dashboard contract list: {CONTRACTS:,} contracts on "
            f"{connection.vendor}, seeded in {seeded:.1f} s, median of {RUNS}\n"
        )
        session_cookie = in_process(owner)
        over_http(session_cookie)
    return 0


if __name__ == "__main__":
    sys.exit(main())
