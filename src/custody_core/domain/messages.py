"""Human messages for error codes, in every language the library speaks.

The texts live in `custody_core/locales/<language>.toml`, one file per language, so
that adding a language is adding a file (docs/api.md). Messages are templates over the
error's details; a missing detail renders as "?" rather than failing, so a message can
never hide the error behind a KeyError.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from importlib.resources import files
from typing import Any
from uuid import UUID

import attrs


@attrs.frozen
class Language:
    """One language's texts, as its file under `custody_core/locales` holds them."""

    messages: Mapping[str, str]
    terms: Mapping[str, str]
    causes: Mapping[str, str]
    failure_reasons: Mapping[str, str]
    places: Mapping[str, str]
    cli_labels: Mapping[str, str]
    cli_phrases: Mapping[str, str]
    cli_titles: Mapping[str, str]
    cli_states: Mapping[str, str]
    cli_roles: Mapping[str, str]


def _load_languages() -> dict[str, Language]:
    folder = files("custody_core") / "locales"
    languages = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if entry.name.endswith(".toml"):
            languages[entry.name.removesuffix(".toml")] = Language(
                **tomllib.loads(entry.read_text(encoding="utf-8"))
            )
    return languages


#: Every language, by its code ("en", "ru"); English is the fallback for an unknown one.
LANGUAGES: Mapping[str, Language] = _load_languages()
LOCALES = tuple(LANGUAGES)


def language(locale: str) -> Language:
    """The texts of `locale`, or English when the library does not speak it."""
    return LANGUAGES.get(locale, LANGUAGES["en"])


#: Every code the catalogue has a message for.
CODES = frozenset(LANGUAGES["en"].messages)


_TRANSLATED_KEYS = ("entity", "state", "change", "kind", "setting")


def place(locale: str, row: int | None, column: str | None, header: str | None) -> str:
    """Where a problem is in a spreadsheet, as a message prefix ("" when nowhere)."""
    texts = language(locale).places
    row_text, column_text, header_text = texts["row"], texts["column"], texts["header"]
    parts = [
        text.format(row=row, column=column, header=header)
        for text, value in ((row_text, row), (column_text, column))
        if value is not None
    ]
    prefix = ", ".join(parts)
    if header is not None:
        prefix = f"{prefix} {header_text.format(header=header)}".strip()
    return f"{prefix}: " if prefix else ""


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def for_people(value: Any) -> Any:
    """`value` as a message shows it: a date as 2026-11-24 (in every language, as the
    problems' `expected` texts write dates), a number as written, never a Python repr
    (`datetime.date(2026, 11, 24)`, `Decimal('1.5')`) that `{value!r}` would otherwise make
    of it. Text, whole numbers and None are shown as they are."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, enum.Enum):
        return for_people(value.value)
    if isinstance(value, UUID):
        return str(value)
    return value


def render(code: str, locale: str, details: Mapping[str, Any]) -> str:
    """The message for `code` in `locale` (English when the locale is unknown)."""
    texts = language(locale)
    template = texts.messages.get(code, texts.messages["error"])
    values = _Lenient({key: for_people(value) for key, value in details.items()})
    for key in _TRANSLATED_KEYS:
        if isinstance(values.get(key), str):
            values[key] = texts.terms.get(values[key], values[key])
    cause = values.get("cause")
    if isinstance(cause, str) and cause in texts.causes:
        values["cause"] = texts.causes[cause].format_map(values)
    return template.format_map(values)
