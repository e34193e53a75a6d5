"""The Word package checks every template upload passes before anything opens it.

A DOCX is a zip of XML parts. `check_docx_package` proves an upload is a Word
document that is safe to open: a bounded zip (a zip bomb is refused before
anything is inflated past the bound), XML without DOCTYPE or entities, no
relationship or field code that would make a converter fetch something from
outside, no macros.
"""

import io
import re
import zipfile
import zlib

from django.utils.translation import gettext as _
from lxml import etree

MAX_ENTRIES = 1000
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
# Rendering time grows with the XML docxtpl rewrites and with the Jinja tags in
# it; the sample contract has 0.3 MB of body XML and 26 tags. These bounds keep
# the worst upload (and every render of it) to a few seconds.
MAX_TEMPLATED_XML_BYTES = 4 * 1024 * 1024
_TEMPLATED_PART = re.compile(r"^word/(document|header\d*|footer\d*|footnotes)\.xml$")
_READ_CHUNK = 1024 * 1024

# Relationship types a converter could follow to fetch an outside resource
# are refused when external; a hyperlink is only ever a link in the PDF.
_HYPERLINK_TYPE_SUFFIX = "/hyperlink"
# Field codes that make Word or LibreOffice load content from a path or URL.
_FETCHING_FIELD_CODES = frozenset(
    {"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "LINK", "DDE", "DDEAUTO", "IMPORT"}
)
# VBA projects: a .docm renamed to .docx. Nothing here runs them, but a
# contract template has no use for code, so none is stored.
_MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


class TemplateRejectedError(ValueError):
    """The upload is not a Word document that can be safely used as a template."""


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """Inflate one entry, refusing it as soon as it passes `budget` bytes."""
    chunks = []
    size = 0
    with archive.open(info) as handle:
        while chunk := handle.read(_READ_CHUNK):
            size += len(chunk)
            if size > budget:
                raise TemplateRejectedError(
                    _(
                        "The file unpacks to more data than a Word document may "
                        "hold (possible zip bomb)."
                    )
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _check_xml_part(name: str, data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, parser=_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise TemplateRejectedError(
            _("The document part %(name)s is not well-formed XML.") % {"name": name}
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise TemplateRejectedError(
            _(
                "The document part %(name)s declares a DOCTYPE or entities; "
                "Word documents never do."
            )
            % {"name": name}
        )
    return root


def _check_relationships(name: str, root: etree._Element) -> None:
    for rel in root.iter(f"{{{_RELS_NS}}}Relationship"):
        if rel.get("TargetMode", "").lower() != "external":
            continue
        if rel.get("Type", "").endswith(_HYPERLINK_TYPE_SUFFIX):
            continue
        kind = rel.get("Type", "").rsplit("/", 1)[-1] or "resource"
        raise TemplateRejectedError(
            _(
                "The document links an outside %(kind)s (%(name)s); embed images "
                "and content in the file instead of linking them."
            )
            % {"kind": kind, "name": name}
        )


def _field_instructions(root: etree._Element) -> list[str]:
    """Return every field instruction of a part (simple and complex fields)."""
    found = [
        el.get(f"{{{_W_NS}}}instr", "") for el in root.iter(f"{{{_W_NS}}}fldSimple")
    ]
    # A complex field's instruction may be split over many runs between its
    # "begin" and "separate" marks; fields nest, hence the stack.
    stack: list[list[str]] = []
    for el in root.iter(f"{{{_W_NS}}}fldChar", f"{{{_W_NS}}}instrText"):
        if el.tag.endswith("instrText"):
            if stack:
                stack[-1].append(el.text or "")
            else:
                found.append(el.text or "")
        elif el.get(f"{{{_W_NS}}}fldCharType") == "begin":
            stack.append([])
        elif el.get(f"{{{_W_NS}}}fldCharType") == "end" and stack:
            found.append("".join(stack.pop()))
    found += ["".join(parts) for parts in stack]
    return found


def _check_field_codes(name: str, root: etree._Element) -> None:
    for instruction in _field_instructions(root):
        words = instruction.split()
        keyword = words[0].upper() if words else ""
        if keyword in _FETCHING_FIELD_CODES:
            raise TemplateRejectedError(
                _(
                    "The document uses the field %(keyword)s (%(name)s), which "
                    "loads content from outside the file."
                )
                % {"keyword": keyword, "name": name}
            )


def check_docx_package(data: bytes) -> None:
    """Raise TemplateRejectedError unless `data` is a bounded, self-contained DOCX."""
    if not data:
        raise TemplateRejectedError(_("The file is empty."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise TemplateRejectedError(
            _("The file is not a Word document (.docx).")
        ) from exc

    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise TemplateRejectedError(
                _(
                    "The file holds %(count)s parts; a Word document template "
                    "may hold at most %(limit)s."
                )
                % {"count": len(entries), "limit": MAX_ENTRIES}
            )
        declared = sum(info.file_size for info in entries)
        if declared > MAX_UNCOMPRESSED_BYTES:
            raise TemplateRejectedError(
                _(
                    "The file unpacks to more data than a Word document may "
                    "hold (possible zip bomb)."
                )
            )
        names = {info.filename for info in entries}
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise TemplateRejectedError(
                _(
                    "The file is not a Word document (.docx): it has no "
                    "word/document.xml."
                )
            )

        if any(name.lower().endswith(_MACRO_PARTS) for name in names):
            raise TemplateRejectedError(
                _("The document holds macros; save it as a plain .docx without them.")
            )

        budget = MAX_UNCOMPRESSED_BYTES
        for info in entries:
            if info.flag_bits & 0x1:
                raise TemplateRejectedError(_("The file is encrypted."))
            try:
                content = _read_entry(archive, info, budget)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                raise TemplateRejectedError(
                    _("The file is damaged: it cannot be unpacked.")
                ) from exc
            except (NotImplementedError, RuntimeError) as exc:
                raise TemplateRejectedError(
                    _("The file uses an unsupported compression or encryption.")
                ) from exc
            budget -= len(content)
            if (
                _TEMPLATED_PART.match(info.filename)
                and len(content) > MAX_TEMPLATED_XML_BYTES
            ):
                raise TemplateRejectedError(
                    _(
                        "The document text is too large for a template "
                        "(%(part)s holds more than %(megabytes)s MB of XML); "
                        "split it into smaller documents."
                    )
                    % {
                        "part": info.filename,
                        "megabytes": MAX_TEMPLATED_XML_BYTES // (1024 * 1024),
                    }
                )
            lower = info.filename.lower()
            if not (lower.endswith(".xml") or lower.endswith(".rels")):
                continue
            root = _check_xml_part(info.filename, content)
            if lower.endswith(".rels"):
                _check_relationships(info.filename, root)
            else:
                _check_field_codes(info.filename, root)


_DOCUMENT_PART = "/word/document.xml"


def main_part_type(data: bytes) -> str:
    """Return the content type `[Content_Types].xml` gives the main part, or ""."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = etree.fromstring(
                archive.read("[Content_Types].xml"), parser=_xml_parser()
            )
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, etree.LxmlError):
        return ""
    for override in root.iter("{*}Override"):
        if override.get("PartName", "").lower() == _DOCUMENT_PART:
            return override.get("ContentType", "")
    return ""
