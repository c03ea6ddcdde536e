"""The password policy an account sets, and the check every new password passes."""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

from attrs import frozen

from custody_core.domain import codes
from custody_core.domain.errors import Problem
from custody_core.domain.messages import expect

#: Longer passwords are refused before hashing: a hash of megabytes is a denial of service.
MAX_PASSWORD_LENGTH = 1024


@frozen
class PasswordPolicy:
    min_length: int = 10
    require_letter: bool = True
    require_digit: bool = True
    #: A password may not contain the user's login.
    forbid_login: bool = True
    #: A password may not be a common one (see `is_common`).
    forbid_common: bool = True

    def problems(self, password: str, login: str, field: str = "password") -> list[Problem]:
        found = []
        if len(password) < self.min_length:
            found.append(
                Problem(
                    codes.Password.TOO_SHORT,
                    field,
                    None,
                    expect("at_least_chars", count=self.min_length),
                )
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            found.append(
                Problem(
                    codes.Password.TOO_LONG,
                    field,
                    None,
                    expect("at_most_chars", count=MAX_PASSWORD_LENGTH),
                )
            )
        if self.require_letter and not any(char.isalpha() for char in password):
            found.append(Problem(codes.Password.NEEDS_LETTER, field))
        if self.require_digit and not any(char.isdigit() for char in password):
            found.append(Problem(codes.Password.NEEDS_DIGIT, field))
        if self.forbid_login and login and login.casefold() in password.casefold():
            found.append(Problem(codes.Password.CONTAINS_LOGIN, field))
        if self.forbid_common and is_common(password):
            found.append(Problem(codes.Password.COMMON, field))
        return found


def is_common(password: str) -> bool:
    """Whether `password`, case-folded, is on the built-in list of common passwords, or is
    one of them followed only by digits, punctuation and spaces (`qwerty2026!`)."""
    folded = password.casefold()
    stem = folded.rstrip(string.digits + string.punctuation + " ")
    return folded in _common() or (bool(stem) and stem in _common())


@cache
def _common() -> frozenset[str]:
    """The list shipped as package data, read once: common_passwords.txt."""
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
