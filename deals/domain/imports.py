"""The import file: its columns, and reading a CSV or XLSX file into rows of text.

One row per deal, or per contact: a customer (always), optionally one of its contacts and
optionally one deal. The README ("Importing and exporting") describes every column;
``deals/samples/import-sample.csv`` is a file to start from.
"""

import datetime
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

import tablib

CUSTOMER_COLUMNS = ("customer_external_id", "customer_name", "customer_industry")
CONTACT_COLUMNS = (
    "contact_external_id",
    "contact_name",
    "contact_title",
    "contact_buying_role",
    "contact_email",
    "contact_phone",
    "contact_cares_about",
)
DEAL_COLUMNS = (
    "deal_external_id",
    "deal_title",
    "deal_scope",
    "estimated_value",
    "currency",
    "quantity",
    "requested_delivery_date",
    "special_requirements",
    "involves_production",
    "involves_delivery",
    "special_payment_terms",
)
COLUMNS = CUSTOMER_COLUMNS + CONTACT_COLUMNS + DEAL_COLUMNS
REQUIRED_COLUMNS = ("customer_name",)

# What a file may hold: bigger files are refused before anything is read.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024

TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0", ""}


class FileProblem(Exception):
    """The file as a whole cannot be read: the user is told why, and nothing is checked further."""


@dataclass(frozen=True)
class Table:
    rows: list[tuple[int, dict[str, str]]]  # (line in the file, {column: text})


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time.min else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # A spreadsheet keeps numbers as floats: 1200.5 reads as written, 12.0 as 12.
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _unpacked_size(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(entry.file_size for entry in archive.infolist())


def _delimiter(text: str) -> str:
    """Excel in many European locales writes ";" between cells: the header row tells."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _load(content: bytes, file_format: str) -> tablib.Dataset:
    if file_format == "xlsx":
        try:
            # A small .xlsx can unpack to gigabytes: refuse it before reading a cell.
            if _unpacked_size(content) > MAX_UNPACKED_BYTES:
                raise FileProblem("The Excel file holds too much data: split it, or export it as CSV.")
            return tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            raise FileProblem(
                "This is not an Excel (.xlsx) file NegPrep can read: save it as .xlsx."
            ) from None
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(
            "The file is not UTF-8 text: in your spreadsheet, save it as “CSV UTF-8” and upload it again."
        ) from None
    if "\x00" in text:
        raise FileProblem("This is not a CSV text file: save it as “CSV UTF-8” and upload it again.")
    try:
        return tablib.Dataset().load(text, format="csv", delimiter=_delimiter(text))
    except tablib.InvalidDimensions:
        raise FileProblem("A row has more cells than the header has columns: check the separators.") from None
    except Exception:  # the csv module's errors have no common class
        raise FileProblem("The file could not be read as CSV: save it as “CSV UTF-8”.") from None


def read_table(content: bytes, file_format: str) -> Table:
    """The file's rows as text keyed by column; ``FileProblem`` when the file cannot be used."""
    if len(content) > MAX_FILE_BYTES:
        raise FileProblem(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it.")
    if not content.strip():
        raise FileProblem("The file is empty.")
    data = _load(content, file_format)
    headers = [_text(name).lower().replace(" ", "_") for name in (data.headers or [])]
    if not any(headers):
        raise FileProblem("The first row must name the columns, e.g. customer_name.")
    unknown = [name for name in headers if name and name not in COLUMNS]
    if unknown:
        raise FileProblem(
            f"Unknown columns: {', '.join(unknown)}. The README lists the columns NegPrep reads."
        )
    twice = sorted({name for name in headers if name and headers.count(name) > 1})
    if twice:
        raise FileProblem(f"These columns appear twice: {', '.join(twice)}.")
    missing = [name for name in REQUIRED_COLUMNS if name not in headers]
    if missing:
        raise FileProblem(f"The file has no {', '.join(missing)} column.")
    rows = []
    for index, values in enumerate(data, start=2):
        row = {name: _text(value) for name, value in zip(headers, values, strict=False) if name}
        if not any(row.values()):
            continue
        rows.append((index, row))
        if len(rows) > MAX_ROWS:
            raise FileProblem(f"The file has more than {MAX_ROWS:,} rows: split it.")
    if not rows:
        raise FileProblem("The file has a header but no rows.")
    return Table(rows=rows)


def yes_no(text: str) -> bool | None:
    """A flag cell: yes/no, true/false, 1/0, x or blank (no); None when it is neither."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def has_any(row: dict[str, str], columns) -> bool:
    return any(row.get(name) for name in columns)
