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

import contextlib
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


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def medians_ms(action, floor, runs: int = RUNS) -> tuple[float, float]:
    """Time `action` and the floor alternately; return both medians in ms.

    Alternating keeps a busy machine from favouring one side.
    """
    action()  # warm caches: templates, URL resolver, connection
    floor()
    pages, floors = [], []
    for _ in range(runs):
        pages.append(timed(action))
        floors.append(timed(floor))
    return statistics.median(pages) * 1000, statistics.median(floors) * 1000


def seed():
    """Create one company with 10,000 contracts, half of them signed."""
    from django.db import connection, transaction
    from django.utils import timezone

    from companies.models import User
    from contracts.models import Contract, refresh_signers
    from ozgecontract.tests.factories import CompanyFactory, TemplateFactory
    from signatures.models import Signature

    company = CompanyFactory()
    owner = User.objects.create_user(
        email="bench-list@example.kz",
        password="Bench-Passw0rd!",
        company=company,
        role=User.Role.OWNER,
    )
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
    # bulk_create sends no signals: fill the list's signer columns as the
    # migration does for existing rows (one signature saved refreshes them).
    with transaction.atomic():
        refresh_signers(contract_ids=[contract.pk for contract in contracts])
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: without statistics the
        # planner sorts every row for a page of 25.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
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


def _database_url(settings_dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


@contextlib.contextmanager
def gunicorn():
    """Serve the project from one gunicorn worker; yield its port."""
    from django.conf import settings
    from django.db import connection

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "DEBUG": "False",
        # The session cookie was signed in this process.
        "SECRET_KEY": settings.SECRET_KEY,
        "SECURE_SSL_REDIRECT": "False",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
    }
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "ozgecontract.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while _get(port, "/healthz") != 200:
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start within 30 s")
            time.sleep(0.2)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _get(port: int, url: str, **headers) -> int:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
    except OSError:
        return 0
    return response.status


def over_http(session_cookie: str) -> None:
    from django.db import connection

    connection.close()  # the server writes sessions too
    with gunicorn() as port:

        def request(url):
            def action():
                status = _get(port, url, Cookie=f"sessionid={session_cookie}")
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

    workdir = tempfile.TemporaryDirectory(prefix="oc-bench-list-")
    if connection.vendor == "sqlite":
        # A file, not memory: the gunicorn worker must see the same rows.
        connection.settings_dict["TEST"]["NAME"] = str(
            Path(workdir.name) / "bench.sqlite3"
        )
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        started = time.perf_counter()
        owner = seed()
        seeded = time.perf_counter() - started
        print(
            f"Dashboard contract list: {CONTRACTS:,} contracts on "
            f"{connection.vendor}, seeded in {seeded:.1f} s, median of {RUNS}\n"
        )
        session_cookie = in_process(owner)
        over_http(session_cookie)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        workdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
