"""`make bench`: time the API on a real server, then run every other bench script.

The API part starts gunicorn on a free 127.0.0.1 port against a throwaway
database (an SQLite file in a temporary folder, or, when DATABASE_URL names a
PostgreSQL server, Django's `test_<name>` database, dropped after),
seeds one company with 10,000 contracts, and prints the median time of:

- GET /contracts/token/{token}, GET /contracts/company/{id} (100 rows),
  GET /stats/company/{id}, each next to the floor GET /api/ping;
- the whole POST /signatures/sign (certificate and signed PDF included) next
  to the time WeasyPrint alone takes to render the same certificate.

Targets (issue 2): reads within 3x the floor, statistics within 5x, signing
within 1.5x the certificate render. The script reports; it never asserts.
Every request opens a new connection (gunicorn's sync worker closes them), so
the floor and the measured requests pay the same network cost.
"""

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import (
    PASSWORD,
    ROOT,
    alternating_medians_ms,
    analyze,
    bulk_contracts,
    create_owner,
    gunicorn,
    http_request,
    scratch_database,
    served_env,
)

CONTRACTS = 10_000
READ_RUNS = 40
SIGN_RUNS = 9  # the first signing warms up (platform seal key, fonts) and is dropped
TARGETS = {"read": 3.0, "stats": 5.0, "sign": 1.5}


# --- requests -----------------------------------------------------------------


def request(port, method, path, *, body=None, token=None) -> tuple[int, bytes]:
    headers = {"User-Agent": "ozgecontract-bench"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps(body).encode() if body is not None else None
    return http_request(port, method, path, body=payload, headers=headers)


def median_vs_floor(port, path, *, token=None, runs=READ_RUNS):
    """Return the medians (ms) of GET `path` and of the floor, and the status.

    The two alternate, so both see the same machine load (other processes
    share the cores while the benchmark runs).
    """
    statuses = []

    def measured():
        statuses.append(request(port, "GET", path, token=token)[0])

    def floor():
        request(port, "GET", "/api/ping")

    measured()
    floor()
    floor_ms, value_ms = alternating_medians_ms(floor, measured, runs=runs)
    return value_ms, floor_ms, statuses[-1]


# --- data ---------------------------------------------------------------------


def seed(sign_runs: int):
    """Create a company with 10,000 contracts and `sign_runs` contracts to sign."""
    from django.utils import timezone

    from billing.models import CompanyBalance
    from contracts.models import Contract
    from ozgecontract.tests.factories import CompanyFactory, TemplateFactory
    from signatures import services
    from stats.services import recount_companies

    company = CompanyFactory(name="ТОО «Бенчмарк»")
    CompanyBalance.objects.filter(company=company).update(sms_signatures=sign_runs)
    create_owner(company=company, email="bench@example.kz")
    template = TemplateFactory(company=company, name="Договор подряда")
    now = timezone.now()
    contracts = bulk_contracts(
        template=template,
        count=CONTRACTS,
        number="OC-B-{:05d}",
        signed_at=lambda n: now - timedelta(minutes=n) if n % 2 == 0 else None,
        client_name=lambda n, contract: f"Клиент {contract.number}",
    )
    to_sign = [
        Contract.objects.create(company=company, template=template, number=f"S-{n}")
        for n in range(sign_runs)
    ]
    # A contract's PDF is made when the contract is created, not when it is signed.
    for contract in to_sign:
        services.contract_document(contract=contract)
    # Created without the services, so the counters must count them too.
    recount_companies(company_ids=[company.pk])
    # A live database has planner statistics; a freshly bulk-loaded one not yet.
    analyze()
    return company, contracts[1], to_sign


def read_code(outbox: Path, before: set[Path]) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        new = set(outbox.glob("*.json")) - before
        if new:
            text = json.loads(new.pop().read_text(encoding="utf-8"))["text"]
            return re.search(r"\b(\d{6})\b", text).group(1)
        time.sleep(0.05)
    raise SystemExit("no SMS reached the file outbox")


def certificate_html(signature_id: int) -> str:
    from signatures.certificate import render_certificate_html
    from signatures.models import Signature

    signature = Signature.objects.select_related("contract__company").get(
        pk=signature_id
    )
    return render_certificate_html(signature=signature)


def time_signing(port, contracts, outbox: Path) -> tuple[list[float], list[float]]:
    """Sign each contract over HTTP, then render its certificate with WeasyPrint.

    Returns the sign POST times and the WeasyPrint times (ms), alternating so
    both see the same load; the first pair warms up and is dropped.
    """
    from ozgecontract.pdf import html_to_pdf

    signing, rendering = [], []
    for contract in contracts:
        token = str(contract.contract_token)
        before = set(outbox.glob("*.json"))
        status, body = request(
            port,
            "POST",
            "/signatures/otp",
            body={"contract_token": token, "client_phone": "+77011234567"},
        )
        if status != 202:
            raise SystemExit(f"POST /signatures/otp answered {status}: {body[:200]}")
        sign_body = {
            "contract_token": token,
            "client_name": "Иванов Иван",
            "client_iin": "850615300129",
            "client_phone": "+77011234567",
            "method": "sms",
            "otp_code": read_code(outbox, before),
        }
        start = time.perf_counter()
        status, body = request(port, "POST", "/signatures/sign", body=sign_body)
        signing.append((time.perf_counter() - start) * 1000)
        if status != 201:
            raise SystemExit(f"POST /signatures/sign answered {status}: {body[:200]}")

        html = certificate_html(json.loads(body)["id"])
        start = time.perf_counter()
        html_to_pdf(html)
        rendering.append((time.perf_counter() - start) * 1000)
    return signing[1:], rendering[1:]


def check_statistics(port, company_id: int, jwt: str) -> str:
    """Compare the statistics served (from counters) with counting the rows."""
    from django.utils import timezone

    from stats.tests.oracle import direct_counts

    served = json.loads(
        request(port, "GET", f"/stats/company/{company_id}", token=jwt)[1]
    )
    direct = direct_counts(company_id=company_id, now=timezone.now())
    served = {key: served[key] for key in direct}
    if served == direct:
        return f"statistics served equal the direct count: {served}"
    return f"statistics served DIFFER from the direct count: {served} != {direct}"


# --- report ---------------------------------------------------------------------


def row(label, value, base, target) -> str:
    if value is None:
        return f"{label:<40}{'n/a':>10}{'':>10}{'':>8}  endpoint not available"
    ratio = value / base
    verdict = "ok" if ratio <= target else "SLOWER than target"
    return (
        f"{label:<40}{value:>10.2f}{base:>10.2f}{ratio:>8.2f}  <= {target}x  {verdict}"
    )


def api_benchmark() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="ozgecontract-bench-"))
    outbox = workdir / "sms"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "ozgecontract.settings",
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "False",
            "MEDIA_ROOT": str(workdir / "media"),
            "STATIC_ROOT": str(workdir / "static"),
            "SMS_BACKEND": "file",
            "SMS_FILE_PATH": str(outbox),
            "LOG_LEVEL": "WARNING",
            # Production keeps database connections open between requests.
            "CONN_MAX_AGE": "60",
        }
    )
    import django

    django.setup()
    from django.db import connection, connections

    with scratch_database(workdir), (workdir / "server.log").open("wb") as log:
        started = time.perf_counter()
        company, token_contract, to_sign = seed(SIGN_RUNS)
        seeded = time.perf_counter() - started
        vendor = connection.vendor
        connections.close_all()

        with gunicorn(env=served_env(), log=log) as port:
            status, body = request(
                port,
                "POST",
                "/auth/token",
                body={"email": "bench@example.kz", "password": PASSWORD},
            )
            if status != 200:
                raise SystemExit(f"POST /auth/token answered {status}: {body[:200]}")
            jwt = json.loads(body)["access"]

            reads = [
                (
                    "GET /contracts/token/{token}",
                    f"/contracts/token/{token_contract.contract_token}",
                    None,
                    "read",
                ),
                (
                    "GET /contracts/company/{id} (100 rows)",
                    f"/contracts/company/{company.pk}",
                    jwt,
                    "read",
                ),
                (
                    f"GET /stats/company/{{id}} ({CONTRACTS:,})",
                    f"/stats/company/{company.pk}",
                    jwt,
                    "stats",
                ),
            ]
            measured = []
            for label, path, token, kind in reads:
                value, floor, status = median_vs_floor(port, path, token=token)
                measured.append((label, value if status == 200 else None, floor, kind))
            stats_check = check_statistics(port, company.pk, jwt)
            sign_times, render_times = time_signing(port, to_sign, outbox)
        connections.close_all()

    print(
        f"API on gunicorn (1 sync worker), {vendor}, {CONTRACTS:,} contracts "
        f"seeded in {seeded:.1f} s; medians of {READ_RUNS} reads, "
        f"{len(sign_times)} signings"
    )
    print(f"{'request':<40}{'ms':>10}{'base ms':>10}{'ratio':>8}  target")
    for label, value, floor, kind in measured:
        print(row(label, value, floor, TARGETS[kind]))
    print(
        row(
            "POST /signatures/sign (whole)",
            statistics.median(sign_times),
            statistics.median(render_times),
            TARGETS["sign"],
        )
    )
    print(
        "base: GET /api/ping for reads (alternating with each request); "
        "WeasyPrint rendering the same certificate alone for signing"
    )
    print(stats_check)


def other_benchmarks() -> None:
    """Run every other script in bench/ (documents, dashboard, signing page)."""
    for script in sorted(Path(__file__).parent.glob("*.py")):
        if script.name in {Path(__file__).name, "common.py"}:
            continue
        print(f"\n== bench/{script.name}", flush=True)
        subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False)


def main() -> int:
    print("== bench/run.py: the REST API", flush=True)
    # Each part runs in its own process: Django is configured once per process.
    subprocess.run([sys.executable, __file__, "--api"], cwd=ROOT, check=False)
    other_benchmarks()
    return 0


if __name__ == "__main__":
    if "--api" in sys.argv:
        api_benchmark()
        sys.exit(0)
    sys.exit(main())
