"""Who acts: the principal passed to every use case."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from uuid import UUID

from attrs import field, frozen

from custody_core.domain import codes
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    MANAGER = "manager"
    #: The seed's "ES: Личный кабинет клиента"; exclusive of every other role.
    CLIENT = "client_cabinet"


def _roles(roles: Iterable[Role]) -> frozenset[Role]:
    return frozenset(Role(role) for role in roles)


@frozen
class Principal:
    """A user acting in one account; a client principal also names its counterparty.

    The invariants are checked on construction, so a principal that exists is
    coherent: a client holds no other role and always represents exactly one
    counterparty; staff represent none.
    """

    user: str
    account_id: UUID
    roles: frozenset[Role] = field(converter=_roles)
    counterparty_id: UUID | None = None

    def __attrs_post_init__(self) -> None:
        problems = []
        if Role.CLIENT in self.roles and len(self.roles) > 1:
            problems.append(
                Problem(
                    codes.Value.INVALID,
                    "roles",
                    sorted(self.roles),
                    expect("only_role", roles=Role.CLIENT),
                )
            )
        if self.is_client and self.counterparty_id is None:
            problems.append(
                Problem(codes.Value.INVALID, "counterparty_id", None, expect("client_counterparty"))
            )
        if not self.is_client and self.counterparty_id is not None:
            problems.append(
                Problem(
                    codes.Value.INVALID,
                    "counterparty_id",
                    str(self.counterparty_id),
                    expect("no_counterparty"),
                )
            )
        if problems:
            raise ValidationError(problems)

    @property
    def is_client(self) -> bool:
        return Role.CLIENT in self.roles

    @classmethod
    def manager(cls, account_id: UUID, user: str) -> Principal:
        return cls(user, account_id, frozenset([Role.MANAGER]))

    @classmethod
    def administrator(cls, account_id: UUID, user: str) -> Principal:
        return cls(user, account_id, frozenset([Role.ADMINISTRATOR]))

    @classmethod
    def client(cls, account_id: UUID, user: str, counterparty_id: UUID) -> Principal:
        return cls(user, account_id, frozenset([Role.CLIENT]), counterparty_id)
