"""Password hashers cheap enough for test suites, behind the same port as the real ones.

The built-in hashers refuse parameters below their floor; these subclasses, and only they,
have none. They live in the testing kit so that no configuration can reach them: an
application gets one only by importing it from here."""

from __future__ import annotations

from custody_core.adapters.auth.argon2id import Argon2Hasher
from custody_core.adapters.auth.scrypt import ScryptHasher
from custody_core.ports.auth import PasswordHasher


class Argon2ForTests(Argon2Hasher):
    """argon2id without a floor. Never use it outside tests."""

    floor = None


class ScryptForTests(ScryptHasher):
    """scrypt without a floor. Never use it outside tests."""

    floor = None


def fast_hasher() -> PasswordHasher:
    """scrypt with the smallest parameters: real hashes, salts and checks, microseconds each.
    Never use it outside tests."""
    return ScryptForTests(n=2, r=1, p=1)
