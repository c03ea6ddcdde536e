"""In-memory repositories of cabinet access: users, cards, settings, attachments, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from attrs import evolve

from custody_core.adapters.storage.cursors import page_of, text_cursor
from custody_core.domain import conflicts
from custody_core.domain.attachments import Attachment
from custody_core.domain.audit import AuditEntry, AuditQuery
from custody_core.domain.cards import ConnectionCard
from custody_core.domain.lockout import LoginAttempts
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.settings import AccountSettings
from custody_core.domain.users import User
from custody_core.ports.access import UserQuery

if TYPE_CHECKING:
    from custody_core.adapters.storage.memory import MemoryStorage


class MemoryRepository:
    def __init__(self, storage: MemoryStorage) -> None:
        self._s = storage


class Users(MemoryRepository):
    def add(self, user: User) -> None:
        if self._s.users.get(user.id) is not None:
            raise conflicts.id_taken("user", user.id)
        self._check_unique(user)
        self._s.users.put(user)

    def save(self, user: User, previous: User) -> None:
        stored = self.get(user.account_id, user.id)
        if stored is None or stored.version != previous.version:
            raise conflicts.user_changed(user.login)
        self._check_unique(user)
        self._s.users.put(user)

    def _check_unique(self, user: User) -> None:
        if self._s.users.taken(user):
            raise conflicts.login_taken(user.login)
        holder = (
            None
            if user.external_id is None
            else self.by_external_id(user.account_id, user.external_id)
        )
        if holder is not None and holder.id != user.id:
            raise conflicts.external_id_taken(user.external_id)

    def get(self, account_id: UUID, user_id: UUID) -> User | None:
        user = self._s.users.get(user_id)
        return user if user is not None and user.account_id == account_id else None

    def by_login(self, account_id: UUID, login: str) -> User | None:
        return self._s.users.find("login", (account_id, login))

    def by_external_id(self, account_id: UUID, external_id: str) -> User | None:
        found = self._s.users.where(
            lambda u: u.account_id == account_id and u.external_id == external_id
        )
        return found[0] if found else None

    def find(self, account_id: UUID, query: UserQuery, page: PageRequest) -> Page[User]:
        rows = self._s.users.where(
            lambda u: (
                u.account_id == account_id
                and (query.role is None or query.role in u.roles)
                and query.disabled in (None, u.disabled)
            )
        )
        return page_of([(u.login, u) for u in rows], page, text_cursor)


class Cards(MemoryRepository):
    def add(self, card: ConnectionCard) -> None:
        if self._s.cards.get(card.id) is not None:
            raise conflicts.id_taken("connection card", card.id)
        taken = self._s.cards.taken(card)
        if taken == "user":
            raise conflicts.card_exists(card.user_id)
        if taken == "login":
            raise conflicts.card_login_taken(card.login)
        self._s.cards.put(card)

    def by_user(self, account_id: UUID, user_id: UUID) -> ConnectionCard | None:
        return self._s.cards.find("user", (account_id, user_id))

    def by_login(self, account_id: UUID, login: str) -> ConnectionCard | None:
        return self._s.cards.find("login", (account_id, login))

    def of_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[ConnectionCard]:
        found = self._s.cards.where(
            lambda c: c.account_id == account_id and c.counterparty_id == counterparty_id
        )
        return sorted(found, key=lambda c: (c.created_at, c.login))


class Settings(MemoryRepository):
    def get(self, account_id: UUID) -> AccountSettings:
        row = self._s.settings.get(account_id)
        return AccountSettings() if row is None else row[1]

    def put(self, account_id: UUID, settings: AccountSettings) -> None:
        self._s.settings.put((account_id, settings))


class Attachments(MemoryRepository):
    def add(self, attachment: Attachment, content: bytes) -> None:
        if self._s.attachments.get(attachment.id) is not None:
            raise conflicts.id_taken("attachment", attachment.id)
        self._s.attachments.put((attachment, bytes(content)))

    def get(self, account_id: UUID, attachment_id: UUID) -> Attachment | None:
        row = self._s.attachments.get(attachment_id)
        return row[0] if row is not None and row[0].account_id == account_id else None

    def counterparty_of(self, account_id: UUID, attachment_id: UUID) -> UUID | None:
        attachment = self.get(account_id, attachment_id)
        order = None if attachment is None else self._s.orders.get(attachment.order_id)
        return None if order is None else order.counterparty_id

    def of_order(self, account_id: UUID, order_id: UUID) -> list[Attachment]:
        found = self._s.attachments.where(
            lambda row: row[0].account_id == account_id and row[0].order_id == order_id
        )
        return sorted((row[0] for row in found), key=lambda a: (a.created_at, a.name))

    def content(self, account_id: UUID, attachment_id: UUID) -> bytes | None:
        row = self._s.attachments.get(attachment_id)
        return row[1] if row is not None and row[0].account_id == account_id else None


class Audit(MemoryRepository):
    def append(self, entry: AuditEntry) -> AuditEntry:
        journal, log = self._s.journal(), self._s.audit
        stored = evolve(entry, seq=len(log) + 1)
        log.append(stored)
        journal.append(log.pop)  # type: ignore[arg-type]
        return stored

    def find(self, account_id: UUID, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
        rows = [
            e
            for e in self._s.audit
            if e.account_id == account_id
            and query.actor in (None, e.actor)
            and query.action in (None, e.action)
            and query.outcome in (None, e.outcome)
            and query.counterparty_id in (None, e.counterparty_id)
            and (query.since is None or e.at >= query.since)
            and (query.until is None or e.at < query.until)
        ]
        return page_of([(e.seq, e) for e in rows], page)


class Logins(MemoryRepository):
    def get(self, account_id: UUID, login: str) -> LoginAttempts:
        found = self._s.logins.get((account_id, login))
        return LoginAttempts(account_id, login) if found is None else found

    def change(
        self, account_id: UUID, login: str, how: Callable[[LoginAttempts], LoginAttempts]
    ) -> tuple[LoginAttempts, LoginAttempts]:
        """Atomic because units of work hold the storage's one lock."""
        before = self.get(account_id, login)
        after = how(before)
        if after != before:
            self._s.logins.put(after)
        return before, after
