"""Bulk creation of contracts from a CSV or XLSX file, one contract per row.

The header row names the columns: the template's fields, and optionally
`number`, `client_name`, `client_iin`, `client_phone` and `method` (who is to
sign, and how). Reading checks the whole file first; then each row becomes a
contract on its own, so a bad row is reported and the good ones are kept.
"""

import csv
import io
import logging
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contracts import services as contract_services
from ozgecontract.errors import DomainError, InvalidInputError
from ozgecontract.validators import normalize_phone, validate_iin
from signatures import services as signature_services
from templates_app.fields import template_field_settings

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500
MAX_CELL_CHARS = 10_000
# Larger XLSX archives than this, once unpacked, are refused: a zip bomb.
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024

CONTRACT_COLUMNS = ("number",)
SIGNER_COLUMNS = ("client_name", "client_iin", "client_phone", "method")
EXTRA_COLUMNS = CONTRACT_COLUMNS + SIGNER_COLUMNS


@dataclass
class Sheet:
    """The cells of an uploaded file: a header and data rows, all strings."""

    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)


@dataclass
class RowResult:
    line: int
    contract_id: int | None = None
    number: str = ""
    errors: list[str] = field(default_factory=list)


def read_sheet(*, content: bytes, filename: str) -> Sheet:
    """Parse a CSV or XLSX upload into strings; refuse what cannot be read."""
    if not content:
        raise InvalidInputError(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInputError(
            _("The file is larger than %(limit)s MB.")
            % {"limit": MAX_FILE_BYTES // (1024 * 1024)},
            code="too_large",
        )
    is_zip = content.startswith(b"PK\x03\x04")
    name = (filename or "").lower()
    if name.endswith(".xlsx") or is_zip:
        table = _read_xlsx(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _read_csv(content)
    else:
        raise InvalidInputError(_("Upload a .csv or .xlsx file."))
    return _to_sheet(table)


def _read_csv(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves Cyrillic CSV in cp1251 unless told otherwise.
        try:
            text = content.decode("cp1251")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(
                _("The CSV file is not in UTF-8 or Windows-1251 encoding.")
            ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = []
    try:
        for cells in reader:
            table.append((reader.line_num, cells))
            if len(table) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise InvalidInputError(
            _("The CSV file cannot be read near line %(line)s.")
            % {"line": reader.line_num}
        ) from exc
    return table


def _read_xlsx(content: bytes) -> list[tuple[int, list[str]]]:
    # Imported here: openpyxl is large and only this path needs it.
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise InvalidInputError(_("The XLSX file is damaged.")) from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise InvalidInputError(_("The XLSX file is too large once unpacked."))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on bad files
        raise InvalidInputError(_("The XLSX file cannot be read.")) from exc
    try:
        sheet = workbook.worksheets[0]
        table = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            table.append((number, [_xlsx_cell(value) for value in values]))
            if len(table) > MAX_ROWS + 1:
                break
    finally:
        workbook.close()
    return table


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A number typed into Excel (an IIN, a phone) comes back as a float.
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _to_sheet(table: list[tuple[int, list[str]]]) -> Sheet:
    table = [(line, cells) for line, cells in table if any(c.strip() for c in cells)]
    if not table:
        raise InvalidInputError(_("The file has no header row."))
    header_line, header = table[0]
    header = [cell.strip() for cell in header]
    while header and not header[-1]:
        header.pop()
    if not header or any(not name for name in header):
        raise InvalidInputError(
            _("Every column needs a name in the first row (line %(line)s).")
            % {"line": header_line}
        )
    rows = table[1:]
    if not rows:
        raise InvalidInputError(_("The file has a header but no rows."))
    if len(rows) > MAX_ROWS:
        raise InvalidInputError(
            _("The file has more than %(limit)s rows; split it.") % {"limit": MAX_ROWS},
            code="too_many_rows",
        )
    return Sheet(header=header, rows=rows)


def check_header(*, header: list[str], field_names: list[str]) -> None:
    """Refuse columns named twice, or neither template fields nor known extras."""
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise InvalidInputError(
            _("Columns named twice: %(names)s.") % {"names": ", ".join(duplicates)}
        )
    unknown = [name for name in header if name not in (*field_names, *EXTRA_COLUMNS)]
    if unknown:
        raise InvalidInputError(
            _("Unknown columns: %(names)s. Use the template's fields: %(fields)s.")
            % {"names": ", ".join(unknown), "fields": ", ".join(field_names)},
            code="unknown_columns",
        )


def row_values(*, header: list[str], cells: list[str]) -> dict[str, str]:
    """Pair a row's cells with the header; a row of the wrong width is refused."""
    cells = list(cells)
    while len(cells) > len(header) and not cells[-1].strip():
        cells.pop()
    if len(cells) != len(header):
        raise InvalidInputError(
            _("The row has %(cells)s cells, the header has %(columns)s.")
            % {"cells": len(cells), "columns": len(header)},
            code="row_width",
        )
    values = {}
    for name, cell in zip(header, cells, strict=True):
        if len(cell) > MAX_CELL_CHARS:
            raise InvalidInputError(
                _("The value of %(name)s is longer than %(limit)s characters.")
                % {"name": name, "limit": MAX_CELL_CHARS}
            )
        values[name] = cell.strip()
    return values


def create_from_row(*, company, template, user, values: dict[str, str]):
    """Create one contract (and its expected signer) from a row, or nothing."""
    number = values.get("number") or None
    signer = {name: values.get(name, "") for name in SIGNER_COLUMNS}
    field_values = {k: v for k, v in values.items() if k not in EXTRA_COLUMNS}
    names_signer = any(signer[name] for name in SIGNER_COLUMNS if name != "method")
    if names_signer:
        _check_signer(signer)
        signature_services.clean_signer(
            client_name=signer["client_name"],
            client_iin=signer["client_iin"],
            client_phone=signer["client_phone"],
            method=signer["method"] or "sms",
        )

    field_types = {s["name"]: s["type"] for s in template_field_settings(template)}
    with transaction.atomic():
        contract = contract_services.create_contract(
            company=company,
            template=template,
            user=user,
            number=number,
            field_types=field_types,
            values=field_values,
            # Rendering takes a second or more a row: the PDF is made when
            # first opened, by the signing page or the dashboard.
            render_document=False,
            # TODO(#5): a row is not tried on the template (that would fill
            # it in once per row); its PDF, made when first asked for, says
            # then why the template cannot take its values.
            check_template=False,
        )
        if names_signer:
            signature_services.create_expected_signer(
                contract=contract,
                client_name=signer["client_name"],
                client_iin=signer["client_iin"],
                client_phone=signer["client_phone"],
                method=signer["method"] or "sms",
            )
    return contract


def _check_signer(signer: dict[str, str]) -> None:
    """Refuse a bad signer with messages in the reader's language.

    The signing service checks again; its messages are the API's, in English.
    """
    errors = {}
    if not signer["client_name"]:
        errors["client_name"] = [_("Enter the signer's full name.")]
    try:
        validate_iin(signer["client_iin"])
    except ValidationError as exc:
        errors["client_iin"] = exc.messages
    try:
        normalize_phone(signer["client_phone"], mobile_only=True)
    except ValidationError as exc:
        errors["client_phone"] = exc.messages
    if signer["method"] not in ("", "sms", "ecp", "esp"):
        errors["method"] = [_("Write sms or ecp.")]
    if errors:
        raise ValidationError(errors)


def run_rows(
    *, company, template, user, header: list[str], rows: list[tuple[int, list[str]]]
) -> list[RowResult]:
    """Create a contract for each row; return what happened to each one."""
    results = []
    for line, cells in rows:
        result = RowResult(line=line)
        try:
            values = row_values(header=header, cells=cells)
            contract = create_from_row(
                company=company, template=template, user=user, values=values
            )
        except ValidationError as exc:
            result.errors = _messages(exc)
        except DomainError as exc:
            result.errors = [exc.detail]
        else:
            result.contract_id = contract.pk
            result.number = contract.number
        results.append(result)
    created = sum(1 for r in results if r.contract_id)
    logger.info(
        "bulk rows processed company=%s template=%s created=%s refused=%s",
        company.pk,
        template.pk,
        created,
        len(results) - created,
    )
    return results


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{name}: {message}" if name != "__all__" else message
            for name, errors in exc.error_dict.items()
            for error in errors
            for message in error.messages
        ]
    return list(exc.messages)
