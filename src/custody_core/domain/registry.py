"""Registry templates (шаблоны загрузки): how the rows of a client's spreadsheet become orders.

A template is data in three groups, as in the seed product: default order
attributes, row settings (sheet, header row, first and last data row) and
the mapping of order fields to columns, by letter or by header title, each
with its parsing rule, default and required flag.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Literal

import attrs
from attrs import frozen

from custody_core.domain import codes
from custody_core.domain.checks import CODE_LENGTH, NAME_LENGTH, TEXT_LENGTH, text_problem
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect


class FieldType(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    PHONE = "phone"
    BOOLEAN = "boolean"


class Level(enum.StrEnum):
    """Whether a field belongs to the order (its first row) or to each cargo line (row)."""

    ORDER = "order"
    LINE = "line"


@frozen
class RegistryField:
    level: Level
    type: FieldType


_O, _L, _T = Level.ORDER, Level.LINE, FieldType

#: Every order field a template may map, with its level and how its cells are read.
FIELDS: Mapping[str, RegistryField] = MappingProxyType(
    {
        "external_number": RegistryField(_O, _T.TEXT),
        "warehouse": RegistryField(_O, _T.TEXT),
        "recipient": RegistryField(_O, _T.TEXT),
        "phone": RegistryField(_O, _T.PHONE),
        "address": RegistryField(_O, _T.TEXT),
        "delivery_date": RegistryField(_O, _T.DATE),
        "cash_on_delivery": RegistryField(_O, _T.DECIMAL),
        "comment": RegistryField(_O, _T.TEXT),
        "zone": RegistryField(_O, _T.TEXT),
        "sku": RegistryField(_L, _T.TEXT),
        "quantity": RegistryField(_L, _T.DECIMAL),
        "description": RegistryField(_L, _T.TEXT),
        "places": RegistryField(_L, _T.INTEGER),
        "weight": RegistryField(_L, _T.DECIMAL),
        "declared_value": RegistryField(_L, _T.DECIMAL),
        "fragile": RegistryField(_L, _T.BOOLEAN),
    }
)

#: Date formats tried when a template names none (Russian first).
DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d")
#: Excel's widest sheet: column XFD, row 1,048,576.
MAX_COLUMN = 16_384
MAX_ROW = 1_048_576
_LETTERS = re.compile(r"^[A-Z]{1,3}$")
#: The most date formats a column may try, each cell in turn.
MAX_FORMATS = 10


def column_index(letters: str) -> int:
    """1-based index of a column letter ("A" -> 1, "AA" -> 27); ValueError if it is none."""
    if not _LETTERS.match(letters):
        raise ValueError(f"{letters!r} is not a column letter")
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    if index > MAX_COLUMN:
        raise ValueError(f"{letters!r} is beyond column XFD")
    return index


def column_letter(index: int) -> str:
    """The letter of the 1-based column `index` (27 -> "AA")."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


Scalar = str | int | float | bool


def _text_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@frozen
class ColumnMapping:
    """Where one field's values are: a column letter, or a header title in the header row.

    `default` stands in for an empty cell; `required` refuses an empty cell
    that has no default. `formats` are strptime formats for dates written as
    text; `decimal_separator` "auto" takes a comma or a dot (never both).
    """

    field: str
    column: str | None = None
    header: str | None = None
    required: bool = False
    default: Scalar | None = None
    formats: tuple[str, ...] = attrs.field(default=DATE_FORMATS, converter=_text_tuple)
    decimal_separator: Literal["auto", ",", "."] = "auto"

    @property
    def type(self) -> FieldType:
        return FIELDS[self.field].type

    @property
    def level(self) -> Level:
        return FIELDS[self.field].level


def _column_tuple(columns: Iterable[ColumnMapping]) -> tuple[ColumnMapping, ...]:
    return tuple(columns)


@frozen
class RowSettings:
    """Which rows hold the registry. `sheet` is a name or a 1-based position;
    `header_row` None means the file has no header (columns by letter only)."""

    sheet: str | int = 1
    header_row: int | None = 1
    first_row: int = 2
    last_row: int | None = None


@frozen
class RegistryTemplate:
    """A named registry layout; `defaults` fill fields no column gives (or an empty cell of
    a mapped one without its own default). Imported orders are confirmed, reserving their
    items, unless `confirm` is False. A template with a `counterparty` (its code) is that
    counterparty's alone: only its registries use it, and no other client lists it."""

    name: str
    title: str
    columns: tuple[ColumnMapping, ...] = attrs.field(converter=_column_tuple)
    rows: RowSettings = RowSettings()
    defaults: Mapping[str, Scalar] = attrs.field(factory=dict)
    confirm: bool = True
    counterparty: str | None = None

    def mapping(self, name: str) -> ColumnMapping | None:
        return next((column for column in self.columns if column.field == name), None)

    @property
    def reserves_stock(self) -> bool:
        """Whether its orders reserve custody items: lines by SKU, confirmed on import."""
        return self.confirm and (self.mapping("sku") is not None or "sku" in self.defaults)

    def problems(self) -> list[Problem]:
        """Everything wrong with the template itself, each naming its field path."""
        found: list[Problem] = []
        if not self.name.strip() or not re.fullmatch(r"[\w.-]{1,64}", self.name):
            found.append(Problem(codes.Value.INVALID, "name", self.name, expect("name_characters")))
        found.extend(_text("title", self.title, NAME_LENGTH))
        found.extend(_text("counterparty", self.counterparty, CODE_LENGTH))
        too_many = [
            Problem(
                codes.Value.INVALID, name, len(given), expect("column_count", count=len(FIELDS))
            )
            for name, given in (("columns", self.columns), ("defaults", self.defaults))
            if len(given) > len(FIELDS)
        ]
        if too_many:  # each would be a problem of its own: one says it for all
            return found + too_many
        seen: set[str] = set()
        for index, column in enumerate(self.columns, 1):
            found.extend(_column_problems(column, f"columns[{index}]", seen))
        found.extend(_default_problems(self.defaults))
        mapped = seen | set(self.defaults)
        if "external_number" not in seen:
            found.append(Problem(codes.Template.NEEDS_FIELD, "columns", "external_number"))
        if not mapped & {"sku", "description"}:
            found.append(Problem(codes.Template.NEEDS_FIELD, "columns", "sku | description"))
        found.extend(_row_problems(self.rows, uses_headers=any(c.header for c in self.columns)))
        return found


def _column_problems(column: ColumnMapping, where: str, seen: set[str]) -> list[Problem]:
    found = []
    if column.field not in FIELDS:
        found.append(
            Problem(
                codes.Value.INVALID,
                f"{where}.field",
                column.field,
                expect("one_of", choices=FIELDS),
            )
        )
    elif column.field in seen:
        found.append(Problem(codes.Lines.REPEATED, f"{where}.field", column.field))
    seen.add(column.field)
    if (column.column is None) == (column.header is None or not column.header.strip()):
        found.append(Problem(codes.Template.COLUMN_OR_HEADER, where, column.field))
    if column.column is not None:
        try:
            column_index(column.column)
        except ValueError:
            found.append(
                Problem(
                    codes.Value.INVALID,
                    f"{where}.column",
                    column.column,
                    expect("column_letters", first="A", last="XFD"),
                )
            )
    if column.decimal_separator not in ("auto", ",", "."):
        found.append(
            Problem(codes.Value.INVALID, f"{where}.decimal_separator", column.decimal_separator)
        )
    formats = column.formats
    if not 0 < len(formats) <= MAX_FORMATS or not all(
        isinstance(f, str) and "%" in f for f in formats
    ):
        expected = expect("date_formats", count=MAX_FORMATS)
        found.append(Problem(codes.Value.INVALID, f"{where}.formats", len(formats), expected))
    else:
        for text in formats:
            found.extend(_text(f"{where}.formats", text, CODE_LENGTH))
    # A header cell may break its title over lines; a default may be an address.
    found.extend(_text(f"{where}.header", column.header, NAME_LENGTH, multiline=True))
    found.extend(_text(f"{where}.default", column.default, TEXT_LENGTH, multiline=True))
    return found


def _text(field: str, value: object, longest: int, *, multiline: bool = False) -> list[Problem]:
    """The problem of a string value too long or with a control character, if any."""
    problem = None
    if isinstance(value, str):
        problem = text_problem(value, field, longest, multiline=multiline)
    return [] if problem is None else [problem]


def _default_problems(defaults: Mapping[str, Scalar]) -> list[Problem]:
    return [
        Problem(codes.Value.INVALID, f"defaults.{name}", name, expect("one_of", choices=FIELDS))
        for name in defaults
        if name not in FIELDS or name == "external_number"
    ] + [
        problem
        for name, value in defaults.items()
        for problem in _text(f"defaults.{name}", value, TEXT_LENGTH, multiline=True)
    ]


def _row_problems(rows: RowSettings, *, uses_headers: bool) -> list[Problem]:
    found = []

    def row_number(value: object, where: str) -> bool:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ROW:
            found.append(
                Problem(
                    codes.Value.INVALID, where, value, expect("row_between", low=1, high=MAX_ROW)
                )
            )
            return False
        return True

    first_valid = row_number(rows.first_row, "rows.first_row")
    last, header = rows.last_row, rows.header_row
    last_valid = last is not None and row_number(last, "rows.last_row")
    if last_valid and first_valid and last < rows.first_row:  # type: ignore[operator]
        found.append(
            Problem(
                codes.Value.INVALID,
                "rows.last_row",
                last,
                expect("row_not_before", field="rows.first_row"),
            )
        )
    header_valid = header is not None and row_number(header, "rows.header_row")
    if header_valid and first_valid and header >= rows.first_row:  # type: ignore[operator]
        found.append(
            Problem(
                codes.Value.INVALID,
                "rows.header_row",
                header,
                expect("row_before", field="rows.first_row"),
            )
        )
    if uses_headers and rows.header_row is None:
        found.append(Problem(codes.Template.NEEDS_HEADER_ROW, "rows.header_row"))
    sheet = rows.sheet
    if not (isinstance(sheet, str) and sheet.strip()) and not (
        isinstance(sheet, int) and not isinstance(sheet, bool) and sheet >= 1
    ):
        found.append(Problem(codes.Value.INVALID, "rows.sheet", sheet, expect("sheet")))
    found.extend(_text("rows.sheet", sheet, NAME_LENGTH))
    return found


# Templates as plain data (TOML, JSON, a storage body) -------------------------------

_COLUMN_KEYS = frozenset(
    {"field", "column", "header", "required", "default", "formats", "decimal_separator"}
)
_ROW_KEYS = frozenset({"sheet", "header_row", "first_row", "last_row"})
_TEMPLATE_KEYS = frozenset(
    {"name", "title", "columns", "rows", "defaults", "confirm", "counterparty"}
)


def template_to_data(template: RegistryTemplate) -> dict[str, object]:
    """The template as JSON/TOML-ready data; `template_from_data` reads it back."""
    rows = template.rows
    owner = {} if template.counterparty is None else {"counterparty": template.counterparty}
    return {
        "name": template.name,
        "title": template.title,
        **owner,
        "confirm": template.confirm,
        "defaults": dict(template.defaults),
        "rows": {
            key: value
            for key, value in (
                ("sheet", rows.sheet),
                ("header_row", rows.header_row),
                ("first_row", rows.first_row),
                ("last_row", rows.last_row),
            )
            if value is not None
        },
        "columns": [_column_data(column) for column in template.columns],
    }


def _column_data(column: ColumnMapping) -> dict[str, object]:
    data: dict[str, object] = {"field": column.field}
    optional = {
        "column": column.column,
        "header": column.header,
        "required": column.required or None,
        "default": column.default,
        "formats": list(column.formats) if column.formats != DATE_FORMATS else None,
        "decimal_separator": None
        if column.decimal_separator == "auto"
        else column.decimal_separator,
    }
    data.update((key, value) for key, value in optional.items() if value is not None)
    return data


def template_from_data(data: object) -> RegistryTemplate:
    """A template from parsed TOML/JSON; ValidationError naming every wrong key by path."""
    problems: list[Problem] = []
    body = _table(data, "template", _TEMPLATE_KEYS, problems)
    rows = _table(body.get("rows", {}), "rows", _ROW_KEYS, problems)
    defaults = _table(body.get("defaults", {}), "defaults", None, problems)
    raw_columns = body.get("columns", [])
    if not isinstance(raw_columns, list):
        problems.append(Problem(codes.Value.INVALID, "columns", raw_columns, expect("column_list")))
        raw_columns = []
    columns = []
    for index, raw in enumerate(raw_columns, 1):
        where = f"columns[{index}]"
        column = _table(raw, where, _COLUMN_KEYS, problems)
        columns.append(
            ColumnMapping(
                field=_typed(column, "field", str, where, problems, ""),
                column=_typed(column, "column", str, where, problems, None),
                header=_typed(column, "header", str, where, problems, None),
                required=_typed(column, "required", bool, where, problems, False),
                default=_typed(column, "default", (str, int, float, bool), where, problems, None),
                formats=_typed(column, "formats", list, where, problems, list(DATE_FORMATS)),
                decimal_separator=_typed(column, "decimal_separator", str, where, problems, "auto"),
            )
        )
    plain: dict[str, Scalar] = {}
    for name, value in defaults.items():
        if isinstance(value, str | int | float | bool):
            plain[name] = value
        else:
            problems.append(
                Problem(codes.Value.INVALID, f"defaults.{name}", value, expect("plain_value"))
            )
    template = RegistryTemplate(
        name=_typed(body, "name", str, "", problems, ""),
        title=_typed(body, "title", str, "", problems, ""),
        columns=tuple(columns),
        rows=RowSettings(
            sheet=_typed(rows, "sheet", (str, int), "rows", problems, 1),
            header_row=_typed(rows, "header_row", int, "rows", problems, None),
            first_row=_typed(rows, "first_row", int, "rows", problems, 2),
            last_row=_typed(rows, "last_row", int, "rows", problems, None),
        ),
        defaults=plain,
        confirm=_typed(body, "confirm", bool, "", problems, True),
        counterparty=_typed(body, "counterparty", str, "", problems, None),
    )
    if not problems:
        problems.extend(template.problems())
    if problems:
        raise ValidationError(problems)
    return template


def _table(
    value: object, where: str, keys: frozenset[str] | None, problems: list[Problem]
) -> dict[str, object]:
    if not isinstance(value, Mapping):
        problems.append(Problem(codes.Value.INVALID, where, value, expect("table")))
        return {}
    table = {str(key): item for key, item in value.items()}
    for key in sorted(table.keys() - keys if keys is not None else ()):
        problems.append(
            Problem(codes.Value.INVALID, f"{where}.{key}".lstrip("."), key, expect("known_key"))
        )
    return table


def _typed(
    table: Mapping[str, object],
    key: str,
    kind: type | tuple[type, ...],
    where: str,
    problems: list[Problem],
    fallback: Any,
) -> Any:
    if key not in table or table[key] is None:
        return fallback
    value = table[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        names = expect("types", types=tuple(k.__name__ for k in kinds))
        problems.append(Problem(codes.Value.INVALID, f"{where}.{key}".lstrip("."), value, names))
        return fallback
    return value
