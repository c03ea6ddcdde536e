"""The auth port: password hashers and identity providers, both plugged in through pluggy."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from custody_core.domain.users import ExternalIdentity


class PasswordHasher(Protocol):
    """Makes and checks password hashes; the stored string names its own parameters."""

    def hash(self, password: str) -> str: ...
    def verify(self, stored: str, password: str) -> bool:
        """True when `password` matches `stored`; compares in constant time and returns
        False (never raises) for a malformed or foreign `stored`."""
        ...

    def needs_rehash(self, stored: str) -> bool:
        """True when `stored` was made with other parameters than this hasher's."""
        ...


class IdentityProvider(Protocol):
    """Someone else checks the password (an SSO, a directory) and vouches for the person."""

    #: Prefix of the external ids of the users it provisions.
    name: str

    def authenticate(self, login: str, password: str) -> ExternalIdentity | None:
        """The identity `login` proves with `password`, or None when it proves none.

        An exception is counted as a failed login; its text never reaches a message,
        the audit log or the error the login raises (it may quote the password)."""
        ...


@runtime_checkable
class SubjectLookup(Protocol):
    """A provider that can also tell whose a login is without checking a password (a
    directory search, say). Failed logins then count per subject, however many aliases
    (e-mail, short name, DOMAIN\\name) the provider accepts for one person."""

    def subject_of(self, login: str) -> str | None:
        """The subject `login` names, or None when it names nobody the provider knows."""
        ...
