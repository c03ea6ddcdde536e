"""scrypt from the standard library's hashlib, for installs that cannot build argon2.

Stored as `scrypt$n$r$p$salt$key` (salt and key in base64), so a hash carries
its own parameters and a change of them is noticed at the next login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import ClassVar

from custody_core.adapters.auth.floor import refuse_below, stronger
from custody_core.domain import codes
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect

_KEY_BYTES = 32
_SALT_BYTES = 16
#: 16 MiB of memory per hash (128 * n * r bytes), half the default.
FLOOR = {"n": 2**14, "r": 8, "p": 1}


class ScryptHasher:
    """Parameters may not go below FLOOR; a hash made with weaker ones is upgraded at the
    next login."""

    floor: ClassVar[Mapping[str, int] | None] = FLOOR

    def __init__(self, n: int = 2**15, r: int = 8, p: int = 1) -> None:
        if n < 2 or n & (n - 1):
            raise ValidationError([Problem(codes.Value.INVALID, "n", n, expect("power_of_two"))])
        refuse_below(self.floor, {"n": n, "r": r, "p": p})
        self.n, self.r, self.p = n, r, p

    def hash(self, password: str) -> str:
        salt = secrets.token_bytes(_SALT_BYTES)
        key = self._derive(password, salt, self.n, self.r, self.p)
        return "$".join(["scrypt", str(self.n), str(self.r), str(self.p), _text(salt), _text(key)])

    def verify(self, stored: str, password: str) -> bool:
        parsed = _parse(stored)
        if parsed is None:
            return False
        n, r, p, salt, key = parsed
        return hmac.compare_digest(self._derive(password, salt, n, r, p), key)

    def needs_rehash(self, stored: str) -> bool:
        """True only when this hasher's hash would be stronger (see `stronger`)."""
        parsed = _parse(stored)
        return parsed is None or stronger((self.n, self.r, self.p), parsed[:3])

    @staticmethod
    def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        return hashlib.scrypt(
            password.encode(),
            salt=salt,
            n=n,
            r=r,
            p=p,
            maxmem=256 * n * r + 1024 * 1024,
            dklen=_KEY_BYTES,
        )


def _text(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    """The parameters, salt and key of a stored hash; None when it is not one of ours."""
    parts = stored.split("$") if isinstance(stored, str) else []
    if len(parts) != 6 or parts[0] != "scrypt" or not all(x.isdigit() for x in parts[1:4]):
        return None
    n, r, p = (int(x) for x in parts[1:4])
    if not (2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 64 and 1 <= p <= 16):
        return None
    try:
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except ValueError:
        return None
    return (n, r, p, salt, key) if len(key) == _KEY_BYTES else None
