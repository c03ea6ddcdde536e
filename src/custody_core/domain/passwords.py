"""The password policy an account sets, and the check every new password passes."""

from __future__ import annotations

from attrs import frozen

from custody_core.domain.errors import Problem

#: Longer passwords are refused before hashing: a hash of megabytes is a denial of service.
MAX_PASSWORD_LENGTH = 1024


@frozen
class PasswordPolicy:
    min_length: int = 10
    require_letter: bool = True
    require_digit: bool = True
    #: A password may not contain the user's login.
    forbid_login: bool = True

    def problems(self, password: str, login: str, field: str = "password") -> list[Problem]:
        found = []
        if len(password) < self.min_length:
            found.append(Problem("password.too_short", field, None, str(self.min_length)))
        if len(password) > MAX_PASSWORD_LENGTH:
            found.append(Problem("password.too_long", field, None, str(MAX_PASSWORD_LENGTH)))
        if self.require_letter and not any(char.isalpha() for char in password):
            found.append(Problem("password.needs_letter", field))
        if self.require_digit and not any(char.isdigit() for char in password):
            found.append(Problem("password.needs_digit", field))
        if self.forbid_login and login and login.casefold() in password.casefold():
            found.append(Problem("password.contains_login", field))
        return found
