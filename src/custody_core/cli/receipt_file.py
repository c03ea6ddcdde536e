"""The JSON file `receipt post` reads."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from custody_core.cli.errors import InputError
from custody_core.domain.errors import file_cause
from custody_core.domain.lines import LineDraft
from custody_core.domain.receipts import ReceiptDraft

RECEIPT_KEYS = frozenset({"number", "date", "counterparty", "warehouse", "lines"})
LINE_KEYS = frozenset({"sku", "quantity"})
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: object) -> date | None:
    """A calendar date written YYYY-MM-DD, or None for anything else."""
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def read_receipt(path: Path) -> ReceiptDraft:
    """A receipt draft from a JSON file; numbers are read as exact decimals, never floats."""
    data = _load_json(path)
    if not isinstance(data, dict):
        raise InputError("top_not_object", path=path)
    fields = _keys(data, path, "", RECEIPT_KEYS, frozenset({"contract"}))
    lines = fields["lines"]
    if not isinstance(lines, list):
        raise InputError("not_list", path=path, key="lines")
    drafts = [_line_draft(line, path, f"lines[{row}]") for row, line in enumerate(lines, 1)]
    for key in ("number", "counterparty", "warehouse"):
        _text(fields[key], path, key)
    if fields.get("contract") is not None:
        _text(fields["contract"], path, "contract")
    day = parse_date(fields["date"])
    if day is None:
        raise InputError("bad_date", path=path, key="date", value=json.dumps(fields["date"]))
    return ReceiptDraft(
        number=fields["number"],
        date=day,
        counterparty=fields["counterparty"],
        warehouse=fields["warehouse"],
        lines=drafts,
        contract=fields.get("contract"),
    )


def _load_json(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as file:
            return json.load(file, parse_float=Decimal)
    except FileNotFoundError:
        raise InputError("no_file", path=path) from None
    except OSError as error:
        raise InputError("cannot_read", path=path, cause=file_cause(error)) from None
    except UnicodeDecodeError:
        raise InputError("not_utf8", path=path) from None
    except json.JSONDecodeError as error:
        raise InputError(
            "bad_json", path=path, line=error.lineno, column=error.colno, cause=json_cause(error)
        ) from None


#: The json module's words for what is wrong, and the catalogue's cause for each.
_JSON_CAUSES = (
    ("Expecting value", "json.value"),
    ("Expecting property name", "json.name"),
    ("Expecting ':'", "json.colon"),
    ("Expecting ','", "json.comma"),
    ("Unterminated string", "json.unterminated"),
    ("Invalid control character", "json.control"),
    ("Invalid \\", "json.escape"),
    ("Extra data", "json.extra"),
)


def json_cause(error: json.JSONDecodeError) -> str:
    """What is wrong with a JSON text, as one of the catalogue's causes ("json.comma"):
    the json module words it in English."""
    return next(
        (cause for words, cause in _JSON_CAUSES if error.msg.startswith(words)), "json.other"
    )


def _keys(
    data: dict[str, Any],
    path: Path,
    prefix: str,
    required: frozenset[str],
    optional: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """`data` once it has every required key and no unknown one (a typo must not pass)."""
    missing = sorted(required - data.keys())
    if missing:
        raise InputError("missing_key", path=path, key=prefix + missing[0])
    unknown = sorted(data.keys() - required - optional)
    if unknown:
        raise InputError("unknown_key", path=path, key=prefix + unknown[0])
    return data


def _line_draft(line: object, path: Path, where: str) -> LineDraft:
    if not isinstance(line, dict):
        raise InputError("not_object", path=path, key=where)
    fields = _keys(line, path, f"{where}.", LINE_KEYS)
    _text(fields["sku"], path, f"{where}.sku")
    return LineDraft(fields["sku"], fields["quantity"])


def _text(value: object, path: Path, key: str) -> None:
    if not isinstance(value, str):
        raise InputError("not_text", path=path, key=key)
