"""A password hasher cheap enough for test suites, behind the same port as the real ones."""

from __future__ import annotations

from custody_core.adapters.auth.scrypt import ScryptHasher
from custody_core.ports.auth import PasswordHasher


def fast_hasher() -> PasswordHasher:
    """scrypt with the smallest parameters: real hashes, salts and checks, microseconds each.
    Never use it outside tests."""
    return ScryptHasher(n=2, r=1, p=1)
