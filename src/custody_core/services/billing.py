"""Requisites and tariffs: what printed forms take the parties' details and prices from."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

from attrs import frozen

from custody_core.domain import codes
from custody_core.domain.checks import bounded
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.requisites import Requisites, checked_requisites
from custody_core.domain.tariffs import Rate, Tariff, checked_tariff
from custody_core.domain.vat import NO_VAT, Vat
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context
from custody_core.services.data_files import read_data_file, structure


def set_requisites(
    ctx: Context, requisites: Requisites, counterparty_code: str | None = None
) -> Requisites:
    """Store the company's requisites, or with `counterparty_code` a counterparty's."""
    authorize(ctx.principal, Action.MANAGE_BILLING)
    party = "counterparty" if counterparty_code else "company"
    checked = checked_requisites(requisites, party)
    with ctx.storage.unit_of_work() as uow:
        party_id = _party_id(ctx, uow, counterparty_code)
        uow.requisites.put(ctx.account_id, party_id, checked)
        ctx.commit(uow, "set_requisites", target=counterparty_code or "company")
    return checked


def get_requisites(ctx: Context, counterparty_code: str | None = None) -> Requisites | None:
    """The stored requisites of the company, or of a counterparty; None if never set."""
    authorize(ctx.principal, Action.MANAGE_BILLING)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        return uow.requisites.get(ctx.account_id, _party_id(ctx, uow, counterparty_code))


def set_tariff(
    ctx: Context,
    rates: Sequence[Rate],
    vat: Vat = NO_VAT,
    counterparty_code: str | None = None,
) -> Tariff:
    """Store the account's default tariff, or with `counterparty_code` a counterparty's own."""
    authorize(ctx.principal, Action.MANAGE_BILLING)
    if not isinstance(vat, Vat):
        raise ValidationError(
            [Problem(codes.Value.INVALID, "vat", vat, expect("type", type="Vat"))]
        )
    checked_vat = Vat.checked(vat.mode, vat.rate)
    listed = bounded(rates, "rates", ctx.max_list_length)
    with ctx.storage.unit_of_work() as uow:
        counterparty_id = _counterparty_id(ctx, uow, counterparty_code)
        tariff = checked_tariff(Tariff(ctx.account_id, counterparty_id, listed, checked_vat))
        uow.tariffs.put(tariff)
        ctx.commit(uow, "set_tariff", target=counterparty_code or "default")
    return tariff


def get_tariff(ctx: Context, counterparty_code: str | None = None) -> Tariff | None:
    """The default tariff, or a counterparty's own (None when it has none of its own)."""
    authorize(ctx.principal, Action.MANAGE_BILLING)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        return uow.tariffs.get(ctx.account_id, _counterparty_id(ctx, uow, counterparty_code))


def _party_id(ctx: Context, uow: UnitOfWork, counterparty_code: str | None) -> UUID:
    """Requisites are keyed by the counterparty's id, or by the account's for the company."""
    return _counterparty_id(ctx, uow, counterparty_code) or ctx.account_id


def _counterparty_id(ctx: Context, uow: UnitOfWork, code: str | None) -> UUID | None:
    return None if code is None else ctx.counterparty(uow, code).id


@frozen
class TariffFile:
    """What a tariff file holds: its rates and how their prices carry VAT."""

    rates: tuple[Rate, ...]
    vat: Vat = NO_VAT


def load_requisites(path: Path | str) -> Requisites:
    """Requisites from a `.toml` or `.json` file; ValidationError naming each wrong key."""
    return structure(read_data_file(path), Requisites, Path(path).name)


def load_tariff(path: Path | str) -> TariffFile:
    """A tariff's rates and VAT from a `.toml` or `.json` file."""
    return structure(read_data_file(path), TariffFile, Path(path).name)
