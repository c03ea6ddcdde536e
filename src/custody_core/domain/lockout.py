"""Counting failed logins, so that a password cannot be guessed at speed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from attrs import evolve, frozen

from custody_core.domain.settings import LockoutPolicy


@frozen
class LoginAttempts:
    """Failed logins in a row for one login of one account (known to exist or not)."""

    account_id: UUID
    #: In `login_key` form.
    login: str
    failures: int = 0
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def failed(self, policy: LockoutPolicy, now: datetime) -> LoginAttempts:
        """One more failure; reaching the policy's count locks the login and starts over.
        A lock that has run out counts for nothing: the failures start again from one."""
        failures = (
            1 if self.locked_until is not None and not self.locked_at(now) else self.failures + 1
        )
        if failures >= policy.max_failures:
            return evolve(self, failures=0, locked_until=now + policy.lock_for)
        return evolve(self, failures=failures, locked_until=None)
