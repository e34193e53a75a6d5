"""DOCX files written by the tests: good templates and every kind of bad upload."""

import io
import zipfile
from pathlib import Path

from docx import Document

SAMPLE_PATH = (
    Path(__file__).resolve().parents[1] / "samples" / "repair-works-contract.docx"
)
KAZAKH_LETTERS = "ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І"


def sample_bytes() -> bytes:
    return SAMPLE_PATH.read_bytes()


def docx_bytes(document) -> bytes:
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def simple_docx(*paragraphs: str) -> bytes:
    """A DOCX whose body is `paragraphs`, one paragraph each."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    return docx_bytes(document)


def rich_docx() -> bytes:
    """Header and footer placeholders, a table, a loop, Cyrillic and Kazakh text."""
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Договор № {{ contract_no }}"
    section.footer.paragraphs[0].text = "Подрядчик: {{ contractor }}"
    document.add_heading("ДОГОВОР ПОДРЯДА", level=1)
    document.add_paragraph("Заказчик: {{ имя_клиента }}, ИИН {{ client_iin }}.")
    document.add_paragraph(f"Қазақ әріптері: {KAZAKH_LETTERS}.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Сумма"
    table.cell(0, 1).text = "{{ summ }} тенге"
    table.cell(1, 0).text = "Срок"
    table.cell(1, 1).text = "{{ deadline }}"
    document.add_paragraph('{%p for item in works.split(";") %}')
    document.add_paragraph("Работа: {{ item }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{% if agree %}Согласие получено.{% endif %}")
    return docx_bytes(document)


RICH_FIELDS = [
    "contract_no",
    "имя_клиента",
    "client_iin",
    "summ",
    "deadline",
    "works",
    "agree",
    "contractor",
]


def rewrite_docx(data: bytes, replacements: dict[str, bytes], *, drop=()) -> bytes:
    """Return `data` with some zip entries replaced, added or dropped."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop or info.filename in replacements:
                continue
            target.writestr(info, source.read(info.filename))
        for name, content in replacements.items():
            target.writestr(name, content)
    return output.getvalue()


def read_entry(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def xxe_docx() -> bytes:
    data = simple_docx("Договор {{ client_name }}")
    xml = read_entry(data, "word/document.xml").decode()
    declaration, _, rest = xml.partition("?>")
    doctype = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    poisoned = f"{declaration}?>{doctype}{rest}".replace("Договор", "&xxe;")
    return rewrite_docx(data, {"word/document.xml": poisoned.encode()})


def external_image_docx(target: str = "http://169.254.169.254/latest/x.png") -> bytes:
    data = simple_docx("Договор {{ client_name }}")
    rels = read_entry(data, "word/_rels/document.xml.rels").decode()
    link = (
        '<Relationship Id="rIdOutside" TargetMode="External" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/image" '
        f'Target="{target}"/>'
    )
    rels = rels.replace("</Relationships>", f"{link}</Relationships>")
    return rewrite_docx(data, {"word/_rels/document.xml.rels": rels.encode()})


def external_hyperlink_docx() -> bytes:
    data = simple_docx("Договор {{ client_name }}")
    rels = read_entry(data, "word/_rels/document.xml.rels").decode()
    link = (
        '<Relationship Id="rIdLaw" TargetMode="External" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
        'Target="https://adilet.zan.kz/rus"/>'
    )
    rels = rels.replace("</Relationships>", f"{link}</Relationships>")
    return rewrite_docx(data, {"word/_rels/document.xml.rels": rels.encode()})


def include_picture_docx() -> bytes:
    data = simple_docx("PLACEHOLDER")
    xml = read_entry(data, "word/document.xml").decode()
    field = (
        '<w:fldSimple w:instr=" INCLUDEPICTURE &quot;http://169.254.169.254/a.png'
        '&quot; \\d "><w:r><w:t>picture</w:t></w:r></w:fldSimple>'
    )
    xml = xml.replace("<w:r><w:t>PLACEHOLDER</w:t></w:r>", field)
    return rewrite_docx(data, {"word/document.xml": xml.encode()})


def zip_bomb_docx(megabytes: int = 100) -> bytes:
    """A DOCX carrying one part that inflates to `megabytes` of zeros."""
    output = io.BytesIO(simple_docx("Договор"))
    with (
        zipfile.ZipFile(output, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/filler.bin", "w", force_zip64=True) as part,
    ):
        chunk = b"\0" * (1024 * 1024)
        for _ in range(megabytes):
            part.write(chunk)
    return output.getvalue()


def many_entries_docx(count: int = 1500) -> bytes:
    output = io.BytesIO(simple_docx("Договор"))
    with zipfile.ZipFile(output, "a", zipfile.ZIP_DEFLATED) as archive:
        for index in range(count):
            archive.writestr(f"customXml/item{index}.txt", b"x")
    return output.getvalue()


def zip_without_document() -> bytes:
    return rewrite_docx(simple_docx("Договор"), {}, drop={"word/document.xml"})


def plain_zip() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("readme.txt", "not a Word document")
    return output.getvalue()


def huge_text_docx(megabytes: int = 5) -> bytes:
    """A DOCX whose body holds `megabytes` of ordinary paragraph XML."""
    data = simple_docx("{{ work }}")
    xml = read_entry(data, "word/document.xml").decode()
    paragraph = "<w:p><w:r><w:t>Подрядчик выполняет работы в срок.</w:t></w:r></w:p>"
    filler = paragraph * (megabytes * 1024 * 1024 // len(paragraph.encode()) + 1)
    xml = xml.replace("<w:body>", f"<w:body>{filler}", 1)
    return rewrite_docx(data, {"word/document.xml": xml.encode()})
