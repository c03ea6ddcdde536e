"""Human messages for error codes, in every language the library speaks.

The texts live in `custody_core/locales/<language>.toml`, one file per language, so
that adding a language is adding a file (docs/api.md). Messages are templates over the
error's details; a missing detail renders as "?" rather than failing, so a message can
never hide the error behind a KeyError.
"""

from __future__ import annotations

import enum
import re
import string
import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from babel import Locale

from custody_core.domain import codes
from custody_core.domain.codes import Code


@attrs.frozen
class Language:
    """One language's texts, as its file under `custody_core/locales` holds them."""

    messages: Mapping[str, str]
    causes: Mapping[str, str]
    #: "<entity> <key> not found", one text per entity: Russian words differ in gender.
    not_found: Mapping[str, str]
    #: What a problem's `field` is called: a name ("last_name"), a dotted path segment,
    #: or a list's entry ("lines[]", filled with the entry's `{key}`).
    labels: Mapping[str, str]
    order_states: Mapping[str, str]
    order_changes: Mapping[str, str]
    failure_reasons: Mapping[str, str]
    roles: Mapping[str, str]
    #: What a role may do, by the value of `Action`, as "may not ..." and "нет права ..." end.
    actions: Mapping[str, str]
    movement_kinds: Mapping[str, str]
    document_kinds: Mapping[str, str]
    form_kinds: Mapping[str, str]
    read_limits: Mapping[str, str]
    places: Mapping[str, str]
    cli_labels: Mapping[str, str]
    cli_phrases: Mapping[str, str]
    cli_titles: Mapping[str, str]
    #: argparse's own words and the command line's argument errors (cli/usage.py).
    cli_usage: Mapping[str, str]
    #: What --help says of each command and option.
    cli_help: Mapping[str, str]
    #: The placeholders of values in usage lines ("FILE", "ФАЙЛ").
    cli_metavars: Mapping[str, str]
    outcomes: Mapping[str, str]
    #: What a problem expected (`Expected`), by its key; a text reads after "expected".
    expected: Mapping[str, str]
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


#: Details and expected values that hold codes of named things, and the sections naming
#: them in each language.
_NAMED = {
    "state": ("order_states",),
    "change": ("order_changes",),
    "kind": ("document_kinds", "form_kinds"),
    "kinds": ("form_kinds", "document_kinds"),
    "action": ("actions",),
    "setting": ("read_limits",),
    "roles": ("roles",),
    "reasons": ("failure_reasons",),
}
#: Details and expected values that hold fields, shown by their labels.
_FIELDS = ("field", "fields")
_ENTRY = re.compile(r"^(?P<name>[^\[\]]+)\[(?P<key>[^\]]*)\]$")
#: A data file's problems are named after the file ("requisites.json.bank.bik", a
#: `.toml` alike): its name is shown as it is.
_FILE = re.compile(r"^(?P<name>[^.\[\]]+\.(?:json|toml))(?:\.(?P<rest>.*))?$")
#: Plural categories in the order CLDR lists them.
_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


def label(locale: str, field: str) -> str:
    """What `field` is called in `locale`: its own label ("last_name" -> "фамилия"), else
    the labels of its dotted segments joined by commas, a list's entry by the list's label
    with the entry's key ("lines[2].quantity" -> "строка 2 документа, количество"); a
    segment without a label, and a data file's name leading the field, as they are."""
    labels = language(locale).labels
    if field in labels:
        return labels[field]
    file = _FILE.match(field)
    parts = [] if file is None else [file["name"]]
    rest = field if file is None else file["rest"] or ""
    for segment in filter(None, rest.split(".")):
        entry = _ENTRY.match(segment)
        if entry is not None and f"{entry['name']}[]" in labels:
            parts.append(labels[f"{entry['name']}[]"].format(key=entry["key"]))
        else:
            parts.append(labels.get(segment, segment))
    return ", ".join(parts)


def plural(locale: str, count: int, forms: Mapping[str, str]) -> str:
    """The form of a word for `count` in `locale` ("заказ", "заказа", "заказов"), by the
    language's CLDR plural rule; `forms` by category ("one", "few", "many", "other")."""
    category = Locale.parse(locale).plural_form(count)
    return forms.get(category, forms.get("other", ""))


class _Wording(string.Formatter):
    """`str.format` with counted words: `{orders:one=заказ|few=заказа|many=заказов}` is
    the count and the word's form for it ("3 заказа", "5 заказов")."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in LANGUAGES else "en"

    def format_field(self, value: Any, format_spec: str) -> Any:
        if "=" not in format_spec:
            return super().format_field(value, format_spec)
        forms = dict(form.split("=", 1) for form in format_spec.split("|"))
        if isinstance(value, bool) or not isinstance(value, int):
            return str(value)
        return f"{value} {plural(self.locale, value, forms)}"


def fill(locale: str, template: str, values: Mapping[str, Any]) -> str:
    """`template` of `locale` filled with `values`, counted words in their right form."""
    return _Wording(locale).vformat(template, (), values)


def plural_categories(locale: str) -> tuple[str, ...]:
    """The plural categories whole numbers take in `locale` ("one", "few", "many" in
    Russian; "one", "other" in English), in CLDR order: what a counted word gives forms for.
    CLDR rules repeat within every hundred past the first, so 0-199 shows them all."""
    rule = Locale.parse(locale).plural_form
    taken = {rule(count) for count in range(200)}
    return tuple(category for category in _CATEGORIES if category in taken)


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


@attrs.frozen
class Expected:
    """What a problem expected, in the words of the `[expected]` section of each language
    file: `key` names the text, `values` fill it ("on_or_before" with a `date`: "не позже
    05.11.2026", "on or before 2026-11-05"). A value is shown as a message shows it
    (`for_people`); a `field` or `fields` value by its label, a `roles`, `reasons` or
    `kinds` value by the names of the things it holds."""

    key: str
    #: Excluded from the hash: a mapping has none, and the key tells texts apart.
    values: Mapping[str, Any] = attrs.field(factory=dict, hash=False)

    def text(self, locale: str = "en", zone: str | None = None) -> str:
        """The words of `locale` (English for an unknown one): "не позже 05.11.2026"."""
        return expected_text(self, locale, zone)

    def __str__(self) -> str:
        return self.text("en")


def expect(key: str, /, **values: Any) -> Expected:
    """What a problem expected: `expect("on_or_before", date=today)`. Lists and sets among
    `values` are kept as tuples, so that the value compares and reads the same again."""
    kept = {
        name: tuple(sorted(value, key=str))
        if isinstance(value, set | frozenset)
        else tuple(value)
        if isinstance(value, list)
        else value
        for name, value in values.items()
    }
    return Expected(key, kept)


def expected_text(expected: Expected, locale: str, zone: str | None = None) -> str:
    """`expected` in the words of `locale`; a key the language file lacks (a plugin's own)
    as the key itself, its values after it."""
    texts = language(locale)
    template = texts.expected.get(expected.key)
    if template is None:
        shown = ", ".join(
            str(for_people(value, locale, zone)) for value in expected.values.values()
        )
        return f"{expected.key} ({shown})" if shown else expected.key
    values = _Lenient(
        {name: _shown(name, value, locale, zone) for name, value in expected.values.items()}
    )
    return fill(locale, template, values)


def _shown(name: str, value: Any, locale: str, zone: str | None) -> Any:
    """The value `name` of a message's details or of what a problem expected, as the
    message shows it: fields by their labels, codes of named things (states, actions,
    roles, ...) by their names, anything else as `for_people` shows it."""
    if value is None or (name not in _FIELDS and name not in _NAMED):
        return for_people(value, locale, zone)
    each = value if isinstance(value, tuple | list) else (value,)
    shown = [str(for_people(one, locale, zone)) for one in each]
    if name in _FIELDS:
        return ", ".join(label(locale, one) for one in shown)
    names = [getattr(language(locale), section) for section in _NAMED[name]]
    return ", ".join(next((named[one] for named in names if one in named), one) for one in shown)


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
    format (`moment`), a date in the language's format (`day`: 05.11.2026, 2026-11-05),
    what a problem expected in the language's words (`Expected`), a number as written,
    never a Python repr (`datetime.date(2026, 11, 24)`, `Decimal('1.5')`) that `{value!r}`
    would otherwise make of it. Text, whole numbers and None are shown as they are."""
    if isinstance(value, datetime):
        return moment(value, locale, zone)
    if isinstance(value, date):
        return day(value, locale)
    if isinstance(value, Expected):
        return value.text(locale, zone)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, enum.Enum):
        return for_people(value.value, locale, zone)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(for_people(each, locale, zone)) for each in value)
    return value


def render(code: Code, locale: str, details: Mapping[str, Any], zone: str | None = None) -> str:
    """The message for `code` in `locale` (English when the locale is unknown; a code only
    a third-party plugin knows gets the general one): fields by their labels, codes of
    named things (states, changes, actions, ...) by their names, a cause by its words.
    Its instants are shown on the clock of `zone`, else of the details' `time_zone` (set
    by the services that know the account), else in UTC (docs/api.md, "Local time")."""
    texts = language(locale)
    template = texts.messages.get(code, texts.messages[codes.General.ERROR])
    if code == codes.General.NOT_FOUND:
        template = texts.not_found.get(str(details.get("entity")), template)
    zone = zone or details.get("time_zone")
    values = _Lenient({key: _shown(key, value, locale, zone) for key, value in details.items()})
    cause = values.get("cause")
    if isinstance(cause, str) and cause in texts.causes:
        values["cause"] = texts.causes[cause].format_map(values)
    return fill(locale, template, values)
