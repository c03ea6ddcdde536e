"""Password hashers, rehash on login, identity providers plugged in through pluggy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

import custody_core
from custody_core import Principal, hookimpl
from custody_core.adapters.auth.argon2id import Argon2Hasher
from custody_core.adapters.auth.scrypt import ScryptHasher
from custody_core.domain.errors import InvalidCredentials, PermissionDenied, PluginError
from custody_core.domain.principal import Role
from custody_core.domain.users import ExternalIdentity, UserDraft
from custody_core.plugins import ProviderRegistry
from custody_core.ports.auth import IdentityProvider
from custody_core.testing.clock import ManualClock

PASSWORD = "correct horse 42"

HASHERS = [
    pytest.param(lambda: Argon2Hasher(time_cost=1, memory_cost=8), id="argon2"),
    pytest.param(lambda: ScryptHasher(n=16, r=1, p=1), id="scrypt"),
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


def test_changed_parameters_ask_for_a_rehash() -> None:
    old = ScryptHasher(n=16, r=1, p=1).hash(PASSWORD)
    assert not ScryptHasher(n=16, r=1, p=1).needs_rehash(old)
    assert ScryptHasher(n=32, r=1, p=1).needs_rehash(old)
    weak = Argon2Hasher(time_cost=1, memory_cost=8).hash(PASSWORD)
    assert Argon2Hasher(time_cost=2, memory_cost=8).needs_rehash(weak)
    assert not Argon2Hasher(time_cost=1, memory_cost=8).needs_rehash(weak)


def test_a_scrypt_hash_carries_its_parameters() -> None:
    stored = ScryptHasher(n=32, r=2, p=1).hash(PASSWORD)
    assert stored.split("$")[:4] == ["scrypt", "32", "2", "1"]
    # verified with the parameters it names, whatever the verifying hasher's own
    assert ScryptHasher(n=16, r=1, p=1).verify(stored, PASSWORD)


def _client_app(url: str, hasher: Any) -> Any:
    app = custody_core.open(url, entry_points=False, password_hasher=hasher)
    account = app.create_account("acme", "Acme")
    admin = app.back_office(Principal.administrator(account.id, "admin"))
    admin.add_user(UserDraft("petrov", PASSWORD, PASSWORD, "Петров", "Пётр"))
    admin.grant_roles("petrov", [Role.MANAGER])
    return app, admin


def test_a_login_upgrades_a_hash_made_with_old_parameters(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    app, admin = _client_app(url, ScryptHasher(n=16, r=1, p=1))
    before = admin.user("petrov")
    app.close()
    with custody_core.open(
        url, entry_points=False, password_hasher=ScryptHasher(n=32, r=1, p=1)
    ) as app:
        principal = app.log_in("acme", "petrov", PASSWORD)
        assert principal.roles == {Role.MANAGER}
        account = app.account("acme")
        after = app.back_office(Principal.administrator(account.id, "admin")).user("petrov")
    assert after.version == before.version + 1
    assert after.password_hash is not None
    assert after.password_hash.split("$")[1] == "32"
    assert ScryptHasher(n=32, r=1, p=1).verify(after.password_hash, PASSWORD)


def test_hashers_are_chosen_by_name_and_unknown_names_are_refused() -> None:
    with custody_core.open(
        "memory://", entry_points=False, password_hasher="scrypt", hasher_options={"n": 16}
    ) as app:
        assert isinstance(app.identity.hasher, ScryptHasher)
        assert app.identity.hasher.n == 16
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
        password_hasher=ScryptHasher(n=16, r=1, p=1),
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


def test_a_provider_that_raises_is_named_in_the_error() -> None:
    class Broken:
        name = "broken"

        def authenticate(self, login: str, password: str) -> ExternalIdentity | None:
            raise ConnectionError("directory unreachable")

    with custody_core.open(
        "memory://", entry_points=False, identity_provider=Broken(), password_hasher="scrypt"
    ) as app:
        app.create_account("acme", "Acme")
        with pytest.raises(PluginError) as failed:
            app.log_in("acme", "anyone", PASSWORD)
    assert failed.value.details["plugin"] == "broken"
    assert "directory unreachable" in failed.value.details["reason"]
