"""SQLite repositories of cabinet access: users, cards, settings, attachments, audit, logins."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import NoReturn
from uuid import UUID

from attrs import evolve

from custody_core.adapters.storage.cursors import number_cursor, paged, text_cursor
from custody_core.adapters.storage.sqlite.base import Repository, Row, Where
from custody_core.adapters.storage.sqlite.codec import (
    instant_in,
    instant_out,
    optional_instant_out,
    uid,
    uid_out,
)
from custody_core.converter import make_converter
from custody_core.domain import conflicts
from custody_core.domain.attachments import Attachment
from custody_core.domain.audit import AuditEntry, AuditQuery, Outcome
from custody_core.domain.cards import ConnectionCard
from custody_core.domain.lockout import LoginAttempts
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.principal import Role
from custody_core.domain.settings import AccountSettings
from custody_core.domain.users import User
from custody_core.ports.access import UserQuery

_CONVERTER = make_converter()


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _unique_violation(error: sqlite3.IntegrityError) -> bool:
    return "UNIQUE constraint failed" in str(error)


class Users(Repository):
    _COLUMNS = (
        "id, account_id, login, last_name, first_name, created_at, middle_name, phone, email,"
        " password_hash, roles, disabled, external_id, version"
    )
    _SELECT = f"SELECT {_COLUMNS} FROM users"

    def add(self, user: User) -> None:
        u = user
        try:
            self._db.execute(
                f"INSERT INTO users ({self._COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?)",
                (uid(u.id), uid(u.account_id), *self._changing(u)),
            )
        except sqlite3.IntegrityError as error:
            self._refuse(u, error)

    def save(self, user: User, previous: User) -> None:
        try:
            cursor = self._db.execute(
                "UPDATE users SET login = ?, last_name = ?, first_name = ?, created_at = ?,"
                " middle_name = ?, phone = ?, email = ?, password_hash = ?, roles = ?,"
                " disabled = ?, external_id = ?, version = ?"
                " WHERE account_id = ? AND id = ? AND version = ?",
                (*self._changing(user), uid(user.account_id), uid(user.id), previous.version),
            )
        except sqlite3.IntegrityError as error:
            self._refuse(user, error)
        if cursor.rowcount != 1:
            raise conflicts.user_changed(user.login)

    @staticmethod
    def _changing(u: User) -> tuple[object, ...]:
        return (
            u.login,
            u.last_name,
            u.first_name,
            instant_in(u.created_at),
            u.middle_name,
            u.phone,
            u.email,
            u.password_hash,
            ",".join(sorted(role.value for role in u.roles)),
            int(u.disabled),
            u.external_id,
            u.version,
        )

    def _refuse(self, user: User, error: sqlite3.IntegrityError) -> NoReturn:
        """Raise the Conflict the in-memory backend gives, checking the login first as it does."""
        if not _unique_violation(error):
            raise error
        account, key = uid(user.account_id), uid(user.id)
        if self._one(
            "SELECT 1 FROM users WHERE account_id = ? AND login = ? AND id != ?",
            account,
            user.login,
            key,
        ):
            raise conflicts.login_taken(user.login) from None
        if user.external_id is not None and self._one(
            "SELECT 1 FROM users WHERE account_id = ? AND external_id = ? AND id != ?",
            account,
            user.external_id,
            key,
        ):
            raise conflicts.external_id_taken(user.external_id) from None
        raise error

    def get(self, account_id: UUID, user_id: UUID) -> User | None:
        return self._single("id = ?", uid(account_id), uid(user_id))

    def by_login(self, account_id: UUID, login: str) -> User | None:
        return self._single("login = ?", uid(account_id), login)

    def by_external_id(self, account_id: UUID, external_id: str) -> User | None:
        return self._single("external_id = ?", uid(account_id), external_id)

    def _single(self, where: str, *params: object) -> User | None:
        row = self._one(f"{self._SELECT} WHERE account_id = ? AND {where}", *params)
        return None if row is None else _user(row)

    def find(self, account_id: UUID, query: UserQuery, page: PageRequest) -> Page[User]:
        where = Where().add("login > ?", text_cursor(page.after))
        if query.role is not None:
            where.add("instr(',' || roles || ',', ?) > 0", f",{query.role.value},")
        if query.disabled is not None:
            where.add("disabled = ?", int(query.disabled))
        rows = self._all(
            f"{self._SELECT} WHERE account_id = ? AND {where} ORDER BY login LIMIT ?",
            uid(account_id),
            *where.params,
            page.limit + 1,
        )
        return paged([_user(row) for row in rows], page, lambda user: user.login)


def _user(row: Row) -> User:
    (
        id_,
        account,
        login,
        last_name,
        first_name,
        created,
        middle_name,
        phone,
        email,
        password_hash,
        roles,
        disabled,
        external_id,
        version,
    ) = row
    return User(
        id=uid_out(str(id_)),
        account_id=uid_out(str(account)),
        login=str(login),
        last_name=str(last_name),
        first_name=str(first_name),
        created_at=instant_out(str(created)),
        middle_name=_text(middle_name),
        phone=_text(phone),
        email=_text(email),
        password_hash=_text(password_hash),
        roles=frozenset(Role(role) for role in str(roles).split(",") if role),
        disabled=bool(disabled),
        external_id=_text(external_id),
        version=int(str(version)),
    )


class Cards(Repository):
    _SELECT = (
        "SELECT id, account_id, counterparty_id, contract_id, user_id, login, created_at, url"
        " FROM connection_cards"
    )

    def add(self, card: ConnectionCard) -> None:
        c = card
        try:
            self._db.execute(
                "INSERT INTO connection_cards (id, account_id, counterparty_id, contract_id,"
                " user_id, login, created_at, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid(c.id),
                    uid(c.account_id),
                    uid(c.counterparty_id),
                    uid(c.contract_id),
                    uid(c.user_id),
                    c.login,
                    instant_in(c.created_at),
                    c.url,
                ),
            )
        except sqlite3.IntegrityError as error:
            if not _unique_violation(error):
                raise
            account, key = uid(c.account_id), uid(c.id)
            if self._one(
                "SELECT 1 FROM connection_cards WHERE account_id = ? AND user_id = ? AND id != ?",
                account,
                uid(c.user_id),
                key,
            ):
                raise conflicts.card_exists(c.user_id) from None
            if self._one(
                "SELECT 1 FROM connection_cards WHERE account_id = ? AND login = ? AND id != ?",
                account,
                c.login,
                key,
            ):
                raise conflicts.card_login_taken(c.login) from None
            raise

    def by_user(self, account_id: UUID, user_id: UUID) -> ConnectionCard | None:
        return self._single("user_id = ?", uid(account_id), uid(user_id))

    def by_login(self, account_id: UUID, login: str) -> ConnectionCard | None:
        return self._single("login = ?", uid(account_id), login)

    def _single(self, where: str, *params: object) -> ConnectionCard | None:
        row = self._one(f"{self._SELECT} WHERE account_id = ? AND {where}", *params)
        return None if row is None else _card(row)

    def of_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[ConnectionCard]:
        rows = self._all(
            f"{self._SELECT} WHERE account_id = ? AND counterparty_id = ?"
            " ORDER BY created_at, login",
            uid(account_id),
            uid(counterparty_id),
        )
        return [_card(row) for row in rows]


def _card(row: Row) -> ConnectionCard:
    id_, account, counterparty, contract, user, login, created, url = row
    return ConnectionCard(
        id=uid_out(str(id_)),
        account_id=uid_out(str(account)),
        counterparty_id=uid_out(str(counterparty)),
        contract_id=uid_out(str(contract)),
        user_id=uid_out(str(user)),
        login=str(login),
        created_at=instant_out(str(created)),
        url=_text(url),
    )


class Settings(Repository):
    """Stored as one JSON object: fields added later take their defaults when read."""

    def get(self, account_id: UUID) -> AccountSettings:
        row = self._one("SELECT body FROM account_settings WHERE account_id = ?", uid(account_id))
        if row is None:
            return AccountSettings()
        return _CONVERTER.structure(json.loads(str(row[0])), AccountSettings)

    def put(self, account_id: UUID, settings: AccountSettings) -> None:
        body = json.dumps(_CONVERTER.unstructure(settings), sort_keys=True)
        self._db.execute(
            "INSERT INTO account_settings (account_id, body) VALUES (?, ?)"
            " ON CONFLICT (account_id) DO UPDATE SET body = excluded.body",
            (uid(account_id), body),
        )


class Attachments(Repository):
    _SELECT = (
        "SELECT id, account_id, order_id, name, media_type, size, sha256, created_at, created_by"
        " FROM attachments"
    )

    def add(self, attachment: Attachment, content: bytes) -> None:
        a = attachment
        self._db.execute(
            "INSERT INTO attachments (id, account_id, order_id, name, media_type, size, sha256,"
            " created_at, created_by, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid(a.id),
                uid(a.account_id),
                uid(a.order_id),
                a.name,
                a.media_type,
                a.size,
                a.sha256,
                instant_in(a.created_at),
                a.created_by,
                bytes(content),
            ),
        )

    def get(self, account_id: UUID, attachment_id: UUID) -> Attachment | None:
        row = self._one(
            f"{self._SELECT} WHERE account_id = ? AND id = ?", uid(account_id), uid(attachment_id)
        )
        return None if row is None else _attachment(row)

    def counterparty_of(self, account_id: UUID, attachment_id: UUID) -> UUID | None:
        row = self._one(
            "SELECT o.counterparty_id FROM attachments a JOIN orders o ON o.id = a.order_id"
            " WHERE a.account_id = ? AND a.id = ?",
            uid(account_id),
            uid(attachment_id),
        )
        return None if row is None else uid_out(str(row[0]))

    def of_order(self, account_id: UUID, order_id: UUID) -> list[Attachment]:
        rows = self._all(
            f"{self._SELECT} WHERE account_id = ? AND order_id = ? ORDER BY created_at, name",
            uid(account_id),
            uid(order_id),
        )
        return [_attachment(row) for row in rows]

    def content(self, account_id: UUID, attachment_id: UUID) -> bytes | None:
        row = self._one(
            "SELECT content FROM attachments WHERE account_id = ? AND id = ?",
            uid(account_id),
            uid(attachment_id),
        )
        if row is None:
            return None
        content = row[0]
        assert isinstance(content, bytes)
        return content


def _attachment(row: Row) -> Attachment:
    id_, account, order, name, media_type, size, sha256, created, created_by = row
    return Attachment(
        id=uid_out(str(id_)),
        account_id=uid_out(str(account)),
        order_id=uid_out(str(order)),
        name=str(name),
        media_type=str(media_type),
        size=int(str(size)),
        sha256=str(sha256),
        created_at=instant_out(str(created)),
        created_by=str(created_by),
    )


class Audit(Repository):
    """Append-only (triggers refuse UPDATE and DELETE); seq is the rowid, the append order."""

    def append(self, entry: AuditEntry) -> AuditEntry:
        e = entry
        cursor = self._db.execute(
            "INSERT INTO audit_log (account_id, at, actor, action, outcome, counterparty_id,"
            " target, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid(e.account_id),
                instant_in(e.at),
                e.actor,
                e.action,
                e.outcome.value,
                None if e.counterparty_id is None else uid(e.counterparty_id),
                e.target,
                e.detail,
            ),
        )
        assert cursor.lastrowid is not None
        return evolve(e, seq=cursor.lastrowid)

    def find(self, account_id: UUID, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
        where = (
            Where()
            .add("seq > ?", number_cursor(page.after))
            .equal("counterparty_id", query.counterparty_id)
        )
        for column, value in (
            ("actor", query.actor),
            ("action", query.action),
            ("outcome", None if query.outcome is None else query.outcome.value),
        ):
            if value is not None:
                where.add(f"{column} = ?", value)
        if query.since is not None:
            where.add("at >= ?", instant_in(query.since))
        if query.until is not None:
            where.add("at < ?", instant_in(query.until))
        rows = self._all(
            "SELECT seq, account_id, at, actor, action, outcome, counterparty_id, target, detail"
            f" FROM audit_log WHERE account_id = ? AND {where} ORDER BY seq LIMIT ?",
            uid(account_id),
            *where.params,
            page.limit + 1,
        )
        return paged([_entry(row) for row in rows], page, lambda entry: entry.seq)


def _entry(row: Row) -> AuditEntry:
    seq, account, at, actor, action, outcome, counterparty, target, detail = row
    return AuditEntry(
        account_id=uid_out(str(account)),
        at=instant_out(str(at)),
        actor=str(actor),
        action=str(action),
        outcome=Outcome(str(outcome)),
        counterparty_id=None if counterparty is None else uid_out(str(counterparty)),
        target=_text(target),
        detail=_text(detail),
        seq=int(str(seq)),
    )


class Logins(Repository):
    def get(self, account_id: UUID, login: str) -> LoginAttempts:
        row = self._one(
            "SELECT failures, locked_until FROM login_attempts WHERE account_id = ? AND login = ?",
            uid(account_id),
            login,
        )
        return (
            LoginAttempts(account_id, login) if row is None else _attempts(account_id, login, row)
        )

    def change(
        self, account_id: UUID, login: str, how: Callable[[LoginAttempts], LoginAttempts]
    ) -> tuple[LoginAttempts, LoginAttempts]:
        """Read by a write (an upsert that changes nothing), so that the unit of work holds
        the database's write lock before it reads, whichever way it began."""
        row = self._one(
            "INSERT INTO login_attempts (account_id, login, failures) VALUES (?, ?, 0)"
            " ON CONFLICT (account_id, login) DO UPDATE SET failures = failures"
            " RETURNING failures, locked_until",
            uid(account_id),
            login,
        )
        assert row is not None
        before = _attempts(account_id, login, row)
        after = how(before)
        if after != before:
            self._db.execute(
                "UPDATE login_attempts SET failures = ?, locked_until = ?"
                " WHERE account_id = ? AND login = ?",
                (
                    after.failures,
                    None if after.locked_until is None else instant_in(after.locked_until),
                    uid(account_id),
                    login,
                ),
            )
        return before, after


def _attempts(account_id: UUID, login: str, row: Row) -> LoginAttempts:
    failures, locked_until = row
    return LoginAttempts(
        account_id, login, int(str(failures)), optional_instant_out(_text(locked_until))
    )
