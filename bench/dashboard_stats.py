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

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONTRACTS = 10_000
RUNS = 30
TARGET_RATIO = 4.0
PAGE = "/dashboard/"


def median_ms(action, runs: int = RUNS) -> float:
    action()  # warm caches: templates, URL resolver, connection
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def seed():
    """Create one company with 10,000 contracts; half signed over the last 7 weeks."""
    from datetime import timedelta

    from django.utils import timezone

    from companies.models import User
    from contracts.models import Contract, refresh_signers
    from ozgecontract.tests.factories import CompanyFactory, TemplateFactory
    from signatures.models import Signature
    from stats.services import recount_companies

    company = CompanyFactory()
    owner = User.objects.create_user(
        email="bench-stats@example.kz",
        password="Bench-Passw0rd!",
        company=company,
        role=User.Role.OWNER,
    )
    template = TemplateFactory(company=company)
    now = timezone.now()

    def signed_at(n):
        return now - timedelta(minutes=7 * n) if n % 2 else None

    contracts = Contract.objects.bulk_create(
        Contract(
            company=company,
            template=template,
            number=f"OC-S-{n:05d}",
            status=Contract.Status.SIGNED if n % 2 else Contract.Status.PENDING,
            signed_at=signed_at(n),
        )
        for n in range(CONTRACTS)
    )
    Signature.objects.bulk_create(
        Signature(
            contract=contract,
            client_name=f"Клиент {n}",
            client_iin="850615300129",
            client_phone="+77011234567",
            method=Signature.Method.ECP if n % 3 == 0 else Signature.Method.SMS,
            signed_at=contract.signed_at,
        )
        for n, contract in enumerate(contracts)
        if contract.signed_at
    )
    # bulk_create skips the services that keep the statistics counters and
    # the signal that keeps each contract's signer name.
    recount_companies(company_ids=[company.pk])
    refresh_signers(
        contract_ids=[contract.pk for contract in contracts if contract.signed_at]
    )
    return owner


def print_table(title: str, floor: float, rows) -> None:
    print(title)
    print(f"{'request':<30}{'median ms':>10}{'x floor':>9}  target <= 4x")
    print(f"{'GET /api/ping (floor)':<30}{floor:>10.2f}{1:>9.2f}")
    for label, value in rows:
        ratio = value / floor
        verdict = ""
        if label.startswith("statistics page"):
            verdict = "ok" if ratio <= TARGET_RATIO else "SLOWER than target"
        print(f"{label:<30}{value:>10.2f}{ratio:>9.2f}  {verdict}")
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
    floor = median_ms(get(client, "/api/ping"))
    rows = [
        ("statistics page " + PAGE, median_ms(get(client, PAGE))),
        (
            "GET /stats/company/{id}",
            median_ms(
                get(
                    Client(),
                    f"/stats/company/{owner.company_id}",
                    authorization=bearer,
                )
            ),
        ),
        (
            "chart query alone",
            median_ms(lambda: signatures_per_day(company_id=owner.company_id)),
        ),
    ]
    print_table("In process (Django test client):", floor, rows)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(settings_dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def over_http(owner, bearer: str, session_cookie: str) -> None:
    from django.conf import settings
    from django.db import connection

    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "DEBUG": "False",
        # The session and the token were signed in this process.
        "SECRET_KEY": settings.SECRET_KEY,
        "SECURE_SSL_REDIRECT": "False",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "ozgecontract.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )

    def get(url, **headers):
        def action():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                raise SystemExit(f"{url} answered {response.status} over HTTP")

        return action

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get("/healthz")()
                break
            except (ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start within 30 s") from None
                time.sleep(0.2)

        cookie = f"sessionid={session_cookie}"
        floor = median_ms(get("/api/ping"))
        rows = [
            ("statistics page " + PAGE, median_ms(get(PAGE, Cookie=cookie))),
            (
                "GET /stats/company/{id}",
                median_ms(
                    get(f"/stats/company/{owner.company_id}", Authorization=bearer)
                ),
            ),
        ]
        print_table("Over HTTP (gunicorn, 1 worker, DEBUG=False):", floor, rows)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ozgecontract.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from rest_framework_simplejwt.tokens import RefreshToken

    workdir = tempfile.TemporaryDirectory(prefix="oc-bench-stats-")
    if connection.vendor == "sqlite":
        # A file, not memory: the gunicorn worker must see the same rows.
        connection.settings_dict["TEST"]["NAME"] = str(
            Path(workdir.name) / "bench.sqlite3"
        )

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
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
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        workdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
