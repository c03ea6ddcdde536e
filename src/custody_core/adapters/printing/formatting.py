"""How every renderer writes dates, sums and file names on a Russian form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from custody_core.domain.forms import Form

#: Groups thousands in money and quantities; a no-break space keeps a number on one line.
THOUSANDS = "\u00a0"
_MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def money(amount: Decimal) -> str:
    """Roubles and kopecks as Russian forms print them: "1 234,50"."""
    return _russian(f"{amount:,.2f}")


def quantity(value: Decimal) -> str:
    """A quantity with the decimals it has and no trailing zeros: "1 250", "0,125"."""
    return _russian(f"{value.normalize():,f}")


def short_date(day: date) -> str:
    """The date as the unified forms' boxes print it: "02.11.2026"."""
    return f"{day:%d.%m.%Y}"


def long_date(day: date) -> str:
    """A date in words, as titles print it: "2 ноября 2026 г."."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year} г."


def file_name(form: Form, suffix: str) -> str:
    """The name to save a rendered form as: kind, year and number identify it; an annulled
    form's says so (and has no number if it was never issued)."""
    header = form.header
    name = f"{header.kind}-{header.date.year}"
    if header.number:
        name += f"-{header.number}"
    if header.annulment is not None:
        name += "-annulled"
    return f"{name}.{suffix}"


def _russian(formatted: str) -> str:
    return formatted.replace(",", THOUSANDS).replace(".", ",")
