"""What the bench scripts share: timing, serving over HTTP, seeding, databases.

Importing this module puts the project root on `sys.path`, so a script run as
`.venv/bin/python bench/<name>.py` can import the project's apps after it.
Not a benchmark itself: `bench/run.py` skips it.
"""

import contextlib
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Bench-Passw0rd!"


# --- timing -------------------------------------------------------------------


def timed(action: Callable[[], object]) -> float:
    """Return how long `action()` took, in seconds."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_seconds(action: Callable[[], object], *, runs: int) -> float:
    return statistics.median(timed(action) for _ in range(runs))


def median_ms(action: Callable[[], object], *, runs: int) -> float:
    return median_seconds(action, runs=runs) * 1000


def alternating_medians_ms(
    first: Callable[[], object], second: Callable[[], object], *, runs: int
) -> tuple[float, float]:
    """Time `first` then `second`, `runs` times over; return both medians in ms.

    Alternating keeps a busy machine (other processes share the cores) from
    favouring one side: a measured request and its floor see the same load.
    """
    firsts, seconds = [], []
    for _ in range(runs):
        firsts.append(timed(first))
        seconds.append(timed(second))
    return statistics.median(firsts) * 1000, statistics.median(seconds) * 1000


# --- HTTP ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """Send one request to 127.0.0.1:`port` on a new connection; return status, body.

    A new connection per request, as gunicorn's sync worker closes each one.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def http_status(port: int, path: str, **headers: str) -> int:
    """GET `path`; return the status, or 0 when nothing answers (yet)."""
    try:
        return http_request(port, "GET", path, headers=headers)[0]
    except OSError:
        return 0


def served_env() -> dict[str, str]:
    """Environment serving this process's database as production would (DEBUG off).

    The same SECRET_KEY, so sessions and tokens made in this process hold.
    """
    from django.conf import settings
    from django.db import connection

    return {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DEBUG": "False",
        "SECRET_KEY": settings.SECRET_KEY,
        "SECURE_SSL_REDIRECT": "False",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
    }


@contextlib.contextmanager
def gunicorn(*, env: dict[str, str], log=None) -> Iterator[int]:
    """Serve the project from one gunicorn sync worker on a free port; yield it.

    `log` (a binary file) takes the server's output; by default it is this
    process's. The server is stopped on the way out.
    """
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "ozgecontract.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while http_status(port, "/healthz") != 200:
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start within 30 s")
            time.sleep(0.2)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


# --- databases ----------------------------------------------------------------


def database_url(settings_dict) -> str:
    """The DATABASE_URL naming the database of Django's `settings_dict`."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


@contextlib.contextmanager
def scratch_database(workdir: Path) -> Iterator[None]:
    """Create Django's `test_` database for the run and destroy it after.

    On SQLite it is a file in `workdir`, not memory: a gunicorn worker must
    see the same rows.
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(workdir / "bench.sqlite3")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def analyze() -> None:
    """Gather planner statistics, as a live database has them after a bulk load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- data ---------------------------------------------------------------------


def create_owner(*, company, email: str):
    from companies.models import User

    return User.objects.create_user(
        email=email, password=PASSWORD, company=company, role=User.Role.OWNER
    )


def bulk_contracts(
    *,
    template,
    count: int,
    number: str,
    signed_at: Callable[[int], object],
    client_name: Callable[[int, object], str],
    method: Callable[[int], str] | None = None,
    expected_signers: bool = False,
) -> list:
    """Bulk-create `count` contracts of `template`'s company and their signatures.

    Contract n is numbered `number.format(n)` and is signed at `signed_at(n)`,
    or pending when that is None. Each signed contract gets its signature;
    with `expected_signers`, each pending one gets its expected signer too.
    bulk_create skips the services that keep the statistics counters and the
    signal that keeps each contract's signer name: both are redone here.
    """
    from django.db import transaction

    from contracts.models import Contract, refresh_signers
    from signatures.models import Signature
    from stats.services import recount_companies

    company = template.company
    times = [signed_at(n) for n in range(count)]
    contracts = Contract.objects.bulk_create(
        Contract(
            company=company,
            template=template,
            number=number.format(n),
            status=Contract.Status.SIGNED if when else Contract.Status.PENDING,
            signed_at=when,
        )
        for n, when in enumerate(times)
    )
    signed = [
        (n, contract)
        for n, contract in enumerate(contracts)
        if contract.signed_at or expected_signers
    ]
    Signature.objects.bulk_create(
        Signature(
            contract=contract,
            client_name=client_name(n, contract),
            client_iin="850615300129",
            client_phone="+77011234567",
            method=method(n) if method else Signature.Method.SMS,
            signed_at=contract.signed_at,
        )
        for n, contract in signed
    )
    with transaction.atomic():
        recount_companies(company_ids=[company.pk])
        refresh_signers(contract_ids=[contract.pk for _, contract in signed])
    return contracts
