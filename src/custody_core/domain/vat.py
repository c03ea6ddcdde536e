"""VAT (НДС) on priced lines: three modes, a configurable rate, kopecks rounded once.

Each line's amount is price x quantity rounded to kopecks; its VAT is
computed from that amount and rounded once; every total is the sum of the
lines' rounded figures, so the totals a form prints always add up line by line.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from attrs import frozen

from custody_core.domain import codes
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect

_KOPECK = Decimal("0.01")
_HUNDRED = Decimal(100)
ZERO_MONEY = Decimal("0.00")

#: Rates the Tax Code has had or has (0, 5 and 7 % for simplified-tax payers, 10, 20, 22 %).
VAT_RATES = (0, 5, 7, 10, 20, 22)


class VatMode(enum.StrEnum):
    WITHOUT = "without"
    INCLUDED = "included"
    ON_TOP = "on_top"


@frozen
class Vat:
    """How prices carry VAT: `rate` in percent, ignored when the mode is WITHOUT."""

    mode: VatMode = VatMode.WITHOUT
    rate: int = 0

    @classmethod
    def checked(cls, mode: object, rate: object, field: str = "vat") -> Vat:
        """A Vat from user input, or a ValidationError naming the wrong part."""
        problems = []
        try:
            checked_mode = VatMode(str(mode))
        except ValueError:
            allowed = expect("one_of", choices=tuple(VatMode))
            problems.append(Problem(codes.Value.INVALID, f"{field}.mode", mode, allowed))
        if isinstance(rate, bool) or rate not in VAT_RATES:
            allowed = expect("one_of", choices=tuple(VAT_RATES))
            problems.append(Problem(codes.Value.INVALID, f"{field}.rate", rate, allowed))
        if problems:
            raise ValidationError(problems)
        assert isinstance(rate, int)
        return cls(checked_mode, rate if checked_mode is not VatMode.WITHOUT else 0)

    def of(self, amount: Decimal) -> Decimal:
        """The VAT of one line's `amount`, rounded to kopecks."""
        rate = Decimal(self.rate)
        if self.mode is VatMode.INCLUDED:
            return _kopecks(amount * rate / (_HUNDRED + rate))
        if self.mode is VatMode.ON_TOP:
            return _kopecks(amount * rate / _HUNDRED)
        return ZERO_MONEY

    def label(self) -> str:
        """The form's VAT line: "В том числе НДС 20%", "НДС 20%" or "Без налога (НДС)"."""
        if self.mode is VatMode.INCLUDED:
            return f"В том числе НДС {self.rate}%"
        if self.mode is VatMode.ON_TOP:
            return f"НДС {self.rate}%"
        return "Без налога (НДС)"


#: Prices that carry no VAT.
NO_VAT = Vat()


def line_amount(price: Decimal, quantity: Decimal) -> Decimal:
    """Price x quantity, rounded once to kopecks (ROUND_HALF_UP)."""
    return _kopecks(price * quantity)


@frozen
class Totals:
    """What a form's footer prints: `amount` is the sum of the lines' amounts,
    `vat` the sum of their VAT, `due` what the customer pays."""

    amount: Decimal
    vat: Decimal
    due: Decimal


def totals(amounts: Iterable[Decimal], vat: Vat) -> Totals:
    """Totals of lines with the given amounts under `vat`, each line's VAT rounded once."""
    amount = vat_total = ZERO_MONEY
    for line in amounts:
        amount += line
        vat_total += vat.of(line)
    due = amount + vat_total if vat.mode is VatMode.ON_TOP else amount
    return Totals(amount, vat_total, due)


def _kopecks(value: Decimal) -> Decimal:
    return value.quantize(_KOPECK, rounding=ROUND_HALF_UP)
