"""Counting login attempts, so that a password cannot be guessed at speed.

An attempt is taken (`reserved`) before its password is checked, not counted
after: concurrent guesses would otherwise all pass a check of the count before
any of them is counted. A failure leaves its attempt counted, a success gives
the attempts back; so while the policy's number of attempts is taken, by
failures or by checks still running, no further password is checked.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from attrs import evolve, frozen

from custody_core.domain.settings import LockoutPolicy


@frozen
class LoginAttempts:
    """The attempts of one login of one account (known to exist or not) since its last
    success: those that failed and those whose password is still being checked."""

    account_id: UUID
    #: In `login_key` form, or the external id of a provider's subject.
    login: str
    failures: int = 0
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def reserved(self, policy: LockoutPolicy, now: datetime) -> LoginAttempts:
        """One more attempt taken, before its password is checked.

        A locked login stays as it is: the attempt is refused. A lock that ran out
        starts the count again. When the policy's number of attempts is already taken
        the login is locked instead, so attempts left unfinished (a process that died
        while hashing) lock it for a while rather than for ever."""
        if self.locked_at(now):
            return self
        taken = 0 if self.locked_until is not None else self.failures
        if taken >= policy.max_failures:
            return evolve(self, failures=taken, locked_until=now + policy.lock_for)
        return evolve(self, failures=taken + 1, locked_until=None)

    def failed(self, policy: LockoutPolicy, now: datetime) -> LoginAttempts:
        """The taken attempt's password was wrong: it stays counted, and the login is locked
        once the policy's number of attempts is taken. A lock is never lifted or shortened."""
        if self.locked_at(now) or self.failures < policy.max_failures:
            return self
        return evolve(self, locked_until=now + policy.lock_for)

    def succeeded(self, now: datetime) -> LoginAttempts:
        """A proven password gives every attempt back, unless a lock came while it was
        checked: then nothing changes and the success is refused."""
        if self.locked_at(now):
            return self
        return evolve(self, failures=0, locked_until=None)
