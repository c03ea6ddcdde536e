"""Password hashers, rehash on login, identity providers plugged in through pluggy."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

import custody_core
from custody_core import Principal, hookimpl
from custody_core.adapters.auth.argon2id import Argon2Hasher
from custody_core.adapters.auth.scrypt import ScryptHasher
from custody_core.domain.cards import CardDraft
from custody_core.domain.errors import (
    CustodyError,
    InvalidCredentials,
    LoginLocked,
    PermissionDenied,
    PluginError,
    ValidationError,
)
from custody_core.domain.messages import LOCALES
from custody_core.domain.principal import Role
from custody_core.domain.settings import LockoutPolicy
from custody_core.domain.users import ExternalIdentity, UserDraft
from custody_core.plugins import ProviderRegistry
from custody_core.ports.auth import IdentityProvider, PasswordHasher
from custody_core.testing.clock import ManualClock
from custody_core.testing.hashing import Argon2ForTests, ScryptForTests, fast_hasher

PASSWORD = "correct horse 42"

HASHERS = [
    pytest.param(lambda: Argon2ForTests(time_cost=1, memory_cost=8), id="argon2"),
    pytest.param(lambda: ScryptForTests(n=16, r=1, p=1), id="scrypt"),
]


@pytest.mark.parametrize("make", HASHERS)
def test_a_hash_verifies_its_password_only(make: Any) -> None:
    hasher = make()
    stored = hasher.hash(PASSWORD)
    assert PASSWORD not in stored
    assert hasher.verify(stored, PASSWORD)
    assert not hasher.verify(stored, PASSWORD + " ")
    assert not hasher.verify(stored, "")
    assert hasher.hash(PASSWORD) != stored, "every hash has its own salt"


@pytest.mark.parametrize("make", HASHERS)
@pytest.mark.parametrize("stored", ["", "garbage", "scrypt$1$1$1$$", "$argon2id$v=19$m=8"])
def test_a_malformed_hash_never_verifies_and_asks_for_a_rehash(make: Any, stored: str) -> None:
    hasher = make()
    assert hasher.verify(stored, PASSWORD) is False
    assert hasher.needs_rehash(stored) is True


def test_stronger_parameters_ask_for_a_rehash_and_weaker_ones_never_do() -> None:
    old = ScryptForTests(n=16, r=1, p=1).hash(PASSWORD)
    assert not ScryptForTests(n=16, r=1, p=1).needs_rehash(old)
    assert ScryptForTests(n=32, r=1, p=1).needs_rehash(old)
    assert not ScryptForTests(n=8, r=1, p=1).needs_rehash(old)
    assert not ScryptForTests(n=32, r=1, p=1).needs_rehash(ScryptForTests(n=16, r=2).hash("x"))
    weak = Argon2ForTests(time_cost=1, memory_cost=8).hash(PASSWORD)
    assert Argon2ForTests(time_cost=2, memory_cost=8).needs_rehash(weak)
    assert not Argon2ForTests(time_cost=1, memory_cost=8).needs_rehash(weak)
    stronger = Argon2ForTests(time_cost=2, memory_cost=16).hash(PASSWORD)
    assert not Argon2ForTests(time_cost=1, memory_cost=8).needs_rehash(stronger)
    assert not Argon2ForTests(time_cost=3, memory_cost=8).needs_rehash(stronger), "mixed"


SCRYPT_PARAMETERS = st.tuples(st.sampled_from([2, 4, 8, 16]), st.integers(1, 3), st.integers(1, 2))


@given(SCRYPT_PARAMETERS, SCRYPT_PARAMETERS)
def test_a_rehash_is_asked_exactly_when_it_raises_a_parameter_and_lowers_none(
    stored: tuple[int, int, int], mine: tuple[int, int, int]
) -> None:
    made = ScryptForTests(*stored).hash(PASSWORD)
    lowers_none = all(m >= s for m, s in zip(mine, stored, strict=True))
    assert ScryptForTests(*mine).needs_rehash(made) == (lowers_none and mine != stored)


@pytest.mark.parametrize(
    ("make", "weak"),
    [
        pytest.param(
            lambda: Argon2Hasher(time_cost=1, memory_cost=8),
            {"time_cost": 1, "memory_cost": 8},
            id="argon2",
        ),
        pytest.param(
            lambda: Argon2Hasher(time_cost=2, memory_cost=19 * 1024 - 1),
            {"memory_cost": 19 * 1024 - 1},
            id="argon2 memory",
        ),
        pytest.param(lambda: ScryptHasher(n=16, r=1, p=1), {"n": 16, "r": 1}, id="scrypt"),
        pytest.param(lambda: ScryptHasher(n=2**13), {"n": 2**13}, id="scrypt n"),
    ],
)
def test_parameters_below_the_floor_are_refused_naming_each(
    make: Callable[[], object], weak: dict[str, int]
) -> None:
    with pytest.raises(ValidationError) as refused:
        make()
    found = {problem.field: problem.value for problem in refused.value.problems}
    assert found == weak
    assert {problem.code for problem in refused.value.problems} == {"hasher.too_weak"}


def test_opening_with_weak_hasher_options_is_refused_and_changes_nothing(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with pytest.raises(ValidationError) as refused:
        custody_core.open(url, hasher_options={"time_cost": 1, "memory_cost": 8})
    assert {p.field for p in refused.value.problems} == {"time_cost", "memory_cost"}
    assert not (tmp_path / "c.sqlite").exists(), "refused before the storage was opened"


@pytest.mark.parametrize(
    ("strong", "weak"),
    [
        pytest.param(Argon2Hasher, lambda: Argon2ForTests(time_cost=1, memory_cost=8), id="argon2"),
        pytest.param(
            lambda: Argon2Hasher(time_cost=3, memory_cost=19 * 1024),
            lambda: Argon2Hasher(time_cost=2, memory_cost=32 * 1024),
            id="argon2 mixed",
        ),
        pytest.param(ScryptHasher, fast_hasher, id="scrypt"),
    ],
)
def test_a_login_never_lowers_a_stored_hash(
    tmp_path: Any, strong: Callable[[], PasswordHasher], weak: Callable[[], PasswordHasher]
) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    app, admin = _client_app(url, strong())
    before = admin.user("petrov")
    app.close()
    with custody_core.open(url, entry_points=False, password_hasher=weak()) as app:
        assert app.log_in("acme", "petrov", PASSWORD).roles == {Role.MANAGER}
        account = app.account("acme")
        after = app.back_office(Principal.administrator(account.id, "admin")).user("petrov")
    assert after == before


class CountingHashes:
    """The testing kit's hasher, counting the hashes it makes."""

    def __init__(self) -> None:
        self.inner = fast_hasher()
        self.made = 0

    def hash(self, password: str) -> str:
        self.made += 1
        return self.inner.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        return self.inner.verify(stored, password)

    def needs_rehash(self, stored: str) -> bool:
        return self.inner.needs_rehash(stored)


def test_the_dummy_hash_is_made_when_the_application_opens() -> None:
    hasher = CountingHashes()
    with custody_core.open("memory://", entry_points=False, password_hasher=hasher) as app:
        assert hasher.made == 1
        app.create_account("acme", "Acme")
        for _ in range(3):
            with pytest.raises(InvalidCredentials):
                app.log_in("acme", "nobody", PASSWORD)
        assert hasher.made == 1, "no unknown login makes a hash"


def test_a_scrypt_hash_carries_its_parameters() -> None:
    stored = ScryptForTests(n=32, r=2, p=1).hash(PASSWORD)
    assert stored.split("$")[:4] == ["scrypt", "32", "2", "1"]
    # verified with the parameters it names, whatever the verifying hasher's own
    assert ScryptForTests(n=16, r=1, p=1).verify(stored, PASSWORD)


def _client_app(url: str, hasher: Any) -> Any:
    app = custody_core.open(url, entry_points=False, password_hasher=hasher)
    account = app.create_account("acme", "Acme")
    admin = app.back_office(Principal.administrator(account.id, "admin"))
    admin.add_user(UserDraft("petrov", PASSWORD, PASSWORD, "Петров", "Пётр"))
    admin.grant_roles("petrov", [Role.MANAGER])
    return app, admin


def test_a_login_upgrades_a_hash_made_with_old_parameters(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    app, admin = _client_app(url, ScryptForTests(n=16, r=1, p=1))
    before = admin.user("petrov")
    app.close()
    with custody_core.open(
        url, entry_points=False, password_hasher=ScryptForTests(n=32, r=1, p=1)
    ) as app:
        principal = app.log_in("acme", "petrov", PASSWORD)
        assert principal.roles == {Role.MANAGER}
        account = app.account("acme")
        after = app.back_office(Principal.administrator(account.id, "admin")).user("petrov")
    assert after.version == before.version + 1
    assert after.password_hash is not None
    assert after.password_hash.split("$")[1] == "32"
    assert ScryptForTests(n=32, r=1, p=1).verify(after.password_hash, PASSWORD)


def test_hashers_are_chosen_by_name_and_unknown_names_are_refused() -> None:
    with custody_core.open(
        "memory://", entry_points=False, password_hasher="scrypt", hasher_options={"n": 2**14}
    ) as app:
        assert isinstance(app.identity.hasher, ScryptHasher)
        assert app.identity.hasher.n == 2**14
    with pytest.raises(PluginError) as refused:
        custody_core.open("memory://", entry_points=False, password_hasher="md5")
    assert "argon2" in str(refused.value)
    assert "scrypt" in str(refused.value)


class Directory:
    """A stand-in for an external SSO: it knows one person and her password."""

    name = "directory"

    def authenticate(self, login: str, password: str) -> ExternalIdentity | None:
        if login == "sidorova" and password == PASSWORD:
            return ExternalIdentity(
                "S-1", "sidorova", "Сидорова", "Анна", phone="8 912 000-00-01", email="bad@"
            )
        return None


class DirectoryPlugin:
    @hookimpl
    def custody_register_identity_providers(self, register: ProviderRegistry) -> None:
        def make(options: Mapping[str, Any]) -> IdentityProvider:
            return Directory()

        register("directory", make)


def test_an_external_provider_provisions_users_with_no_role_on_first_login() -> None:
    clock = ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    with custody_core.open(
        "memory://",
        clock=clock,
        entry_points=False,
        plugins=[DirectoryPlugin()],
        identity_provider="directory",
        password_hasher=fast_hasher(),
    ) as app:
        account = app.create_account("acme", "Acme")
        admin = app.back_office(Principal.administrator(account.id, "admin"))
        assert admin.users().items == ()

        first = app.log_in("acme", "sidorova", PASSWORD)
        assert first.roles == frozenset()
        with pytest.raises(PermissionDenied):
            app.back_office(first).orders()

        user = admin.user("sidorova")
        assert user.external_id == "directory:S-1"
        assert user.password_hash is None
        assert user.phone == "+79120000001"
        assert user.email is None, "a contact the provider got wrong is left out"
        admin.grant_roles("sidorova", ["manager"])
        again = app.log_in("acme", "sidorova", PASSWORD)
        assert again.roles == {Role.MANAGER}
        assert [u.login for u in admin.users().items] == ["sidorova"], "provisioned once"

        with pytest.raises(InvalidCredentials):
            app.log_in("acme", "sidorova", "wrong")
        actions = [(e.action, e.outcome.value) for e in admin.audit_log(actor="sidorova").items]
        assert ("user.provision", "done") in actions
        assert actions.count(("login", "done")) == 2
        assert ("login", "denied") in actions


def _provider_app(provider: IdentityProvider, max_failures: int = 3) -> Any:
    app = custody_core.open(
        "memory://",
        clock=ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)),
        entry_points=False,
        identity_provider=provider,
        password_hasher=fast_hasher(),
    )
    account = app.create_account("acme", "Acme")
    admin = app.back_office(Principal.administrator(account.id, "admin"))
    lockout = LockoutPolicy(max_failures=max_failures, lock_minutes=15)
    admin.update_settings(evolve(admin.settings(), lockout=lockout))
    return app, admin


def _refusal(attempt: Callable[[], object]) -> CustodyError:
    with pytest.raises(CustodyError) as refused:
        attempt()
    return refused.value


class Broken:
    """A provider whose error quotes what it was given, the password included."""

    name = "broken"

    def __init__(self) -> None:
        self.asked = 0

    def authenticate(self, login: str, password: str) -> ExternalIdentity | None:
        self.asked += 1
        raise ConnectionError(f"bind as {login!r} with password {password!r} failed")


def test_a_provider_that_raises_counts_as_a_failed_login_and_never_shows_its_error() -> None:
    provider = Broken()
    app, admin = _provider_app(provider)
    with app:
        errors = [_refusal(lambda: app.log_in("acme", "anyone", PASSWORD)) for _ in range(3)]
        for error in errors:
            assert type(error) is PluginError
            assert error.code == "auth.provider_failed"
            assert error.details == {"plugin": "broken", "error": "ConnectionError"}
            assert error.__cause__ is None
            assert error.__context__ is None
            shown = [
                str(error),
                repr(error),
                *(error.message(locale) for locale in LOCALES),
                *traceback.format_exception(error),
            ]
            assert not [text for text in shown if PASSWORD in text]
        # the lockout holds: the fourth attempt is refused without asking the provider
        assert type(_refusal(lambda: app.log_in("acme", "anyone", PASSWORD))) is LoginLocked
        assert provider.asked == 3
        denied = admin.audit_log(outcome="denied").items
        assert [(e.actor, e.detail) for e in denied] == [
            ("anyone", "auth.provider_failed"),
            ("anyone", "auth.provider_failed"),
            ("anyone", "auth.locked"),
        ]
        assert not [e for e in denied if PASSWORD in repr(e)]


class Aliases:
    """A directory that accepts several logins for one person, and says whose a login is."""

    name = "directory"
    logins = ("sidorova", "anna@corp.example", "corp\\sidorova", "a.sidorova")

    def __init__(self) -> None:
        self.asked = 0

    def subject_of(self, login: str) -> str | None:
        return "S-1" if login in self.logins else None

    def authenticate(self, login: str, password: str) -> ExternalIdentity | None:
        self.asked += 1
        if login in self.logins and password == PASSWORD:
            return ExternalIdentity("S-1", "sidorova", "Сидорова", "Анна")
        return None


def test_a_provider_that_names_subjects_counts_every_alias_on_the_subject() -> None:
    provider = Aliases()
    app, admin = _provider_app(provider)
    with app:
        for alias in provider.logins[:3]:
            assert type(_refusal(lambda alias=alias: app.log_in("acme", alias, "wrong"))) is (
                InvalidCredentials
            )
        locked = _refusal(lambda: app.log_in("acme", provider.logins[3], PASSWORD))
        assert type(locked) is LoginLocked
        assert provider.asked == 3
        assert admin.users().items == (), "nobody was let in, so nobody was provisioned"


class TwoLogins:
    """A directory that accepts two logins for one person and cannot say whose a login is."""

    name = "directory"

    def authenticate(self, login: str, password: str) -> ExternalIdentity | None:
        if login in ("sidorova", "anna@corp.example") and password == PASSWORD:
            return ExternalIdentity("S-1", "sidorova", "Сидорова", "Анна")
        return None


def test_a_subject_locked_under_its_login_is_not_let_in_through_an_alias() -> None:
    app, admin = _provider_app(TwoLogins())
    with app:
        app.log_in("acme", "sidorova", PASSWORD)  # provisioned: the subject is known now
        for _ in range(3):
            assert type(_refusal(lambda: app.log_in("acme", "sidorova", "wrong"))) is (
                InvalidCredentials
            )
        # the alias has attempts of its own left, but the provider's answer names the
        # subject, whose counter is locked
        locked = _refusal(lambda: app.log_in("acme", "anna@corp.example", PASSWORD))
        assert type(locked) is LoginLocked
        logins = admin.audit_log(action="login", outcome="done").items
        assert len(logins) == 1


class Vouching:
    """A provider that vouches for whatever identity it was built with."""

    name = "vouching"

    def __init__(self, identity: object) -> None:
        self.identity = identity

    def authenticate(self, login: str, password: str) -> Any:
        return self.identity if password == PASSWORD else None


@pytest.mark.parametrize(
    ("identity", "fields"),
    [
        pytest.param(ExternalIdentity("S-1", "  "), "login", id="blank login"),
        pytest.param(ExternalIdentity("S-1", "x" * 101), "login", id="long login"),
        pytest.param(ExternalIdentity("S-1", "boss\nforged"), "login", id="newline"),
        pytest.param(ExternalIdentity("S-1", "\x1b[31mboss"), "login", id="ansi escape"),
        pytest.param(ExternalIdentity("S-1", "boss\u200b"), "login", id="zero width"),
        pytest.param(ExternalIdentity("S-1", "\u0430dmin"), "login", id="mixed scripts"),
        pytest.param(ExternalIdentity("S-1", "manager"), "login", id="a local user's"),
        pytest.param(ExternalIdentity("S-1", "romashka-office"), "login", id="a card's"),
        pytest.param(ExternalIdentity("S-1", "ok", "Ива\nнова"), "last_name", id="name"),
        pytest.param(ExternalIdentity("S-1", "ok", "x" * 256), "last_name", id="long name"),
        pytest.param(ExternalIdentity(" ", "ok"), "subject", id="blank subject"),
        pytest.param(ExternalIdentity("S\n1", "ok"), "subject", id="subject newline"),
        pytest.param(ExternalIdentity("S" * 256, "ok"), "subject", id="long subject"),
        pytest.param("sidorova", "identity", id="not an identity"),
    ],
)
def test_a_provider_identity_passes_the_checks_of_a_hand_made_user(
    identity: object, fields: str
) -> None:
    app, admin = _provider_app(Vouching(identity))
    with app:
        admin.add_user(UserDraft("manager", PASSWORD, PASSWORD, "Петров", "Пётр"))
        admin.add_counterparty("ROMASHKA", "Ромашка")
        admin.add_contract("ROMASHKA", "R-1")
        admin.add_user(UserDraft("client", PASSWORD, PASSWORD, "Иванов", "Иван"))
        admin.grant_roles("client", [Role.CLIENT])
        admin.create_card(CardDraft("ROMASHKA", "client", login="Romashka-Office"))
        users = admin.users().items
        error = _refusal(lambda: app.log_in("acme", "anyone", PASSWORD))
        assert type(error) is PluginError
        assert error.code == "auth.provider_identity_invalid"
        assert error.details == {"plugin": "vouching", "fields": fields}
        assert admin.users().items == users
        assert [e.detail for e in admin.audit_log(outcome="denied").items] == [error.code]
