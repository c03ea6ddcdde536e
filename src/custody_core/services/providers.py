"""Logging in through an external identity provider: asking it without trusting it, and
provisioning the users it vouches for.

A provider is someone else's code on the login path. Whatever it raises becomes a
PluginError naming the provider and the exception's type, never its text or repr, which
may quote the password; the login counts it as a failed attempt. What it vouches for
passes the checks a user typed in by hand passes, or nobody is provisioned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from custody_core.domain import codes
from custody_core.domain.checks import Checks
from custody_core.domain.errors import PluginError, Problem
from custody_core.domain.text import code_point, hidden_character
from custody_core.domain.users import ExternalIdentity, User
from custody_core.ports.auth import IdentityProvider, SubjectLookup
from custody_core.ports.storage import UnitOfWork
from custody_core.services import contacts
from custody_core.services.users import login_taken

#: The longest subject a provider may give (it becomes part of the user's external id).
SUBJECT_LENGTH = 255

T = TypeVar("T")


def asked(provider: IdentityProvider, question: Callable[[], T]) -> T:
    """The provider's answer; what it raises becomes a PluginError that keeps nothing of
    the exception but its type's name (raised outside the handler, so it does not even
    chain the original as its context)."""
    try:
        return question()
    except Exception as error:  # a plugin fails in any number of ways
        failed = type(error).__name__
    raise PluginError(codes.Auth.PROVIDER_FAILED, plugin=provider.name, error=failed)


def subject_counter(provider: IdentityProvider, login: str) -> str | None:
    """Whose attempts `login` takes, when the provider can tell its subject before any
    password is checked (see `SubjectLookup`): that subject's external id."""
    if not isinstance(provider, SubjectLookup):
        return None
    subject = asked(provider, lambda: provider.subject_of(login))
    return None if subject is None else _external_id(provider, subject)


def vouched(provider: IdentityProvider, login: str, password: str) -> ExternalIdentity | None:
    identity = asked(provider, lambda: provider.authenticate(login, password))
    if identity is not None and not isinstance(identity, ExternalIdentity):
        raise _unusable(provider, [Problem(codes.Value.INVALID, "identity")])
    return identity


def external_id_of(provider: IdentityProvider, identity: ExternalIdentity) -> str:
    """The external id of the user `identity` is: "provider:subject"."""
    return _external_id(provider, identity.subject)


def provisioned(
    uow: UnitOfWork,
    provider: IdentityProvider,
    identity: ExternalIdentity,
    account_id: UUID,
    user_id: UUID,
    now: datetime,
) -> User:
    """A new user with no role, made from what the provider vouches for after the checks
    of a hand-made user's card: a login that is one (not blank, not too long, no
    invisible characters, one script) and not taken by a user or a connection card, names
    of a sensible length without control characters. Contacts it gets wrong are left out."""
    checks = Checks()
    login = contacts.login(checks, identity.login)
    last_name = _shown(checks, identity.last_name, "last_name")
    first_name = _shown(checks, identity.first_name, "first_name")
    middle_name = _shown(checks, identity.middle_name, "middle_name")
    if login and login_taken(uow, account_id, login):
        checks.add(Problem(codes.Reference.DUPLICATE, "login", login))
    if checks.problems:
        raise _unusable(provider, checks.problems)
    lenient = Checks()
    return User(
        id=user_id,
        account_id=account_id,
        login=login,
        last_name=last_name or "",
        first_name=first_name or "",
        middle_name=middle_name,
        phone=contacts.phone(lenient, identity.phone, "phone"),
        email=contacts.email(lenient, identity.email, "email"),
        created_at=now,
        external_id=external_id_of(provider, identity),
    )


def _external_id(provider: IdentityProvider, subject: object) -> str:
    checks = Checks()
    text = checks.text(subject, "subject", SUBJECT_LENGTH)
    hidden = hidden_character(text)
    if hidden is not None:
        checks.add(Problem(codes.Text.HIDDEN_CHARACTERS, "subject", code_point(hidden)))
    if checks.problems:
        raise _unusable(provider, checks.problems)
    return f"{provider.name}:{text}"


def _shown(checks: Checks, value: object, field: str) -> str | None:
    """An optional name, as a hand-made card's, refused when it holds control characters."""
    text = checks.optional_text(value, field)
    hidden = None if text is None else hidden_character(text)
    if hidden is not None:
        checks.add(Problem(codes.Text.HIDDEN_CHARACTERS, field, code_point(hidden)))
    return text


def _unusable(provider: IdentityProvider, problems: list[Problem]) -> PluginError:
    fields = ", ".join(dict.fromkeys(problem.field for problem in problems))
    return PluginError(codes.Auth.PROVIDER_IDENTITY_INVALID, plugin=provider.name, fields=fields)
