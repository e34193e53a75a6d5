"""The document pipeline: DOCX template + values -> sandboxed render -> PDF.

Both converters are exercised on the real sample template and on templates
written here. The LibreOffice tests need `soffice` (CI installs it).
"""

import io
import os
import shutil
import stat
import sys

import pytest
from django.utils import translation
from pypdf import PdfReader

from contracts.documents import ConversionError, render_pdf
from contracts.documents.converters import get_converter
from contracts.documents.converters import libreoffice as lo
from contracts.documents.docx import render_docx
from templates_app.tests import docx_builders as build

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed; CI installs it",
)
BOTH = ["html", pytest.param("libreoffice", marks=needs_soffice)]

SAMPLE_VALUES = {
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
    "company_work_kpp": "КПП-0001",
    "company_work_ogrn": "ОГРН-7777",
    "company_work_rs": "KZ12345678901234567",
    "company_work_bank": "АО «Қазкоммерцбанк»",
    "company_work_ks": "КС-3010",
    "company_work_bik": "KZKOKZKX",
    "company_work_okpo": "ОКПО-5555",
    "company_work_mail": "info@qurylys.kz",
    "company_work_schief_sm": "Ғ.Қ. Әлиев",
    "work_name": "Өңделген жұмыстар тізімі",
}
SAMPLE_HEADINGS = [
    "Предмет Договора",
    "Срок действия Договора",
    "Обязательства и права Подрядчика",
]


def pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def rich_values(**overrides) -> dict:
    values = {
        "contract_no": "OC-2026-000007",
        "имя_клиента": "Нұрлан Әбдіқадыров",
        "client_iin": "850615300129",
        "summ": "150000.00",
        "deadline": "31.12.2026",
        "works": "демонтаж;шпаклёвка;покраска",
        "agree": True,
        "contractor": "ТОО «Үй Құрылыс»",
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize("converter", BOTH)
def test_sample_template_renders_russian_and_kazakh_values(converter):
    text = pdf_text(
        render_pdf(build.sample_bytes(), SAMPLE_VALUES, converter=converter)
    )

    for value in SAMPLE_VALUES.values():
        assert value in text, value
    for heading in SAMPLE_HEADINGS:
        assert heading in text, heading
    assert "{{" not in text


@pytest.mark.parametrize("converter", BOTH)
def test_built_template_renders_header_footer_table_loop_and_kazakh(converter):
    text = pdf_text(render_pdf(build.rich_docx(), rich_values(), converter=converter))

    assert "Договор № OC-2026-000007" in text  # header
    assert "Подрядчик: ТОО «Үй Құрылыс»" in text  # footer
    assert "Заказчик: Нұрлан Әбдіқадыров, ИИН 850615300129." in text
    assert "150000.00 тенге" in text  # table cell
    assert "31.12.2026" in text
    for item in ("демонтаж", "шпаклёвка", "покраска"):
        assert f"Работа: {item}" in text  # loop
    assert "Согласие получено." in text  # checkbox as a boolean
    assert "ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І" in text


@pytest.mark.parametrize("converter", BOTH)
def test_a_false_checkbox_leaves_its_block_out(converter):
    text = pdf_text(
        render_pdf(build.rich_docx(), rich_values(agree=False), converter=converter)
    )

    assert "Согласие получено." not in text


@pytest.mark.parametrize("converter", BOTH)
def test_values_are_text_never_markup_or_template_code(converter):
    values = rich_values(имя_клиента="<w:p>{{ 7*7 }}</w:p> & {% if 1 %}x{% endif %}")

    text = pdf_text(render_pdf(build.rich_docx(), values, converter=converter))

    assert "<w:p>{{ 7*7 }}</w:p> & {% if 1 %}x{% endif %}" in text
    assert "49" not in text


def test_a_value_with_a_line_break_stays_in_the_document():
    values = rich_values(имя_клиента="первая строка\nвторая строка")

    text = pdf_text(render_pdf(build.rich_docx(), values, converter="html"))

    assert "первая строка" in text
    assert "вторая строка" in text


@pytest.mark.parametrize(
    "source",
    [
        "{{ x.__class__ }}",
        "{{ x.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ x|attr('__class__') }}",
    ],
)
def test_a_stored_template_reaching_for_internals_never_runs(source):
    # Written around the intake checks, as if the file were swapped on disk.
    data = build.simple_docx(source)

    with (
        translation.override("en"),
        pytest.raises(ConversionError, match="Python internals"),
    ):
        render_pdf(data, {"x": "value"}, converter="html")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ 'a' * 10000000 }}", "repeated text is too long"),
        ("{{ range(10000000)|list }}", "at most 1000 items"),
        ("{{ 9 ** 999999 }}", "exponent is too large"),
        ("{{ lipsum(100000) }}", "«lipsum» has no value"),
        ("{{ 'x'|center(10000000) }}", "The filter «center» does not exist"),
    ],
)
def test_a_template_cannot_blow_up_memory_at_render(source, message):
    with translation.override("en"), pytest.raises(ConversionError, match=message):
        render_pdf(build.simple_docx(source), {}, converter="html")


def test_a_missing_value_renders_as_nothing():
    text = pdf_text(
        render_pdf(build.simple_docx("Имя: [{{ name }}]"), {}, converter="html")
    )

    assert "Имя: []" in text


def test_the_html_converter_reports_a_damaged_docx():
    with pytest.raises(ConversionError, match="could not be read"):
        get_converter("html").convert(b"PK\x03\x04 damaged")


def test_an_unknown_converter_setting_is_a_conversion_error(settings):
    settings.DOCUMENT_CONVERTER = "word97"

    with pytest.raises(ConversionError, match="word97"):
        get_converter()


# LibreOffice: one office per process, reused; stuck conversions killed.


@needs_soffice
def test_libreoffice_reuses_one_running_office(settings):
    settings.DOCUMENT_CONVERTER = "libreoffice"
    converter = get_converter()

    converter.convert(render_docx(build.simple_docx("один"), {}))
    first = lo._office.process.pid
    converter.convert(render_docx(build.simple_docx("два"), {}))

    assert lo._office.process.pid == first
    assert lo._office.process.poll() is None


FAKE_SOFFICE = """\
#!{python}
# A stand-in for soffice.bin: as the office it opens the pipe it was asked
# to accept on and waits; as a converter it {convert_behaviour}.
import os, socket, sys, time
args = sys.argv[1:]
with open(os.path.join({pids!r}, str(os.getpid())), "w"):
    pass
if "--convert-to" in args:
    {convert_code}
accept = next(a for a in args if a.startswith("--accept="))
name = accept.split("name=")[1].split(";")[0]
server = socket.socket(socket.AF_UNIX)
server.bind("/tmp/OSL_PIPE_%s_%s" % (os.getuid(), name))
server.listen()
time.sleep(120)
"""


def fake_soffice(tmp_path, convert_code: str, behaviour: str):
    pids = tmp_path / "pids"
    pids.mkdir()
    script = tmp_path / "fake-soffice"
    script.write_text(
        FAKE_SOFFICE.format(
            python=sys.executable,
            pids=str(pids),
            convert_code=convert_code,
            convert_behaviour=behaviour,
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, pids


def process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def fresh_office():
    lo.stop_office()
    yield
    lo.stop_office()


def test_a_stuck_conversion_is_killed_after_the_timeout(
    settings, tmp_path, fresh_office
):
    script, pids = fake_soffice(tmp_path, "time.sleep(120)", "hangs")
    settings.SOFFICE_PATH = str(script)
    settings.SOFFICE_TIMEOUT_SECONDS = 1

    with pytest.raises(ConversionError, match="did not finish within 1 s"):
        get_converter("libreoffice").convert(b"docx")

    started = [int(name) for name in os.listdir(pids)]
    assert len(started) == 2  # the office and the conversion client
    assert not any(process_alive(pid) for pid in started)
    assert lo._office.process is None


def test_a_converter_that_makes_no_pdf_is_reported(settings, tmp_path, fresh_office):
    script, _pids = fake_soffice(tmp_path, "sys.exit(3)", "fails")
    settings.SOFFICE_PATH = str(script)

    with pytest.raises(ConversionError, match="produced no PDF \\(exit code 3\\)"):
        get_converter("libreoffice").convert(b"docx")


def test_a_missing_soffice_is_reported(settings, fresh_office):
    settings.SOFFICE_PATH = "/nonexistent/soffice"

    with pytest.raises(ConversionError, match="not installed"):
        get_converter("libreoffice").convert(b"docx")
