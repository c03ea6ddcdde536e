"""Conformance of cabinet access: users, connection cards, settings, attachments, the
audit log and login attempts."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from attrs import evolve

from custody_core.domain.audit import AuditEntry, AuditQuery, Outcome
from custody_core.domain.cards import ConnectionCard
from custody_core.domain.errors import Conflict
from custody_core.domain.lockout import LoginAttempts
from custody_core.domain.paging import PageRequest
from custody_core.domain.passwords import PasswordPolicy
from custody_core.domain.principal import Role
from custody_core.domain.settings import AccountSettings, LockoutPolicy, OrderLimits
from custody_core.domain.users import User
from custody_core.ports.access import UserQuery
from custody_core.ports.storage import StorageBackend
from custody_core.testing.conformance.world import (
    _NEW_HASH,
    LOGIN_RACE_CHANGES,
    LOGIN_RACERS,
    NOW,
    _attachment,
    _user,
    _World,
)


def _card(
    world: _World, user: User, login: str, created_at: datetime, url: str | None = None
) -> ConnectionCard:
    return ConnectionCard(
        uuid4(),
        world.account.id,
        world.counterparty.id,
        world.contract.id,
        user.id,
        login,
        created_at,
        url,
    )


class AccessConformance:
    """Cabinet access: users, connection cards, settings, attachments, audit, logins."""

    def test_users_round_trip_and_are_found_by_login_and_external_id(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            dave = _user(account, "dave", Role.MANAGER)
            alice = _user(account, "alice", Role.ADMINISTRATOR, Role.MANAGER)
            carol = _user(account, "carol", Role.CLIENT, external_id="oidc:42", password_hash=None)
            bob = _user(account, "bob", Role.MANAGER, disabled=True)
            nobody = _user(account, "eve")
            # the same login and external id in another account are another user
            stranger = _user(other.account.id, "alice", Role.CLIENT, external_id="oidc:42")
            for user in (dave, alice, carol, bob, nobody, stranger):
                uow.users.add(user)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.users.get(account, alice.id) == alice
            assert uow.users.get(account, stranger.id) is None
            assert uow.users.get(other.account.id, alice.id) is None
            assert uow.users.by_login(account, "alice") == alice
            assert uow.users.by_login(other.account.id, "alice") == stranger
            assert uow.users.by_login(account, "nobody") is None
            assert uow.users.by_external_id(account, "oidc:42") == carol
            assert uow.users.by_external_id(other.account.id, "oidc:42") == stranger
            assert uow.users.by_external_id(account, "oidc:43") is None
            stored = uow.users.get(account, carol.id)
            assert stored is not None
            assert stored.password_hash is None
            assert stored.roles == frozenset({Role.CLIENT})
            assert uow.users.get(account, nobody.id) == nobody

            pages: list[list[str]] = []
            after: str | None = None
            while True:
                page = uow.users.find(account, UserQuery(), PageRequest(2, after))
                pages.append([user.login for user in page])
                if page.next_after is None:
                    break
                assert page.next_after == pages[-1][-1]
                after = page.next_after
            assert pages == [["alice", "bob"], ["carol", "dave"], ["eve"]]
            exact = uow.users.find(account, UserQuery(), PageRequest(5))
            assert [user.login for user in exact] == ["alice", "bob", "carol", "dave", "eve"]
            assert exact.next_after is None

            def logins(query: UserQuery, owner: UUID = account) -> list[str]:
                return [user.login for user in uow.users.find(owner, query, PageRequest())]

            assert logins(UserQuery(role=Role.MANAGER)) == ["alice", "bob", "dave"]
            assert logins(UserQuery(role=Role.ADMINISTRATOR)) == ["alice"]
            assert logins(UserQuery(role=Role.CLIENT)) == ["carol"]
            assert logins(UserQuery(disabled=True)) == ["bob"]
            assert logins(UserQuery(Role.MANAGER, disabled=False)) == ["alice", "dave"]
            assert logins(UserQuery(), other.account.id) == ["alice"]
            assert logins(UserQuery(), uuid4()) == []

    def test_a_taken_login_or_external_id_is_refused(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            alice = _user(account, "alice", external_id="oidc:1")
            uow.users.add(alice)
            # users without an external id never clash with each other
            uow.users.add(_user(account, "bob"))
            uow.users.add(_user(account, "carol"))
            login_taken = ("conflict.login_taken", {"login": "alice"})
            with pytest.raises(Conflict) as refused:
                uow.users.add(_user(account, "alice"))
            assert (refused.value.code, refused.value.details) == login_taken
            with pytest.raises(Conflict) as refused:
                uow.users.add(_user(account, "dave", external_id="oidc:1"))
            assert (refused.value.code, refused.value.details) == (
                "conflict.external_id_taken",
                {"external_id": "oidc:1"},
            )
            with pytest.raises(Conflict) as refused:
                uow.users.add(_user(account, "alice", external_id="oidc:1"))
            assert (refused.value.code, refused.value.details) == login_taken
            uow.users.add(_user(other.account.id, "alice", external_id="oidc:1"))
            uow.commit()
        with storage.unit_of_work() as uow:
            found = uow.users.find(account, UserQuery(), PageRequest())
            assert [user.login for user in found] == ["alice", "bob", "carol"]
            assert uow.users.by_login(account, "alice") == alice
            assert uow.users.by_login(account, "dave") is None

    def test_saving_a_user_is_checked_against_its_version(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            account = world.account.id
            user = _user(account, "alice", Role.MANAGER)
            uow.users.add(user)
            uow.commit()
        promoted = user.with_roles([Role.ADMINISTRATOR, Role.MANAGER])
        with storage.unit_of_work() as uow:
            uow.users.save(promoted, user)
            with pytest.raises(Conflict) as refused:
                uow.users.save(user.with_disabled(True), user)  # stored version is now 2
            assert (refused.value.code, refused.value.details) == (
                "conflict.user_changed",
                {"login": "alice"},
            )
            ghost = _user(account, "ghost")
            with pytest.raises(Conflict):
                uow.users.save(ghost.with_disabled(True), ghost)  # never stored
            uow.commit()
        rehashed = promoted.with_password_hash(_NEW_HASH)
        with storage.unit_of_work() as uow:
            assert uow.users.get(account, user.id) == promoted
            uow.users.save(rehashed, promoted)
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = uow.users.by_login(account, "alice")
            assert stored == rehashed
            assert stored is not None
            assert stored.version == 3
            assert stored.password_hash == _NEW_HASH
            assert uow.users.by_login(account, "ghost") is None

    def test_connection_cards_round_trip_one_per_user_and_login(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            users = [_user(account, f"client{n}", Role.CLIENT) for n in range(4)]
            for user in users:
                uow.users.add(user)
            stranger = _user(other.account.id, "client0", Role.CLIENT)
            uow.users.add(stranger)
            newest = _card(world, users[0], "+79123456789", NOW, "https://cabinet.example")
            oldest = _card(world, users[1], "zeta", NOW - timedelta(days=1))
            same_time = _card(world, users[2], "alpha", NOW)
            for card in (same_time, oldest, newest):
                uow.cards.add(card)
            with pytest.raises(Conflict) as refused:
                uow.cards.add(_card(world, users[0], "another", NOW))
            assert (refused.value.code, refused.value.details) == (
                "conflict.card_exists",
                {"user_id": str(users[0].id)},
            )
            with pytest.raises(Conflict) as refused:
                uow.cards.add(_card(world, users[3], "zeta", NOW))
            assert (refused.value.code, refused.value.details) == (
                "conflict.card_login_taken",
                {"login": "zeta"},
            )
            with pytest.raises(Conflict) as refused:
                uow.cards.add(_card(world, users[1], "alpha", NOW))
            assert (refused.value.code, refused.value.details) == (
                "conflict.card_exists",
                {"user_id": str(users[1].id)},
            )
            theirs = _card(other, stranger, "zeta", NOW)
            uow.cards.add(theirs)  # another account's login space
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.cards.by_user(account, users[0].id) == newest
            assert uow.cards.by_user(account, users[3].id) is None
            assert uow.cards.by_user(other.account.id, users[0].id) is None
            assert uow.cards.by_login(account, "zeta") == oldest
            assert uow.cards.by_login(other.account.id, "zeta") == theirs
            assert uow.cards.by_login(other.account.id, "alpha") is None
            assert uow.cards.by_login(account, "another") is None
            assert uow.cards.of_counterparty(account, world.counterparty.id) == [
                oldest,
                newest,
                same_time,
            ]
            assert uow.cards.of_counterparty(other.account.id, world.counterparty.id) == []
            assert uow.cards.of_counterparty(account, other.counterparty.id) == []
            assert uow.cards.of_counterparty(other.account.id, other.counterparty.id) == [theirs]

    def test_settings_default_until_put(self, storage: StorageBackend) -> None:
        chosen = AccountSettings(
            clients_see_attachments=True,
            cabinet_url="https://cabinet.example/",
            password_policy=PasswordPolicy(
                16, require_letter=False, forbid_login=False, forbid_common=False
            ),
            lockout=LockoutPolicy(max_failures=3, lock_minutes=60),
            order_limits=OrderLimits(max_lines=20, max_cargo=3),
        )
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            assert uow.settings.get(account) == AccountSettings()
            uow.settings.put(account, AccountSettings(cabinet_url="https://old.example/"))
            uow.settings.put(account, chosen)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.settings.get(account) == chosen
            assert uow.settings.get(other.account.id) == AccountSettings()
            uow.settings.put(other.account.id, AccountSettings(lockout=LockoutPolicy(7, 1)))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.settings.get(account) == chosen
            assert uow.settings.get(other.account.id) == AccountSettings(
                lockout=LockoutPolicy(7, 1)
            )

    def test_attachments_keep_their_exact_bytes(self, storage: StorageBackend) -> None:
        binary = bytes(range(256)) + b"\x00\xff\x00"
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            order, second_order = world.order(1), world.order(2)
            uow.orders.add(order)
            uow.orders.add(second_order)
            empty = _attachment(world, order, "b.txt", b"", NOW)
            photo = _attachment(world, order, "a.jpg", binary, NOW)
            earliest = _attachment(world, order, "z.pdf", b"%PDF", NOW - timedelta(hours=1))
            elsewhere = _attachment(world, second_order, "c.png", b"png", NOW)
            for attachment, content in (
                (empty, b""),
                (photo, binary),
                (earliest, b"%PDF"),
                (elsewhere, b"png"),
            ):
                uow.attachments.add(attachment, content)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.attachments.get(account, photo.id) == photo
            assert uow.attachments.content(account, photo.id) == binary
            assert uow.attachments.content(account, empty.id) == b""
            assert uow.attachments.content(account, earliest.id) == b"%PDF"
            assert uow.attachments.of_order(account, order.id) == [earliest, photo, empty]
            assert uow.attachments.of_order(account, second_order.id) == [elsewhere]
            assert uow.attachments.of_order(account, uuid4()) == []
            assert uow.attachments.get(account, uuid4()) is None
            assert uow.attachments.content(account, uuid4()) is None
            assert uow.attachments.get(other.account.id, photo.id) is None
            assert uow.attachments.content(other.account.id, photo.id) is None
            assert uow.attachments.of_order(other.account.id, order.id) == []

    def test_the_audit_log_appends_in_order_and_is_found_by_filters(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account, counterparty = world.account.id, world.counterparty.id
            written = [
                AuditEntry(account, NOW, "alice", "user.add", Outcome.DONE, target="user bob"),
                AuditEntry(other.account.id, NOW, "alice", "user.add", Outcome.DONE),
                AuditEntry(
                    account,
                    NOW + timedelta(minutes=1),
                    "bob",
                    "order.confirm",
                    Outcome.DENIED,
                    counterparty,
                    "order 12",
                    "permission_denied",
                ),
                AuditEntry(account, NOW + timedelta(minutes=2), "alice", "login", Outcome.DONE),
                AuditEntry(
                    account,
                    NOW + timedelta(minutes=3),
                    "alice",
                    "order.confirm",
                    Outcome.DONE,
                    counterparty,
                    "order 12",
                ),
            ]
            stored = [uow.audit.append(entry) for entry in written]
            uow.commit()
        seqs = [entry.seq for entry in stored]
        assert seqs[0] > 0
        assert seqs == sorted(set(seqs))
        assert stored == [evolve(e, seq=s) for e, s in zip(written, seqs, strict=True)]
        mine = [stored[0], *stored[2:]]
        with storage.unit_of_work() as uow:

            def found(query: AuditQuery, owner: UUID = account) -> list[AuditEntry]:
                return list(uow.audit.find(owner, query, PageRequest()))

            assert found(AuditQuery()) == mine
            assert found(AuditQuery(), other.account.id) == [stored[1]]
            assert found(AuditQuery(), uuid4()) == []
            assert found(AuditQuery(actor="alice")) == [stored[0], stored[3], stored[4]]
            assert found(AuditQuery(action="order.confirm")) == [stored[2], stored[4]]
            assert found(AuditQuery(outcome=Outcome.DENIED)) == [stored[2]]
            assert found(AuditQuery(counterparty_id=counterparty)) == [stored[2], stored[4]]
            assert found(AuditQuery("alice", "order.confirm", Outcome.DONE)) == [stored[4]]
            assert found(AuditQuery(actor="carol")) == []
            # since is inclusive, until exclusive, whatever the offset they are given in
            plus_five = timezone(timedelta(hours=5))
            since = (NOW + timedelta(minutes=1)).astimezone(plus_five)
            until = (NOW + timedelta(minutes=3)).astimezone(plus_five)
            assert found(AuditQuery(since=since)) == [stored[2], stored[3], stored[4]]
            assert found(AuditQuery(until=until)) == [stored[0], stored[2], stored[3]]
            assert found(AuditQuery(since=since, until=until)) == [stored[2], stored[3]]

            first = uow.audit.find(account, AuditQuery(), PageRequest(2))
            assert list(first) == mine[:2]
            assert first.next_after == str(mine[1].seq)
            rest = uow.audit.find(account, AuditQuery(), PageRequest(2, first.next_after))
            assert list(rest) == mine[2:]
            assert rest.next_after is None
            alice = AuditQuery(actor="alice")
            first = uow.audit.find(account, alice, PageRequest(1))
            assert list(first) == [stored[0]]
            rest = uow.audit.find(account, alice, PageRequest(5, first.next_after))
            assert list(rest) == [stored[3], stored[4]]

    def test_a_rolled_back_unit_leaves_no_user_or_audit_entry(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            account = world.account.id
            kept = uow.audit.append(AuditEntry(account, NOW, "root", "account.add", Outcome.DONE))
            uow.commit()
        user = _user(account, "alice")
        with storage.unit_of_work() as uow:
            uow.users.add(user)
            uow.audit.append(AuditEntry(account, NOW, "root", "user.add", Outcome.DONE))
            uow.settings.put(account, AccountSettings(clients_see_attachments=True))
            uow.logins.change(account, "alice", lambda a: evolve(a, failures=2))
            assert uow.users.by_login(account, "alice") == user
        with storage.unit_of_work() as uow:
            assert uow.users.get(account, user.id) is None
            assert uow.users.by_login(account, "alice") is None
            assert list(uow.audit.find(account, AuditQuery(), PageRequest())) == [kept]
            assert uow.settings.get(account) == AccountSettings()
            assert uow.logins.get(account, "alice") == LoginAttempts(account, "alice")
            again = uow.audit.append(AuditEntry(account, NOW, "root", "user.add", Outcome.DONE))
            assert again.seq > kept.seq
            uow.commit()

    def test_login_attempts_start_at_zero_and_are_changed_in_place(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            fresh = LoginAttempts(account, "alice")
            assert uow.logins.get(account, "alice") == fresh
            assert fresh.failures == 0
            assert fresh.locked_until is None
            counted = LoginAttempts(account, "alice", 3)
            assert uow.logins.change(account, "alice", lambda a: evolve(a, failures=3)) == (
                fresh,
                counted,
            )
            uow.commit()
        locked = LoginAttempts(account, "alice", 0, NOW + timedelta(minutes=15))
        with storage.unit_of_work() as uow:
            assert uow.logins.get(account, "alice") == counted
            assert uow.logins.change(account, "alice", lambda a: locked) == (counted, locked)
            uow.logins.change(other.account.id, "alice", lambda a: evolve(a, failures=1))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.logins.get(account, "alice") == locked
            assert uow.logins.change(account, "alice", lambda a: a) == (locked, locked)
            assert uow.logins.get(account, "bob") == LoginAttempts(account, "bob")
            assert uow.logins.get(other.account.id, "alice") == LoginAttempts(
                other.account.id, "alice", 1
            )

    def test_concurrent_changes_of_login_attempts_lose_nothing(
        self, storage: StorageBackend
    ) -> None:
        """The lockout counts on it: threads (each with its own connection) change one
        login's attempts at once, with a `how` slow enough that a backend which reads and
        then writes without a lock overwrites the others' changes; every change is kept."""
        with storage.unit_of_work() as uow:
            account = _World(uow).account.id
            uow.commit()
        start = threading.Barrier(LOGIN_RACERS)

        def one_more(attempts: LoginAttempts) -> LoginAttempts:
            time.sleep(0.002)
            return evolve(attempts, failures=attempts.failures + 1)

        def race() -> list[int]:
            start.wait(timeout=60)
            seen = []
            for _ in range(LOGIN_RACE_CHANGES):
                with storage.unit_of_work() as uow:
                    _, after = uow.logins.change(account, "alice", one_more)
                    uow.commit()
                seen.append(after.failures)
            return seen

        with ThreadPoolExecutor(LOGIN_RACERS) as pool:
            runs = [pool.submit(race) for _ in range(LOGIN_RACERS)]
            seen = [count for run in runs for count in run.result()]
        total = LOGIN_RACERS * LOGIN_RACE_CHANGES
        assert sorted(seen) == list(range(1, total + 1)), "each change saw the one before"
        with storage.unit_of_work() as uow:
            assert uow.logins.get(account, "alice").failures == total
