"""Reading settings files (templates, requisites, tariffs): TOML or JSON, and typed data."""

from __future__ import annotations

import enum
import json
import re
import tomllib
import typing
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs

from custody_core.converter import make_converter
from custody_core.domain import codes
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import Expected, expect

T = TypeVar("T")
_CONVERTER = make_converter()
_CONVERTER.forbid_extra_keys = True
#: Where tomllib found a mistake, as its message says ("... (at line 3, column 7)").
_AT = re.compile(r"\(at line (?P<line>\d+), column (?P<column>\d+)\)")


def read_data_file(path: Path | str) -> object:
    """The data of a `.toml` or `.json` file; ValidationError naming the file when unreadable."""
    source = Path(path)
    where = source.name
    try:
        text = source.read_text("utf-8")
    except OSError as error:
        raise _refused(where, expect("data_unreadable"), error) from None
    except UnicodeDecodeError as error:
        raise _refused(where, expect("data_not_utf8"), error) from None
    try:
        if source.suffix.lower() == ".json":
            return json.loads(text)
        if source.suffix.lower() == ".toml":
            return tomllib.loads(text)
    except json.JSONDecodeError as error:
        raise _refused(where, _syntax("JSON", error.lineno, error.colno), error) from None
    except tomllib.TOMLDecodeError as error:
        at = _AT.search(str(error))
        line, column = (int(at["line"]), int(at["column"])) if at else (None, None)
        raise _refused(where, _syntax("TOML", line, column), error) from None
    raise ValidationError([Problem(codes.Value.INVALID, where, source.suffix, expect("data_file"))])


def _refused(where: str, expected: Expected, error: Exception) -> ValidationError:
    """A file that cannot be read as data: the reader's own words kept for logs only."""
    return ValidationError(
        [Problem(codes.Data.INVALID, where, expected=expected, detail=str(error))]
    )


def _syntax(kind: str, line: int | None, column: int | None) -> Expected:
    if line is None:
        return expect("data_syntax", format=kind)
    return expect("data_syntax_at", format=kind, line=line, column=column)


def structure(data: object, kind: type[T], field: str) -> T:
    """`data` as a `kind`; a ValidationError with one problem per wrong key, by its path
    (entries of a list counted from 1), each saying in the catalogue's words what the key
    lacks: a key missing, one not known, a value of the wrong type."""
    try:
        return _CONVERTER.structure(data, kind)
    except (cattrs.BaseValidationError, ValueError, TypeError, AttributeError) as error:
        raise ValidationError(_problems(error, field, None)) from None


def _problems(error: BaseException, field: str, kind: Any) -> list[Problem]:
    """The problems of `error`, raised structuring the value at `field` as a `kind`."""
    if isinstance(error, cattrs.IterableValidationError):
        entries, rest = error.group_exceptions()
        return [
            *(
                problem
                for entry, note in entries
                for problem in _problems(entry, _entry(field, note.index), note.type)
            ),
            *(problem for other in rest for problem in _problems(other, field, None)),
        ]
    if isinstance(error, cattrs.ClassValidationError):
        fields, rest = error.group_exceptions()
        return [
            *(
                problem
                for inner, note in fields
                for problem in _problems(inner, f"{field}.{note.name}", note.type)
            ),
            *(problem for other in rest for problem in _problems(other, field, None)),
        ]
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        return [
            Problem(codes.Data.INVALID, f"{field}.{key}", expected=expect("data_unknown_key"))
            for key in sorted(error.extra_fields)
        ]
    if isinstance(error, ValidationError):  # a converter hook's own check (a Decimal's)
        return [attrs.evolve(problem, field=field) for problem in error.problems]
    if isinstance(error, KeyError):
        return [Problem(codes.Data.INVALID, field, expected=expect("data_missing"))]
    return [Problem(codes.Data.INVALID, field, expected=_wanted(error, kind))]


def _entry(field: str, index: int | str) -> str:
    """The path of a list's entry (counted from 1) or a table's key."""
    return f"{field}[{index + 1}]" if isinstance(index, int) else f"{field}.{index}"


def _wanted(error: BaseException, kind: Any) -> Expected:
    """What a value refused with `error` should have been, as a `kind`."""
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return expect("data_choice", choices=tuple(kind))
    if kind is bool:
        return expect("data_choice", choices=("true", "false"))
    if kind is str:
        return expect("data_text")
    if kind is int:
        return expect("data_whole")
    if kind in (Decimal, float):
        return expect("data_number")
    if kind is date:
        return expect("data_date")
    if typing.get_origin(kind) in (tuple, list) or (isinstance(error, TypeError) and kind is None):
        return expect("data_list")
    if isinstance(error, AttributeError) or attrs.has(kind) or typing.get_origin(kind) is dict:
        return expect("data_table")
    return expect("data_value")
