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
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from custody_core.domain import codes
from custody_core.domain.codes import Code


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
    outcomes: Mapping[str, str]
    time: Mapping[str, str]
    zones: Mapping[str, str]


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


def day(value: date, locale: str) -> str:
    """A calendar date in the language's format (30.11.2026, 2026-11-30)."""
    return value.strftime(language(locale).time["date"])


def moment(value: datetime, locale: str, zone: str | None = None) -> str:
    """An instant as a person reads it: on the clock of `zone` (an IANA name; UTC when None
    or unknown, a naive value taken as UTC), in the language's format, with the zone's
    abbreviation from the language file or else its offset ("30.11.2026 18:15 (МСК)",
    "2026-11-30 18:15 UTC+05:00")."""
    name = zone or "UTC"
    try:
        tz = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        name, tz = "UTC", ZoneInfo("UTC")
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(tz)
    texts = language(locale)
    label = texts.zones.get(name) or _offset(local)
    return local.strftime(texts.time["instant"]).format(zone=label)


def _offset(local: datetime) -> str:
    """The UTC offset of `local` as a zone label: "UTC+05:00", "UTC-03:30", "UTC"."""
    offset = local.strftime("%z")
    return "UTC" if offset in ("", "+0000") else f"UTC{offset[:3]}:{offset[3:5]}"


def for_people(value: Any, locale: str = "en", zone: str | None = None) -> Any:
    """`value` as a message shows it: an instant on the clock of `zone` in the language's
    format (`moment`), a date as 2026-11-24 (in every language, as the problems' `expected`
    texts write dates: docs/decisions.md), a number as written, never a Python repr
    (`datetime.date(2026, 11, 24)`, `Decimal('1.5')`) that `{value!r}` would otherwise make
    of it. Text, whole numbers and None are shown as they are."""
    if isinstance(value, datetime):
        return moment(value, locale, zone)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, enum.Enum):
        return for_people(value.value, locale, zone)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(for_people(each)) for each in value)
    return value


def render(code: Code, locale: str, details: Mapping[str, Any], zone: str | None = None) -> str:
    """The message for `code` in `locale` (English when the locale is unknown); a code only
    a third-party plugin knows gets the general one. Its instants are shown on the clock of
    `zone`, else of the details' `time_zone` (set by the services that know the account),
    else in UTC (docs/api.md, "Local time")."""
    texts = language(locale)
    template = texts.messages.get(code, texts.messages[codes.General.ERROR])
    zone = zone or details.get("time_zone")
    values = _Lenient({key: for_people(value, locale, zone) for key, value in details.items()})
    for key in _TRANSLATED_KEYS:
        if isinstance(values.get(key), str):
            values[key] = texts.terms.get(values[key], values[key])
    cause = values.get("cause")
    if isinstance(cause, str) and cause in texts.causes:
        values["cause"] = texts.causes[cause].format_map(values)
    return template.format_map(values)
