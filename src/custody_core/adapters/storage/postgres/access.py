"""PostgreSQL repositories of cabinet access: users, cards, settings, attachments, audit, logins."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn
from uuid import UUID

import psycopg
from attrs import evolve
from psycopg.types.json import Jsonb

from custody_core.adapters.storage.cursors import number_cursor, paged, text_cursor
from custody_core.adapters.storage.postgres.base import Repository, Row, Where, guarded
from custody_core.adapters.storage.postgres.codec import instant_out, optional_instant_out
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


class Users(Repository):
    _COLUMNS = (
        "id, account_id, login, last_name, first_name, created_at, middle_name, phone, email,"
        " password_hash, roles, disabled, external_id, version"
    )
    _SELECT = f"SELECT {_COLUMNS} FROM users"

    def add(self, user: User) -> None:
        try:
            with guarded(self._db):
                self._db.execute(
                    f"INSERT INTO users ({self._COLUMNS})"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (user.id, user.account_id, *self._changing(user)),
                )
        except psycopg.errors.UniqueViolation as error:
            self._refuse(user, error)

    def save(self, user: User, previous: User) -> None:
        try:
            with guarded(self._db):
                cursor = self._db.execute(
                    "UPDATE users SET login = %s, last_name = %s, first_name = %s,"
                    " created_at = %s, middle_name = %s, phone = %s, email = %s,"
                    " password_hash = %s, roles = %s, disabled = %s, external_id = %s,"
                    " version = %s WHERE account_id = %s AND id = %s AND version = %s",
                    (*self._changing(user), user.account_id, user.id, previous.version),
                )
        except psycopg.errors.UniqueViolation as error:
            self._refuse(user, error)
        if cursor.rowcount != 1:
            raise conflicts.user_changed(user.login)

    @staticmethod
    def _changing(u: User) -> tuple[object, ...]:
        return (
            u.login,
            u.last_name,
            u.first_name,
            u.created_at,
            u.middle_name,
            u.phone,
            u.email,
            u.password_hash,
            sorted(role.value for role in u.roles),
            u.disabled,
            u.external_id,
            u.version,
        )

    def _refuse(self, user: User, error: psycopg.errors.UniqueViolation) -> NoReturn:
        """Raise the Conflict the in-memory backend gives, checking the login first as it does."""
        if self._one(
            "SELECT 1 FROM users WHERE account_id = %s AND login = %s AND id <> %s",
            user.account_id,
            user.login,
            user.id,
        ):
            raise conflicts.login_taken(user.login) from None
        if user.external_id is not None and self._one(
            "SELECT 1 FROM users WHERE account_id = %s AND external_id = %s AND id <> %s",
            user.account_id,
            user.external_id,
            user.id,
        ):
            raise conflicts.external_id_taken(user.external_id) from None
        raise error

    def get(self, account_id: UUID, user_id: UUID) -> User | None:
        return self._single("id = %s", account_id, user_id)

    def by_login(self, account_id: UUID, login: str) -> User | None:
        return self._single("login = %s", account_id, login)

    def by_external_id(self, account_id: UUID, external_id: str) -> User | None:
        return self._single("external_id = %s", account_id, external_id)

    def _single(self, where: str, *params: object) -> User | None:
        row = self._one(f"{self._SELECT} WHERE account_id = %s AND {where}", *params)
        return None if row is None else _user(row)

    def find(self, account_id: UUID, query: UserQuery, page: PageRequest) -> Page[User]:
        where = (
            Where()
            .add("account_id = %s", account_id)
            .add("login > %s", text_cursor(page.after))
            .equal("disabled", query.disabled)
        )
        if query.role is not None:
            where.add("%s = ANY(roles)", query.role.value)
        rows = self._all(
            f"{self._SELECT} WHERE {where} ORDER BY login LIMIT %s", *where.params, page.limit + 1
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
        id=id_,
        account_id=account,
        login=login,
        last_name=last_name,
        first_name=first_name,
        created_at=instant_out(created),
        middle_name=middle_name,
        phone=phone,
        email=email,
        password_hash=password_hash,
        roles=frozenset(Role(role) for role in roles),
        disabled=disabled,
        external_id=external_id,
        version=version,
    )


class Cards(Repository):
    _SELECT = (
        "SELECT id, account_id, counterparty_id, contract_id, user_id, login, created_at, url"
        " FROM connection_cards"
    )

    def add(self, card: ConnectionCard) -> None:
        c = card
        try:
            with guarded(self._db):
                self._db.execute(
                    "INSERT INTO connection_cards (id, account_id, counterparty_id, contract_id,"
                    " user_id, login, created_at, url) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        c.id,
                        c.account_id,
                        c.counterparty_id,
                        c.contract_id,
                        c.user_id,
                        c.login,
                        c.created_at,
                        c.url,
                    ),
                )
        except psycopg.errors.UniqueViolation:
            if self._one(
                "SELECT 1 FROM connection_cards WHERE account_id = %s AND user_id = %s"
                " AND id <> %s",
                c.account_id,
                c.user_id,
                c.id,
            ):
                raise conflicts.card_exists(c.user_id) from None
            if self._one(
                "SELECT 1 FROM connection_cards WHERE account_id = %s AND login = %s AND id <> %s",
                c.account_id,
                c.login,
                c.id,
            ):
                raise conflicts.card_login_taken(c.login) from None
            raise

    def by_user(self, account_id: UUID, user_id: UUID) -> ConnectionCard | None:
        return self._single("user_id = %s", account_id, user_id)

    def by_login(self, account_id: UUID, login: str) -> ConnectionCard | None:
        return self._single("login = %s", account_id, login)

    def _single(self, where: str, *params: object) -> ConnectionCard | None:
        row = self._one(f"{self._SELECT} WHERE account_id = %s AND {where}", *params)
        return None if row is None else _card(row)

    def of_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[ConnectionCard]:
        rows = self._all(
            f"{self._SELECT} WHERE account_id = %s AND counterparty_id = %s"
            " ORDER BY created_at, login",
            account_id,
            counterparty_id,
        )
        return [_card(row) for row in rows]


def _card(row: Row) -> ConnectionCard:
    id_, account, counterparty, contract, user, login, created, url = row
    return ConnectionCard(
        id=id_,
        account_id=account,
        counterparty_id=counterparty,
        contract_id=contract,
        user_id=user,
        login=login,
        created_at=instant_out(created),
        url=url,
    )


class Settings(Repository):
    """Stored as one JSON object: fields added later take their defaults when read."""

    def get(self, account_id: UUID) -> AccountSettings:
        row = self._one("SELECT body FROM account_settings WHERE account_id = %s", account_id)
        if row is None:
            return AccountSettings()
        return _CONVERTER.structure(row[0], AccountSettings)

    def put(self, account_id: UUID, settings: AccountSettings) -> None:
        self._db.execute(
            "INSERT INTO account_settings (account_id, body) VALUES (%s, %s)"
            " ON CONFLICT (account_id) DO UPDATE SET body = excluded.body",
            (account_id, Jsonb(_CONVERTER.unstructure(settings))),
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
            " created_at, created_by, content) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                a.id,
                a.account_id,
                a.order_id,
                a.name,
                a.media_type,
                a.size,
                a.sha256,
                a.created_at,
                a.created_by,
                bytes(content),
            ),
        )

    def get(self, account_id: UUID, attachment_id: UUID) -> Attachment | None:
        row = self._one(
            f"{self._SELECT} WHERE account_id = %s AND id = %s", account_id, attachment_id
        )
        return None if row is None else _attachment(row)

    def counterparty_of(self, account_id: UUID, attachment_id: UUID) -> UUID | None:
        row = self._one(
            "SELECT o.counterparty_id FROM attachments a JOIN orders o ON o.id = a.order_id"
            " WHERE a.account_id = %s AND a.id = %s",
            account_id,
            attachment_id,
        )
        return None if row is None else row[0]

    def of_order(self, account_id: UUID, order_id: UUID) -> list[Attachment]:
        rows = self._all(
            f"{self._SELECT} WHERE account_id = %s AND order_id = %s ORDER BY created_at, name",
            account_id,
            order_id,
        )
        return [_attachment(row) for row in rows]

    def content(self, account_id: UUID, attachment_id: UUID) -> bytes | None:
        row = self._one(
            "SELECT content FROM attachments WHERE account_id = %s AND id = %s",
            account_id,
            attachment_id,
        )
        return None if row is None else bytes(row[0])


def _attachment(row: Row) -> Attachment:
    id_, account, order, name, media_type, size, sha256, created, created_by = row
    return Attachment(
        id=id_,
        account_id=account,
        order_id=order,
        name=name,
        media_type=media_type,
        size=size,
        sha256=sha256,
        created_at=instant_out(created),
        created_by=created_by,
    )


class Audit(Repository):
    """Append-only (triggers refuse UPDATE, DELETE and TRUNCATE); seq is the append order."""

    def append(self, entry: AuditEntry) -> AuditEntry:
        e = entry
        row = self._one(
            "INSERT INTO audit_log (account_id, at, actor, action, outcome, counterparty_id,"
            " target, detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING seq",
            e.account_id,
            e.at,
            e.actor,
            e.action,
            e.outcome.value,
            e.counterparty_id,
            e.target,
            e.detail,
        )
        assert row is not None
        return evolve(e, seq=row[0])

    def find(self, account_id: UUID, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
        where = (
            Where()
            .add("account_id = %s", account_id)
            .add("seq > %s", number_cursor(page.after))
            .equal("counterparty_id", query.counterparty_id)
            .equal("actor", query.actor)
            .equal("action", query.action)
            .equal("outcome", None if query.outcome is None else query.outcome.value)
        )
        if query.since is not None:
            where.add("at >= %s", query.since)
        if query.until is not None:
            where.add("at < %s", query.until)
        rows = self._all(
            "SELECT seq, account_id, at, actor, action, outcome, counterparty_id, target, detail"
            f" FROM audit_log WHERE {where} ORDER BY seq LIMIT %s",
            *where.params,
            page.limit + 1,
        )
        return paged([_entry(row) for row in rows], page, lambda entry: entry.seq)


def _entry(row: Row) -> AuditEntry:
    seq, account, at, actor, action, outcome, counterparty, target, detail = row
    return AuditEntry(
        account_id=account,
        at=instant_out(at),
        actor=actor,
        action=action,
        outcome=Outcome(outcome),
        counterparty_id=counterparty,
        target=target,
        detail=detail,
        seq=seq,
    )


class Logins(Repository):
    def get(self, account_id: UUID, login: str) -> LoginAttempts:
        row = self._one(
            "SELECT failures, locked_until FROM login_attempts"
            " WHERE account_id = %s AND login = %s",
            account_id,
            login,
        )
        return (
            LoginAttempts(account_id, login) if row is None else _attempts(account_id, login, row)
        )

    def change(
        self, account_id: UUID, login: str, how: Callable[[LoginAttempts], LoginAttempts]
    ) -> tuple[LoginAttempts, LoginAttempts]:
        """Read through an upsert that changes nothing: it creates a missing row and locks
        the row until the unit of work ends, so that concurrent changes of the same login
        wait for each other instead of overwriting each other (READ COMMITTED would let
        a plain read and write lose attempts)."""
        row = self._one(
            "INSERT INTO login_attempts (account_id, login, failures) VALUES (%s, %s, 0)"
            " ON CONFLICT (account_id, login) DO UPDATE SET failures = login_attempts.failures"
            " RETURNING failures, locked_until",
            account_id,
            login,
        )
        assert row is not None
        before = _attempts(account_id, login, row)
        after = how(before)
        if after != before:
            self._db.execute(
                "UPDATE login_attempts SET failures = %s, locked_until = %s"
                " WHERE account_id = %s AND login = %s",
                (after.failures, after.locked_until, account_id, login),
            )
        return before, after


def _attempts(account_id: UUID, login: str, row: Row) -> LoginAttempts:
    failures, locked_until = row
    return LoginAttempts(account_id, login, failures, optional_instant_out(locked_until))
