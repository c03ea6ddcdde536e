"""Users of the cabinet: who they are, which roles they hold, how their password is kept.

A user's password exists only as a hash made by the password hasher port;
nothing in the domain ever holds it in clear beyond the draft it arrives in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from attrs import evolve, field, frozen

from custody_core.domain import codes
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.principal import Role


def role_problems(roles: Iterable[Role], field_name: str = "roles") -> list[Problem]:
    """The client cabinet role stands alone: whoever holds it holds no other role."""
    held = frozenset(roles)
    if Role.CLIENT in held and len(held) > 1:
        return [
            Problem(
                codes.Roles.CLIENT_EXCLUSIVE,
                field_name,
                sorted(role.value for role in held),
                expect("only_role", roles=Role.CLIENT),
            )
        ]
    return []


@frozen
class UserDraft:
    """A new user as an administrator types it (the seed's user card)."""

    login: str
    password: str = field(repr=False)
    password_confirmation: str = field(repr=False)
    last_name: str = ""
    first_name: str = ""
    middle_name: str | None = None
    phone: str | None = None
    email: str | None = None


@frozen
class ExternalIdentity:
    """What an external identity provider vouches for after a successful login."""

    #: The provider's stable id of the person (never reused), unique per provider.
    subject: str
    login: str
    last_name: str = ""
    first_name: str = ""
    middle_name: str | None = None
    phone: str | None = None
    email: str | None = None


@frozen
class User:
    id: UUID
    account_id: UUID
    #: Stored in canonical form: a phone number in E.164, anything else by `login_key`.
    login: str
    last_name: str
    first_name: str
    created_at: datetime
    middle_name: str | None = None
    #: E.164, such as +79123456789.
    phone: str | None = None
    email: str | None = None
    #: None for users an external identity provider authenticates.
    password_hash: str | None = field(default=None, repr=False)
    roles: frozenset[Role] = frozenset()
    disabled: bool = False
    #: "provider:subject" of a user provisioned by an external identity provider.
    external_id: str | None = None
    version: int = 1

    def __attrs_post_init__(self) -> None:
        problems = role_problems(self.roles)
        if problems:
            raise ValidationError(problems)

    @property
    def is_client(self) -> bool:
        return Role.CLIENT in self.roles

    @property
    def full_name(self) -> str:
        return " ".join(
            part for part in (self.last_name, self.first_name, self.middle_name) if part
        )

    def with_roles(self, roles: Iterable[Role]) -> User:
        return evolve(self, roles=frozenset(roles), version=self.version + 1)

    def with_password_hash(self, password_hash: str) -> User:
        return evolve(self, password_hash=password_hash, version=self.version + 1)

    def with_disabled(self, disabled: bool) -> User:
        return evolve(self, disabled=disabled, version=self.version + 1)
