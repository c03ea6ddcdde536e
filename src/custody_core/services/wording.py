"""Numbers in Russian words for printed forms, by num2words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def _num2words(value: Any, **options: Any) -> str:
    # Imported on first use: num2words loads every language it has, which an
    # application that never prints a form should not pay for at start-up.
    from num2words import num2words

    text: str = num2words(value, **options)
    return text


class RussianWording:
    """`Wording` in Russian: "Одна тысяча двести рублей 50 копеек", "две целых пять десятых"."""

    def money(self, amount: Decimal) -> str:
        # num2words reads an int as kopecks and defaults to euros: pass a Decimal and RUB.
        text = _num2words(
            amount, lang="ru", to="currency", currency="RUB", cents=False, separator=""
        )
        return text[:1].upper() + text[1:]

    def quantity(self, value: Decimal) -> str:
        exact = value.normalize()
        whole = exact == exact.to_integral_value()
        return _num2words(int(exact) if whole else exact, lang="ru")
