"""Worker processes of test_login_lockout.py, in a module of their own because the "spawn"
start method imports a worker's function by name in the new process; and the counting
hasher they share with the tests.

Every worker opens its own application on the database it is given and returns plain
data: how many passwords its hasher checked, and the codes of the refusals it met.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier

import custody_core
from custody_core.domain.errors import AuthenticationFailed
from custody_core.testing.clock import ManualClock
from custody_core.testing.hashing import fast_hasher

ACCOUNT = "acme"
LOGIN = "ivanov"
PASSWORD = "Romashka-2026"
WRONG = "Romashka-2027"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
#: Seconds a worker waits for the others at a barrier before it gives up (a hung peer).
BARRIER_TIMEOUT = 60


class CountingHasher:
    """The testing kit's hasher, counting the passwords it checks. Each check takes a
    little while, as a real hash does, so that concurrent guesses overlap."""

    def __init__(self, check_seconds: float = 0.002) -> None:
        self._hasher = fast_hasher()
        self._check_seconds = check_seconds
        self._lock = threading.Lock()
        self.checked = 0

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        with self._lock:
            self.checked += 1
        time.sleep(self._check_seconds)
        return self._hasher.verify(stored, password)

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.needs_rehash(stored)


def guess(url: str, guesses: int, start: Barrier) -> tuple[int, dict[str, int]]:
    """Once every peer is ready, try `guesses` wrong passwords for LOGIN; the passwords
    this process checked and the refusals it met by code."""
    hasher = CountingHasher()
    refused: Counter[str] = Counter()
    with custody_core.open(url, clock=ManualClock(NOW), password_hasher=hasher) as app:
        start.wait(BARRIER_TIMEOUT)
        for _ in range(guesses):
            try:
                app.log_in(ACCOUNT, LOGIN, WRONG)
            except AuthenticationFailed as error:
                refused[error.code] += 1
    return hasher.checked, dict(refused)
