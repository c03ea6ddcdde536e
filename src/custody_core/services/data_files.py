"""Reading settings files (templates, requisites, tariffs): TOML or JSON, and typed data."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import TypeVar

import cattrs
from cattrs.v import format_exception

from custody_core.converter import make_converter
from custody_core.domain import codes
from custody_core.domain.errors import CustodyError, Problem, ValidationError

T = TypeVar("T")
_CONVERTER = make_converter()
_CONVERTER.forbid_extra_keys = True
_PLACE = re.compile(r"^(?P<what>.*) @ \$\.?(?P<path>.*)$")


def read_data_file(path: Path | str) -> object:
    """The data of a `.toml` or `.json` file; ValidationError naming the file when unreadable."""
    source = Path(path)
    where = source.name
    try:
        text = source.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError(
            [Problem(codes.Value.INVALID, where, str(error), "a UTF-8 file")]
        ) from None
    try:
        if source.suffix.lower() == ".json":
            return json.loads(text)
        if source.suffix.lower() == ".toml":
            return tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValidationError(
            [Problem(codes.Value.INVALID, where, str(error), "TOML or JSON")]
        ) from None
    raise ValidationError([Problem(codes.Value.INVALID, where, source.suffix, ".toml or .json")])


def structure(data: object, kind: type[T], field: str) -> T:
    """`data` as a `kind`; a ValidationError with one problem per wrong key, by its path."""
    try:
        return _CONVERTER.structure(data, kind)
    except (cattrs.BaseValidationError, ValueError, TypeError, AttributeError) as error:
        messages = (
            cattrs.transform_error(error, format_exception=_reason)
            if isinstance(error, cattrs.BaseValidationError)
            else []
        )
        problems = [_problem(message, field) for message in messages]
        raise ValidationError(
            problems or [Problem(codes.Value.INVALID, field, str(error))]
        ) from None


def _reason(error: BaseException, kind: type | None) -> str:
    """Why a value was refused: our own errors in their words, the rest as cattrs says."""
    if isinstance(error, CustodyError):
        return error.message()
    return format_exception(error, kind)


def _problem(message: str, field: str) -> Problem:
    found = _PLACE.match(message)
    if found is None:
        return Problem(codes.Data.INVALID, field, expected=message)
    path = found["path"].replace("[", ".[").strip(".").replace(".[", "[")
    return Problem(codes.Data.INVALID, f"{field}.{path}" if path else field, expected=found["what"])
