"""Benchmark the dashboard's contract list page with 10,000 contracts.

Run: `.venv/bin/python bench/dashboard.py` (SQLite in memory), or with
`DATABASE_URL` set to run on that server (a `test_` database is created and
dropped). Prints the median time of the list page, plain, filtered and
searched, next to the trivial floor `GET /api/ping`; the target is within 4x.
Requests go through Django's test client: both sides skip the network alike.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONTRACTS = 10_000
RUNS = 30
TARGET_RATIO = 4.0


def median_ms(client, url: str, runs: int = RUNS) -> float:
    client.get(url)  # warm caches: templates, URL resolver, connection
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return statistics.median(timings) * 1000


def seed():
    """Create one company with 10,000 contracts, half of them signed."""
    from django.utils import timezone

    from companies.models import User
    from contracts.models import Contract
    from ozgecontract.tests.factories import CompanyFactory, TemplateFactory
    from signatures.models import Signature

    company = CompanyFactory()
    owner = User.objects.create_user(
        email="bench@example.kz", password="Bench-Passw0rd!", company=company
    )
    owner.role = User.Role.OWNER
    owner.save()
    template = TemplateFactory(company=company)
    now = timezone.now()
    contracts = Contract.objects.bulk_create(
        Contract(
            company=company,
            template=template,
            number=f"OC-B-{n:05d}",
            status=Contract.Status.SIGNED if n % 2 else Contract.Status.PENDING,
            signed_at=now if n % 2 else None,
        )
        for n in range(CONTRACTS)
    )
    Signature.objects.bulk_create(
        Signature(
            contract=contract,
            client_name=f"Клиент {n}",
            client_iin="850615300129",
            client_phone="+77011234567",
            method=Signature.Method.SMS,
            signed_at=contract.signed_at,
        )
        for n, contract in enumerate(contracts)
    )
    return owner


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ozgecontract.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    # No setup_test_environment(): its instrumented template rendering would
    # slow the page and not the floor. The host is one ALLOWED_HOSTS accepts.
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        started = time.perf_counter()
        owner = seed()
        seeded = time.perf_counter() - started

        client = Client(HTTP_HOST="localhost")
        client.force_login(owner)
        floor = median_ms(client, "/api/ping")
        rows = [
            ("contract list, page 1", "/dashboard/contracts/"),
            ("contract list, page 200", "/dashboard/contracts/?page=200"),
            ("status filter (signed)", "/dashboard/contracts/?status=signed"),
            ("search by client name", "/dashboard/contracts/?q=%D0%9A%D0%BB%D0%B8"),
            ("search by IIN", "/dashboard/contracts/?q=850615300129"),
        ]
        print(
            f"Dashboard contract list: {CONTRACTS:,} contracts on "
            f"{connection.vendor}, seeded in {seeded:.1f} s, median of {RUNS}"
        )
        print(f"{'request':<28}{'median ms':>10}{'x floor':>9}  target <= 4x")
        print(f"{'GET /api/ping (floor)':<28}{floor:>10.2f}{1:>9.2f}")
        for label, url in rows:
            value = median_ms(client, url)
            ratio = value / floor
            verdict = "ok" if ratio <= TARGET_RATIO else "SLOWER than target"
            print(f"{label:<28}{value:>10.2f}{ratio:>9.2f}  {verdict}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
