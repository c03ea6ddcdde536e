"""Requisites (реквизиты): the legal details of a party that printed forms carry.

The company (the account itself) and each counterparty have one set. Every
field is optional when stored, because a client's card is often filled in
bit by bit; a form that needs a field refuses to print without it
(`missing`), naming every field that is missing instead of leaving a box empty.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from custody_core.domain import codes
from custody_core.domain.checks import Checks
from custody_core.domain.errors import Problem
from custody_core.domain.messages import Expected, expect

_INN_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12_FIRST = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12_SECOND = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = (7, 1, 3) * 7 + (7, 1)


@frozen
class BankAccount:
    """A settlement account at a Russian bank; the correspondent account matches the BIK."""

    bank: str
    bik: str
    settlement_account: str
    correspondent_account: str


@frozen
class Signatory:
    """Who signs a form for the party: a position and a surname with initials."""

    position: str
    name: str


@frozen
class Requisites:
    """A party's details as printed on forms; `name` is the full legal name."""

    name: str
    inn: str | None = None
    kpp: str | None = None
    okpo: str | None = None
    address: str | None = None
    phone: str | None = None
    fax: str | None = None
    bank: BankAccount | None = None
    head: Signatory | None = None
    accountant: Signatory | None = None

    def summary(self) -> str:
        """One line for a form's party box: name, INN/KPP, address, phone."""
        parts = [self.name]
        if self.inn:
            parts.append(f"ИНН {self.inn}" + (f"/КПП {self.kpp}" if self.kpp else ""))
        parts.extend(part for part in (self.address, self.phone and f"тел. {self.phone}") if part)
        return ", ".join(parts)


def checked_requisites(requisites: Requisites, party: str) -> Requisites:
    """`requisites` with stripped text, or a ValidationError naming every malformed field.

    INN, KPP, OKPO, BIK and account numbers are checked by their length and,
    where the law defines one, their check digits; `party` prefixes field names.
    """
    checks = Checks()
    name = checks.text(requisites.name, f"{party}.name", 1000)
    text = {
        field: checks.optional_text(getattr(requisites, field), f"{party}.{field}", 1000)
        for field in ("inn", "kpp", "okpo", "address", "phone", "fax")
    }
    _check_inn(checks, text["inn"], f"{party}.inn")
    kpp_shape = expect("kpp")
    _check_digits(checks, text["kpp"], f"{party}.kpp", (9,), kpp_shape, kpp=True)
    _check_digits(
        checks, text["okpo"], f"{party}.okpo", (8, 10), expect("digits_either", short=8, long=10)
    )
    bank = requisites.bank and _checked_bank(checks, requisites.bank, f"{party}.bank")
    head = requisites.head and _checked_signatory(checks, requisites.head, f"{party}.head")
    accountant = requisites.accountant and _checked_signatory(
        checks, requisites.accountant, f"{party}.accountant"
    )
    checks.done()
    return Requisites(name, **text, bank=bank, head=head, accountant=accountant)


def missing(requisites: Requisites | None, fields: Iterable[str], party: str) -> list[Problem]:
    """A `requisites.missing` problem for each of `fields` (dotted, e.g. "bank.bik") not filled.

    A form collects these for both parties and raises `RequisitesMissing` once.
    """
    return [
        Problem(codes.Requisites.MISSING, f"{party}.{field}")
        for field in fields
        if not _filled(requisites, field)
    ]


def _filled(requisites: Requisites | None, field: str) -> bool:
    value: object = requisites
    for part in field.split("."):
        value = getattr(value, part, None)
    return bool(value)


def _checked_bank(checks: Checks, bank: BankAccount, field: str) -> BankAccount:
    name = checks.text(bank.bank, f"{field}.bank", 1000)
    bik = checks.text(bank.bik, f"{field}.bik")
    settlement = checks.text(bank.settlement_account, f"{field}.settlement_account")
    correspondent = checks.text(bank.correspondent_account, f"{field}.correspondent_account")
    if _check_digits(checks, bik, f"{field}.bik", (9,), expect("digits", count=9)):
        # The control key of a settlement account is computed with the BIK's last
        # three digits; of a correspondent account, with "0" and the BIK's 5th and 6th.
        if _check_digits(
            checks, settlement, f"{field}.settlement_account", (20,), expect("digits", count=20)
        ):
            _check_account_key(checks, bik[-3:] + settlement, f"{field}.settlement_account")
        if _check_digits(
            checks,
            correspondent,
            f"{field}.correspondent_account",
            (20,),
            expect("digits", count=20),
        ):
            _check_account_key(
                checks, "0" + bik[4:6] + correspondent, f"{field}.correspondent_account"
            )
    return BankAccount(name, bik, settlement, correspondent)


def _checked_signatory(checks: Checks, signatory: Signatory, field: str) -> Signatory:
    return Signatory(
        checks.text(signatory.position, f"{field}.position"),
        checks.text(signatory.name, f"{field}.name"),
    )


def _check_digits(
    checks: Checks,
    value: str | None,
    field: str,
    lengths: tuple[int, ...],
    expected: Expected,
    *,
    kpp: bool = False,
) -> bool:
    """Record a problem unless `value` (when given) is all digits of one of `lengths`."""
    if not value:
        return False
    shape_ok = len(value) in lengths and (
        value[:4].isdigit()
        and value[4:6].isalnum()
        and value[4:6].upper() == value[4:6]
        and value[6:].isdigit()
        if kpp
        else value.isdigit()
    )
    if not shape_ok:
        checks.add(Problem(codes.Requisites.MALFORMED, field, value, expected))
    return shape_ok


def _check_inn(checks: Checks, inn: str | None, field: str) -> None:
    expected = expect("inn")
    if not _check_digits(checks, inn, field, (10, 12), expected):
        return
    assert inn is not None
    digits = [int(digit) for digit in inn]
    if len(digits) == 10:
        valid = digits[9] == _check_digit(digits, _INN_10)
    else:
        valid = digits[10] == _check_digit(digits, _INN_12_FIRST) and digits[11] == _check_digit(
            digits, _INN_12_SECOND
        )
    if not valid:
        checks.add(Problem(codes.Requisites.CHECKSUM, field, inn, expected))


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(digit * weight for digit, weight in zip(digits, weights, strict=False)) % 11 % 10


def _check_account_key(checks: Checks, keyed: str, field: str) -> None:
    """The 23 digits of BIK part and account weigh to a multiple of 10 when the key is right."""
    total = sum(
        int(digit) * weight % 10 for digit, weight in zip(keyed, _ACCOUNT_WEIGHTS, strict=True)
    )
    if total % 10:
        checks.add(Problem(codes.Requisites.CHECKSUM, field, keyed[3:], expect("account_key")))
