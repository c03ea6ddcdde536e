"""The one cattrs converter for plain data (JSON, CLI output): exact Decimals, ISO times, enums,
and what a problem expected as its key, values and English text.

`configure_converter` applies the hooks to any converter, so adapters and
plugins that need their own converter share the same rules.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import cattrs

from custody_core.domain.messages import Expected
from custody_core.domain.numbers import to_decimal


def configure_converter(converter: cattrs.Converter) -> None:
    """Decimals travel as strings (never floats), instants as ISO 8601 with offset; what a
    problem expected (`Expected`) as `{"key", "values", "text"}`, the text in English."""
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, lambda value, _: to_decimal(value, "value"))
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(datetime, lambda value, _: _aware(value))
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, lambda value, _: date.fromisoformat(value))
    converter.register_unstructure_hook(UUID, str)
    converter.register_structure_hook(UUID, lambda value, _: UUID(str(value)))
    converter.register_unstructure_hook(enum.Enum, lambda member: member.value)
    converter.register_unstructure_hook(
        Expected,
        lambda expected: {
            "key": expected.key,
            "values": converter.unstructure(dict(expected.values)),
            "text": expected.text("en"),
        },
    )


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed


def make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    configure_converter(converter)
    return converter
