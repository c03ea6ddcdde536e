"""Built-in password hashers: argon2id (the default) and scrypt (standard library only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custody_core.adapters.auth.argon2id import Argon2Hasher
from custody_core.adapters.auth.scrypt import ScryptHasher
from custody_core.plugins import HasherRegistry, hookimpl
from custody_core.ports.auth import PasswordHasher


def _argon2(options: Mapping[str, Any]) -> PasswordHasher:
    return Argon2Hasher(**options)


def _scrypt(options: Mapping[str, Any]) -> PasswordHasher:
    return ScryptHasher(**options)


class HashersPlugin:
    @hookimpl
    def custody_register_password_hashers(self, register: HasherRegistry) -> None:
        register("argon2", _argon2)
        register("scrypt", _scrypt)
