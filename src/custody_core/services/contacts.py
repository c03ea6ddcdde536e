"""Phone numbers and e-mail addresses as users type them, checked and normalised.

Parsing is left to `phonenumbers` (libphonenumber's metadata) and
`email-validator`: a number without a country code is read as Russian, so
`8 (912) 345-67-89`, `+7 912 345 67 89` and `9123456789` all become
`+79123456789`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import email_validator
import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata, PhoneNumberDesc

from custody_core.domain import codes
from custody_core.domain.checks import Checks
from custody_core.domain.errors import Problem
from custody_core.domain.logins import LOGIN_LENGTH, login_key, login_problems
from custody_core.domain.messages import expect

#: Numbers written without a country code are read as numbers of this region.
DEFAULT_REGION = "RU"


#: How a phone number may be written, as a problem shows it.
PHONE_EXAMPLE = "+7 912 345-67-89"
#: email-validator's refusals by the phrases they use, most telling first (a refusal
#: about a period after the @ sign is about the domain, not about dots in general).
_EMAIL_CAUSES = (
    ("email.no_at", ("must have an @-sign", "instead of a regular at-sign")),
    ("email.nothing_before_at", ("something before the @-sign",)),
    ("email.nothing_after_at", ("something after the @-sign",)),
    ("email.too_long", ("too long", "so many characters")),
    ("email.domain_no_dot", ("should have a period",)),
    ("email.bad_domain", ("hyphen",)),
    ("email.dots", ("period",)),
    ("email.bad_characters", ("character", "not valid ASCII")),
    ("email.bad_domain", ("after the @-sign",)),
)

#: The usual ways a Russian number is written: +7 / 8 / nothing, then ten digits.
_RUSSIAN = re.compile(r"(?:\+7|8)?([3-9]\d{9})")
_SEPARATORS = str.maketrans("", "", " -()\u00a0")
_NATIONAL_LENGTH = 10


def normal_phone(value: str) -> str | None:
    """`value` in E.164 form, or None when it is not a valid phone number.

    The usual Russian forms skip phonenumbers' general parser and its validity
    check (together about 9 µs a number, which a registry of 100,000 rows
    feels) for `_valid_national`, which asks the same metadata the same
    question with two regular expressions.
    """
    usual = _RUSSIAN.fullmatch(value.translate(_SEPARATORS))
    if usual is not None:
        national = usual.group(1)
        return f"+7{national}" if _valid_national(national) else None
    return _parsed_phone(value)


def _valid_national(national: str) -> bool:
    """What `phonenumbers.is_valid_number` answers for +7 and these ten digits.

    Its steps, kept: the region is the first of the code's regions whose
    leading digits start the number (or, for a region without them, whose
    types admit it), then the number is valid when that region's general
    pattern and one of its types admit it. The types' patterns are joined
    into one alternation per region, compiled once.
    """
    for region in _regions_of_seven():
        if region.leading is None:
            if region.admits(national):
                return True
        elif region.leading.match(national):
            return region.admits(national)
    return False


class _Region:
    """One region's metadata for ten-digit national numbers."""

    def __init__(self, metadata: PhoneMetadata) -> None:
        leading = metadata.leading_digits
        self.leading = None if leading is None else re.compile(leading)
        self.general = _pattern([metadata.general_desc])
        types = [
            metadata.premium_rate,
            metadata.toll_free,
            metadata.shared_cost,
            metadata.voip,
            metadata.personal_number,
            metadata.pager,
            metadata.uan,
            metadata.voicemail,
            metadata.fixed_line,
        ]
        if not metadata.same_mobile_and_fixed_line_pattern:
            types.append(metadata.mobile)
        self.types = _pattern(types)

    def admits(self, national: str) -> bool:
        return bool(
            self.general
            and self.types
            and self.general.fullmatch(national)
            and self.types.fullmatch(national)
        )


def _pattern(descriptions: list[PhoneNumberDesc | None]) -> re.Pattern[str] | None:
    """The descriptions that admit ten digits, as one pattern; None when none does."""
    alternatives = [
        f"(?:{description.national_number_pattern})"
        for description in descriptions
        if description is not None
        and description.national_number_pattern
        and (not description.possible_length or _NATIONAL_LENGTH in description.possible_length)
    ]
    return re.compile("|".join(alternatives)) if alternatives else None


@cache
def _regions_of_seven() -> tuple[_Region, ...]:
    found = map(PhoneMetadata.metadata_for_region, phonenumbers.COUNTRY_CODE_TO_REGION_CODE[7])
    return tuple(_Region(metadata) for metadata in found if metadata is not None)


def _parsed_phone(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def canonical_login(login: str) -> str:
    """How a login is compared: a phone number in E.164 form, anything else by `login_key`
    (a phone typed in fullwidth digits is a phone too: NFKC comes first)."""
    return normal_phone(unicodedata.normalize("NFKC", login)) or login_key(login)


def login(checks: Checks, value: object, field: str = "login") -> str:
    """A login in canonical form; "" after recording why `value` cannot be one (blank, too
    long, invisible characters, letters of several scripts). Cheap whatever `value` is:
    its length is checked before anything else looks at it."""
    if not isinstance(value, str):
        checks.add(
            Problem(codes.Value.WRONG_TYPE, field, type(value).__name__, expect("type", type="str"))
        )
        return ""
    text = checks.text(value, field, LOGIN_LENGTH)
    if not text:
        return ""
    problems = login_problems(text, field)
    for problem in problems:
        checks.add(problem)
    return "" if problems else canonical_login(text)


def phone(checks: Checks, value: object, field: str) -> str | None:
    """An optional phone number in E.164 form; a problem is recorded when it is not one."""
    text = checks.optional_text(value, field, 50)
    if text is None:
        return None
    normal = normal_phone(text)
    if normal is None:
        checks.add(
            Problem(codes.Phone.INVALID, field, text, expect("example", example=PHONE_EXAMPLE))
        )
    return normal


def email(checks: Checks, value: object, field: str) -> str | None:
    """An optional e-mail address, its domain lower-cased; syntax only, no DNS lookups."""
    text = checks.optional_text(value, field, 254)
    if text is None:
        return None
    try:
        return email_validator.validate_email(text, check_deliverability=False).normalized
    except email_validator.EmailNotValidError as error:
        cause, words = email_cause(str(error)), str(error)
        checks.add(Problem(codes.Email.INVALID, field, text, cause=cause, detail=words))
        return None


def email_cause(words: str) -> str:
    """The cause (a key of the catalogue's `causes`) of email-validator's refusal, which
    it words in English only; the first entry of `_EMAIL_CAUSES` whose phrase it uses."""
    for cause, phrases in _EMAIL_CAUSES:
        if any(phrase in words for phrase in phrases):
            return cause
    return "email.other"
