"""Per-account settings an administrator manages."""

from __future__ import annotations

from datetime import timedelta

from attrs import Factory, frozen

from custody_core.domain.passwords import PasswordPolicy


@frozen
class LockoutPolicy:
    """After `max_failures` failed logins in a row a login is locked for `lock_minutes`."""

    max_failures: int = 5
    lock_minutes: int = 15

    @property
    def lock_for(self) -> timedelta:
        return timedelta(minutes=self.lock_minutes)


@frozen
class AccountSettings:
    #: The seed's "clients may see photos and files attached to their orders"; off by default.
    clients_see_attachments: bool = False
    #: Filled into connection cards created without an address.
    cabinet_url: str | None = None
    password_policy: PasswordPolicy = Factory(PasswordPolicy)
    lockout: LockoutPolicy = Factory(LockoutPolicy)
