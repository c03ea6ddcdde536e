"""Repositories of cabinet access: users, connection cards, settings, attachments, audit.

They are part of the storage port (the unit of work exposes them) and follow
its rules: every query is scoped by account and returns domain objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from uuid import UUID

from attrs import frozen

from custody_core.domain.attachments import Attachment
from custody_core.domain.audit import AuditEntry, AuditQuery
from custody_core.domain.cards import ConnectionCard
from custody_core.domain.lockout import LoginAttempts
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.principal import Role
from custody_core.domain.settings import AccountSettings
from custody_core.domain.users import User


@frozen
class UserQuery:
    role: Role | None = None
    disabled: bool | None = None


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Store a new user; Conflict when the login (or the external id) is taken."""
        ...

    def save(self, user: User, previous: User) -> None:
        """Store `user`, changed from `previous`; Conflict unless `previous` is what is stored."""
        ...

    def get(self, account_id: UUID, user_id: UUID) -> User | None: ...
    def by_login(self, account_id: UUID, login: str) -> User | None:
        """The user whose login is `login` (in canonical form, see `User.login`)."""
        ...

    def by_external_id(self, account_id: UUID, external_id: str) -> User | None: ...
    def find(self, account_id: UUID, query: UserQuery, page: PageRequest) -> Page[User]:
        """Users by login."""
        ...


class CardRepository(Protocol):
    def add(self, card: ConnectionCard) -> None:
        """Store a card; Conflict when the user already has one or the login is taken."""
        ...

    def by_user(self, account_id: UUID, user_id: UUID) -> ConnectionCard | None: ...
    def by_login(self, account_id: UUID, login: str) -> ConnectionCard | None: ...
    def of_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[ConnectionCard]:
        """The counterparty's cards, oldest first."""
        ...


class SettingsRepository(Protocol):
    def get(self, account_id: UUID) -> AccountSettings:
        """The account's settings; the defaults when none were saved."""
        ...

    def put(self, account_id: UUID, settings: AccountSettings) -> None: ...


class AttachmentRepository(Protocol):
    def add(self, attachment: Attachment, content: bytes) -> None: ...
    def get(self, account_id: UUID, attachment_id: UUID) -> Attachment | None: ...
    def counterparty_of(self, account_id: UUID, attachment_id: UUID) -> UUID | None:
        """The counterparty of the attachment's order, None when there is no such
        attachment (see `OrderRepository.counterparty_of`)."""
        ...

    def of_order(self, account_id: UUID, order_id: UUID) -> list[Attachment]:
        """The order's attachments, oldest first."""
        ...

    def content(self, account_id: UUID, attachment_id: UUID) -> bytes | None: ...


class AuditLog(Protocol):
    """Append-only: entries are never changed or removed."""

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Store `entry`; returns it with its position in the log."""
        ...

    def find(self, account_id: UUID, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
        """Entries in the order they were written."""
        ...


class LoginAttemptRepository(Protocol):
    def get(self, account_id: UUID, login: str) -> LoginAttempts:
        """Attempts of `login` (in `login_key` form); none recorded gives zero failures."""
        ...

    def change(
        self, account_id: UUID, login: str, how: Callable[[LoginAttempts], LoginAttempts]
    ) -> tuple[LoginAttempts, LoginAttempts]:
        """Store `how(attempts)` in place of the login's attempts; returns both, before and
        after. Atomic against every other unit of work changing the same login, in any
        process: the row (or the database) is locked before it is read, and held until the
        unit of work ends. A backend that reads and then writes unlocked loses attempts
        and lets concurrent guesses past the lockout."""
        ...
