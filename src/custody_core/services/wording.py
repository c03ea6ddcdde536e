"""Numbers in Russian words for printed forms, by num2words."""

from __future__ import annotations

from decimal import Decimal

from num2words import num2words


class RussianWording:
    """`Wording` in Russian: "Одна тысяча двести рублей 50 копеек", "две целых пять десятых"."""

    def money(self, amount: Decimal) -> str:
        # num2words reads an int as kopecks and defaults to euros: pass a Decimal and RUB.
        text: str = num2words(
            amount, lang="ru", to="currency", currency="RUB", cents=False, separator=""
        )
        return text[:1].upper() + text[1:]

    def quantity(self, value: Decimal) -> str:
        exact = value.normalize()
        whole = exact == exact.to_integral_value()
        text: str = num2words(int(exact) if whole else exact, lang="ru")
        return text
