"""The account's settings: cabinet address, attachments for clients, password and lockout
policies. Only an administrator reads or changes them."""

from __future__ import annotations

from attrs import evolve

from custody_core.domain import codes
from custody_core.domain.checks import Checks
from custody_core.domain.errors import Problem
from custody_core.domain.messages import expect
from custody_core.domain.passwords import MAX_PASSWORD_LENGTH, PasswordPolicy
from custody_core.domain.settings import AccountSettings, LockoutPolicy, OrderLimits
from custody_core.services.authorization import Action, authorize
from custody_core.services.cards import URL_LENGTH
from custody_core.services.context import Context

#: The longest lock a policy may set: a week.
MAX_LOCK_MINUTES = 7 * 24 * 60
#: The most lines, or cargo entries, an account may let one order carry.
MAX_ORDER_ENTRIES = 10_000


def get_settings(ctx: Context) -> AccountSettings:
    authorize(ctx.principal, Action.MANAGE_SETTINGS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        return uow.settings.get(ctx.account_id)


def update_settings(ctx: Context, settings: AccountSettings) -> AccountSettings:
    """Replace the account's settings after checking every value."""
    authorize(ctx.principal, Action.MANAGE_SETTINGS)
    checked = _checked(settings)
    with ctx.storage.unit_of_work() as uow:
        uow.settings.put(ctx.account_id, checked)
        ctx.commit(uow, "settings.update", target=_summary(checked))
    return checked


def _checked(settings: AccountSettings) -> AccountSettings:
    checks = Checks()
    _flag(checks, settings.clients_see_attachments, "clients_see_attachments")
    url = checks.optional_text(settings.cabinet_url, "cabinet_url", URL_LENGTH)
    policy = settings.password_policy
    lockout = settings.lockout
    if not isinstance(policy, PasswordPolicy):
        checks.add(
            Problem(
                codes.Value.INVALID, "password_policy", None, expect("type", type="PasswordPolicy")
            )
        )
    else:
        _within(checks, policy.min_length, 1, MAX_PASSWORD_LENGTH, "password_policy.min_length")
        for name in ("require_letter", "require_digit", "forbid_login", "forbid_common"):
            _flag(checks, getattr(policy, name), f"password_policy.{name}")
    if not isinstance(lockout, LockoutPolicy):
        checks.add(
            Problem(codes.Value.INVALID, "lockout", None, expect("type", type="LockoutPolicy"))
        )
    else:
        _within(checks, lockout.max_failures, 1, 1000, "lockout.max_failures")
        _within(checks, lockout.lock_minutes, 1, MAX_LOCK_MINUTES, "lockout.lock_minutes")
    limits = settings.order_limits
    if not isinstance(limits, OrderLimits):
        checks.add(
            Problem(codes.Value.INVALID, "order_limits", None, expect("type", type="OrderLimits"))
        )
    else:
        _within(checks, limits.max_lines, 1, MAX_ORDER_ENTRIES, "order_limits.max_lines")
        _within(checks, limits.max_cargo, 1, MAX_ORDER_ENTRIES, "order_limits.max_cargo")
    checks.done()
    return evolve(settings, cabinet_url=url)


def _flag(checks: Checks, value: object, field: str) -> None:
    if not isinstance(value, bool):
        checks.add(Problem(codes.Value.INVALID, field, value, expect("yes_or_no")))


def _within(checks: Checks, value: object, low: int, high: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        checks.add(
            Problem(codes.Value.INVALID, field, value, expect("whole_between", low=low, high=high))
        )


def _summary(settings: AccountSettings) -> str:
    return (
        f"clients_see_attachments={settings.clients_see_attachments},"
        f" min_length={settings.password_policy.min_length},"
        f" max_failures={settings.lockout.max_failures},"
        f" lock_minutes={settings.lockout.lock_minutes},"
        f" max_lines={settings.order_limits.max_lines},"
        f" max_cargo={settings.order_limits.max_cargo}"
    )
