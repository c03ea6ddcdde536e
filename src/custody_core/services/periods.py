"""Closing months: storing the stock position at each month's end for fast reports."""

from __future__ import annotations

from datetime import date, timedelta

from custody_core.domain import codes
from custody_core.domain.checks import optional_day
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.periods import month_ends
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context


def close_periods(ctx: Context, through: date | None = None) -> list[date]:
    """Snapshot every ended month not yet closed, up to the one ending on or before `through`.

    `through` defaults to the end of last month; a month that has not ended
    yet cannot be closed. Closing twice changes nothing. Returns the ends of
    the months closed now.
    """
    authorize(ctx.principal, Action.CLOSE_PERIODS)
    through = optional_day(through, "through")
    with ctx.storage.unit_of_work() as uow:
        today = ctx.account(uow).business_date(ctx.now())
        last_ended = today.replace(day=1) - timedelta(days=1)
        through = last_ended if through is None else through
        if through > last_ended:
            raise ValidationError(
                [
                    Problem(
                        codes.Period.NOT_ENDED,
                        "through",
                        through,
                        expect("on_or_before", date=last_ended),
                    )
                ]
            )
        closings = uow.periods.closings(ctx.account_id)
        previous = closings[-1] if closings else None
        first = previous + timedelta(days=1) if previous else uow.ledger.first_date(ctx.account_id)
        if first is None:
            return []
        closed = month_ends(first, through)
        if closed:
            uow.periods.close(ctx.account_id, previous, closed)
        ctx.commit(uow, "periods.close", target=f"through {through}")
    return closed


def closed_periods(ctx: Context) -> list[date]:
    """Ends of the closed months, oldest first."""
    authorize(ctx.principal, Action.READ_STOCK)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        return uow.periods.closings(ctx.account_id)
