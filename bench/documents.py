"""Benchmark the contract PDF: the sample template rendered with each converter.

Run: `.venv/bin/python bench/documents.py` (also run by `make bench`). Prints,
for the 15-page sample template filled with Russian and Kazakh values, the
median of 5 runs of:

- the `html` converter (docxtpl render + mammoth + WeasyPrint); target < 1.5 s;
- the `libreoffice` converter reusing its running office; target < 0.5x a cold
  `soffice --convert-to pdf` of the same DOCX, measured in the same run (a new
  office process each time, with an existing profile, so the baseline is the
  fastest a cold start gets).

Nothing is written outside a temporary folder; the office started here is
stopped at the end.
"""

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import ROOT, median_seconds, timed

RUNS = 5
HTML_TARGET_SECONDS = 1.5
LIBREOFFICE_TARGET_RATIO = 0.5
SAMPLE = ROOT / "templates_app" / "samples" / "repair-works-contract.docx"
VALUES = {
    "work": "капитальному ремонту кровли учебного корпуса",
    "company_work": "ТОО «Құрылыс Сервис»",
    "company_work_schief": "директора Әлиева Ғалымжана Қайратұлы",
    "summ": "1 250 000",
    "nds": "без НДС",
    "ist_fin": "республиканский бюджет",
    "company_work_ua": "г. Алматы, ул. Абая, 10",
    "company_work_fa": "г. Алматы, ул. Сәтбаев, 22",
    "company_work_phone": "+77011234567",
    "company_work_inn": "940140000385",
    "company_work_kpp": "—",
    "company_work_ogrn": "—",
    "company_work_rs": "KZ12345678901234567",
    "company_work_bank": "АО «Қазкоммерцбанк»",
    "company_work_ks": "—",
    "company_work_bik": "KZKOKZKX",
    "company_work_okpo": "—",
    "company_work_mail": "info@qurylys.kz",
    "company_work_schief_sm": "Ғ.Қ. Әлиев",
    "work_name": "Өңделген жұмыстар тізімі",
}


def median_cpu_seconds(action, runs: int = RUNS) -> float:
    """CPU time of this process: what the html converter costs on an idle machine."""
    timings = []
    for _ in range(runs):
        start = time.process_time()
        action()
        timings.append(time.process_time() - start)
    return statistics.median(timings)


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def cold_soffice(docx: bytes, workdir: Path, profile: Path) -> None:
    """Convert once with a new `soffice` process, as a shell script would."""
    source = workdir / "contract.docx"
    source.write_bytes(docx)
    outdir = workdir / "cold-out"
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            os.environ.get("SOFFICE_PATH", "soffice"),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    if not (outdir / "contract.pdf").is_file():
        raise RuntimeError("the cold soffice run produced no PDF")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="ozgecontract-bench-documents-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ozgecontract.settings")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from contracts.documents import render_pdf
    from contracts.documents.converters import get_converter
    from contracts.documents.converters.libreoffice import stop_office
    from contracts.documents.docx import render_docx

    template = SAMPLE.read_bytes()
    try:
        render_pdf(template, VALUES, converter="html")  # fonts and imports warm up
        docx = render_docx(template, VALUES)
        render_only = median_seconds(lambda: render_docx(template, VALUES), runs=RUNS)
        html = median_seconds(
            lambda: render_pdf(template, VALUES, converter="html"), runs=RUNS
        )
        html_cpu = median_cpu_seconds(
            lambda: render_pdf(template, VALUES, converter="html")
        )
        print(f"sample template: {len(VALUES)} placeholders, median of {RUNS} runs")
        print(f"  docxtpl render alone          {render_only:7.3f} s")
        verdict = "ok" if html < HTML_TARGET_SECONDS else "MISSED"
        print(
            f"  html converter (render + PDF) {html:7.3f} s"
            f"   target < {HTML_TARGET_SECONDS} s: {verdict}"
        )
        print(f"  html converter, CPU time      {html_cpu:7.3f} s   (load: {load()})")

        if shutil.which(os.environ.get("SOFFICE_PATH", "soffice")) is None:
            print("  libreoffice: soffice is not installed, skipped")
            return
        converter = get_converter("libreoffice")
        first = timed(lambda: converter.convert(docx))
        warm = median_seconds(lambda: converter.convert(docx), runs=RUNS)
        stop_office()
        profile = workdir / "cold-profile"
        first_cold = timed(lambda: cold_soffice(docx, workdir, profile))
        cold = median_seconds(lambda: cold_soffice(docx, workdir, profile), runs=RUNS)
        ratio = warm / cold
        verdict = "ok" if ratio < LIBREOFFICE_TARGET_RATIO else "MISSED"
        print(f"  libreoffice, first (starts the office)   {first:7.3f} s")
        print(f"  libreoffice, reusing the running office  {warm:7.3f} s")
        print(f"  cold soffice --convert-to pdf, new profile {first_cold:7.3f} s")
        print(f"  cold soffice --convert-to pdf            {cold:7.3f} s")
        print(
            f"  reuse / cold = {ratio:.2f}x   target < {LIBREOFFICE_TARGET_RATIO}x: "
            f"{verdict}"
        )
        print(f"  libreoffice end to end (render + PDF) ~ {render_only + warm:7.3f} s")
    finally:
        stop_office()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
