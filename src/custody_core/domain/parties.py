"""Tenants and the parties inside them: accounts, counterparties, contracts, warehouses."""

from __future__ import annotations

from datetime import date, datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from attrs import frozen

from custody_core.domain import codes
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect


def zone(name: str, field: str = "time_zone") -> ZoneInfo:
    """The IANA time zone called `name`, or a validation error naming the field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(
            [Problem(codes.Value.INVALID, field, name, expect("time_zone"))]
        ) from None


@frozen
class Account:
    """A tenant: one enterprise using the library. Every record belongs to one."""

    id: UUID
    code: str
    name: str
    time_zone: str = "Europe/Moscow"

    def business_date(self, instant: datetime) -> date:
        """The calendar date of `instant` in the account's business time zone."""
        return instant.astimezone(zone(self.time_zone)).date()

    def start_of(self, day: date) -> datetime:
        """The instant the business day `day` begins in the account's time zone."""
        return datetime.combine(day, time.min, tzinfo=zone(self.time_zone))


@frozen
class Counterparty:
    """A client of the account: depositor of goods on custody and customer of orders."""

    id: UUID
    account_id: UUID
    code: str
    name: str
    phone: str | None = None
    inn: str | None = None


@frozen
class Contract:
    """An agreement with a counterparty; exactly one of its contracts is the main one."""

    id: UUID
    account_id: UUID
    counterparty_id: UUID
    number: str
    signed_on: date | None = None
    is_main: bool = False


@frozen
class Warehouse:
    id: UUID
    account_id: UUID
    code: str
    name: str
