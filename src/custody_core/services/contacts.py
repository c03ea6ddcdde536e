"""Phone numbers and e-mail addresses as users type them, checked and normalised.

Parsing is left to `phonenumbers` (libphonenumber's metadata) and
`email-validator`: a number without a country code is read as Russian, so
`8 (912) 345-67-89`, `+7 912 345 67 89` and `9123456789` all become
`+79123456789`.
"""

from __future__ import annotations

import re

import email_validator
import phonenumbers

from custody_core.domain.checks import Checks
from custody_core.domain.errors import Problem
from custody_core.domain.users import login_key

#: Numbers written without a country code are read as numbers of this region.
DEFAULT_REGION = "RU"


#: The usual ways a Russian number is written: +7 / 8 / nothing, then ten digits.
_RUSSIAN = re.compile(r"(?:\+7|8)?([3-9]\d{9})")
_SEPARATORS = str.maketrans("", "", " -()\u00a0")


def normal_phone(value: str) -> str | None:
    """`value` in E.164 form, or None when it is not a valid phone number.

    The usual Russian forms skip phonenumbers' general parser (its slowest
    part, about two thirds of the time) and go straight to its validity
    check, which a registry of 100,000 rows feels; the answer is the same.
    """
    usual = _RUSSIAN.fullmatch(value.translate(_SEPARATORS))
    if usual is not None:
        national = usual.group(1)
        number = phonenumbers.PhoneNumber(country_code=7, national_number=int(national))
        return f"+7{national}" if phonenumbers.is_valid_number(number) else None
    return _parsed_phone(value)


def _parsed_phone(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def canonical_login(login: str) -> str:
    """How a login is compared: a phone number in E.164 form, anything else by `login_key`."""
    return normal_phone(login) or login_key(login)


def phone(checks: Checks, value: object, field: str) -> str | None:
    """An optional phone number in E.164 form; a problem is recorded when it is not one."""
    text = checks.optional_text(value, field, 50)
    if text is None:
        return None
    normal = normal_phone(text)
    if normal is None:
        checks.add(Problem("phone.invalid", field, text, "a number such as +7 912 345-67-89"))
    return normal


def email(checks: Checks, value: object, field: str) -> str | None:
    """An optional e-mail address, its domain lower-cased; syntax only, no DNS lookups."""
    text = checks.optional_text(value, field, 254)
    if text is None:
        return None
    try:
        return email_validator.validate_email(text, check_deliverability=False).normalized
    except email_validator.EmailNotValidError as error:
        checks.add(Problem("email.invalid", field, text, str(error)))
        return None
