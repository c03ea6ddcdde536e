"""argon2id through argon2-cffi: the default hasher, memory-hard against GPU guessing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from custody_core.adapters.auth.floor import refuse_below, stronger

#: OWASP's minimum for argon2id: two passes over 19 MiB.
FLOOR = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


class Argon2Hasher:
    """Parameters default to argon2-cffi's (RFC 9106 low-memory profile) and may not go
    below FLOOR; a hash made with weaker parameters is upgraded at the next login."""

    floor: ClassVar[Mapping[str, int] | None] = FLOOR

    def __init__(
        self, time_cost: int | None = None, memory_cost: int | None = None, parallelism: int = 1
    ) -> None:
        defaults = argon2.PasswordHasher()
        chosen = {
            "time_cost": time_cost or defaults.time_cost,
            "memory_cost": memory_cost or defaults.memory_cost,
            "parallelism": parallelism,
        }
        refuse_below(self.floor, chosen)
        self._hasher = argon2.PasswordHasher(
            time_cost=chosen["time_cost"],
            memory_cost=chosen["memory_cost"],
            parallelism=chosen["parallelism"],
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True only when this hasher's hash would be stronger (see `stronger`)."""
        try:
            found = argon2.extract_parameters(stored)
        except (InvalidHashError, ValueError):
            return True
        mine = self._hasher
        return found.type is not argon2.Type.ID or stronger(
            (mine.time_cost, mine.memory_cost, mine.parallelism),
            (found.time_cost, found.memory_cost, found.parallelism),
        )
