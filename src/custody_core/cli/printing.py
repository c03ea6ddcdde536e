"""`custody print`, `custody requisites set` and `custody tariff set`: printed forms and
what they are made from."""

from __future__ import annotations

from pathlib import Path

from custody_core.cli.errors import InputError
from custody_core.cli.files import write_new_file
from custody_core.cli.output import plain
from custody_core.cli.phrases import PHRASES
from custody_core.cli.session import Session
from custody_core.domain.forms import Form, FormKind
from custody_core.domain.messages import day
from custody_core.services.billing import load_requisites, load_tariff

#: The form kinds as the command names them.
KINDS = [kind.value for kind in FormKind]


def print_form(session: Session) -> None:
    """Build the form of a document, render it, and write the file (never over an existing
    one, unless `--force`)."""
    args = session.args
    form = build_form(session, FormKind(args.kind), args.numbers, args.counterparty, args.year)
    rendered = session.desk.render(form, args.format)
    target: Path = args.output or Path(rendered.file_name)
    write_new_file(target, rendered.content, force=args.force)
    head = form.header
    data = {
        "kind": head.kind.value,
        "number": head.number,
        "date": head.date.isoformat(),
        "file": str(target),
        "media_type": rendered.media_type,
    }
    session.emit(
        data,
        lambda: session.say(
            "form_written",
            title=head.title,
            number=head.number,
            date=day(head.date, session.lang),
            path=target,
        ),
    )


def build_form(
    session: Session, kind: FormKind, numbers: list[str], counterparty: str | None, year: int | None
) -> Form:
    """MX-1 takes a receipt number (with its counterparty and year); the others take
    shipment numbers, the act and the invoice one or more."""
    desk = session.desk
    if kind is FormKind.MX1:
        return desk.mx1(_one(numbers), year or _this_year(session), counterparty)
    if kind is FormKind.MX3:
        return desk.mx3(_shipment_number(_one(numbers)))
    shipments = [_shipment_number(number) for number in numbers]
    if kind is FormKind.ACT:
        return desk.service_act(shipments)
    return desk.invoice(shipments)


def requisites_set(session: Session) -> None:
    args = session.args
    saved = session.admin.set_requisites(load_requisites(args.file), args.counterparty)
    party = args.counterparty or _phrase(session, "company")
    session.emit(plain(saved), lambda: session.say("requisites_saved", party=party))


def tariff_set(session: Session) -> None:
    args = session.args
    loaded = load_tariff(args.file)
    tariff = session.admin.set_tariff(loaded.rates, loaded.vat, args.counterparty)
    party = args.counterparty or _phrase(session, "default_tariff")
    vat = _phrase(session, f"vat_{tariff.vat.mode}").format(rate=tariff.vat.rate)
    session.emit(
        plain(tariff),
        lambda: session.say("tariff_saved", party=party, rates=len(tariff.rates), vat=vat),
    )


def _phrase(session: Session, key: str) -> str:
    return PHRASES[session.lang][key]


def _one(numbers: list[str]) -> str:
    if len(numbers) != 1:
        raise InputError("one_document", count=len(numbers))
    return numbers[0]


def _shipment_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError("not_a_shipment_number", value=text) from None


def _this_year(session: Session) -> int:
    """The current year in the account's time zone: a receipt's default year."""
    account = session.app.account(session.args.account)
    return account.business_date(session.app.clock.now()).year
