"""Per-account settings an administrator manages."""

from __future__ import annotations

from datetime import timedelta

from attrs import Factory, frozen

from custody_core.domain import codes
from custody_core.domain.errors import Problem
from custody_core.domain.messages import expect
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
class OrderLimits:
    """How much one order may carry: what one client's order costs storage, memory and
    every page of orders that shows it is bounded by these (a registry's orders too)."""

    #: Lines of custody items (by SKU) in one order.
    max_lines: int = 500
    #: Entries of free cargo in one order (each up to 1,000 characters of description).
    max_cargo: int = 100

    def problems(self, lines: int, cargo: int = 0) -> list[Problem]:
        """A problem for `lines` or `cargo` entries over their limit, naming the limit."""
        found = []
        if lines > self.max_lines:
            found.append(
                Problem(
                    codes.Lines.TOO_MANY, "lines", lines, expect("at_most", limit=self.max_lines)
                )
            )
        if cargo > self.max_cargo:
            found.append(
                Problem(
                    codes.Lines.TOO_MANY, "cargo", cargo, expect("at_most", limit=self.max_cargo)
                )
            )
        return found


@frozen
class AccountSettings:
    #: The seed's "clients may see photos and files attached to their orders"; off by default.
    clients_see_attachments: bool = False
    #: Filled into connection cards created without an address.
    cabinet_url: str | None = None
    password_policy: PasswordPolicy = Factory(PasswordPolicy)
    lockout: LockoutPolicy = Factory(LockoutPolicy)
    order_limits: OrderLimits = Factory(OrderLimits)
