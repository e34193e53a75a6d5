"""Benchmark the signed-PDF seal: merge, PAdES-seal and verify a contract-sized PDF.

Run: `.venv/bin/python bench/documents_seal.py`. Prints the median of 5 runs of
each step; the target for sealing is under 0.2 s. Key material and files go to
a temporary MEDIA_ROOT, so the run leaves nothing behind.
"""

import io
import os
import sys
import tempfile

from common import median_seconds, timed
from pypdf import PdfReader

RUNS = 5
SEAL_TARGET_SECONDS = 0.2
CONTRACT_PAGES = 15

PARAGRAPH = (
    "Подрядчик обязуется выполнить ремонтные работы в соответствии с условиями "
    "настоящего договора, а Заказчик обязуется принять и оплатить их. "
    "Мердігер осы келісім-шарттың талаптарына сәйкес жөндеу жұмыстарын "
    "орындауға міндеттенеді. "
)


def sample_pdfs() -> tuple[bytes, bytes]:
    """Return a contract-like PDF (15 sections) and a certificate-like PDF."""
    from ozgecontract.pdf import html_to_pdf

    pages = "".join(
        f'<h2 style="page-break-before: always">{n}. Раздел</h2>'
        + f"<p>{PARAGRAPH * 12}</p>"
        for n in range(1, CONTRACT_PAGES + 1)
    )
    contract = html_to_pdf(f"<h1>Договор подряда № OC-00001</h1>{pages}")
    certificate = html_to_pdf(
        "<h1>Сертификат онлайн-подписания</h1>"
        + f"<p>{PARAGRAPH * 20}</p>"
        + '<h2 style="page-break-before: always">Журнал действий</h2>'
        + f"<p>{PARAGRAPH * 10}</p>"
    )
    return contract, certificate


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="oc-bench-seal-") as media_root:
        os.environ["MEDIA_ROOT"] = media_root
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ozgecontract.settings")
        import django

        django.setup()
        from signatures import sealing
        from signatures.signed_document import merge_pdfs

        contract, certificate = sample_pdfs()
        merged = merge_pdfs(contract, certificate, title="Договор OC-00001")

        first_use = timed(sealing.platform_seal)

        merge = median_seconds(lambda: merge_pdfs(contract, certificate), runs=RUNS)
        seal = median_seconds(lambda: sealing.seal_pdf(merged), runs=RUNS)
        sealed = sealing.seal_pdf(merged)
        verify = median_seconds(lambda: sealing.inspect_seal(sealed), runs=RUNS)
        both = median_seconds(
            lambda: sealing.seal_pdf(merge_pdfs(contract, certificate)), runs=RUNS
        )

    pages = len(PdfReader(io.BytesIO(sealed)).pages)
    print(f"signed PDF: {len(sealed) / 1024:.0f} KiB, {pages} pages")
    print(f"seal key generated and loaded once: {first_use:.3f} s")
    print(f"merge contract + certificate (median of {RUNS}): {merge:.3f} s")
    verdict = "OK" if seal < SEAL_TARGET_SECONDS else "SLOW"
    print(
        f"PAdES seal (median of {RUNS}): {seal:.3f} s "
        f"(target < {SEAL_TARGET_SECONDS} s: {verdict})"
    )
    print(f"merge + seal, the signed-PDF step (median of {RUNS}): {both:.3f} s")
    print(f"verify the seal (median of {RUNS}): {verify:.3f} s")
    return 0 if seal < SEAL_TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
