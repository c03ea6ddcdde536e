"""The audit log: every write with its entry, every refusal in its own transaction."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft
from custody_core.domain.audit import Outcome
from custody_core.domain.errors import NotFound, PermissionDenied, ValidationError
from custody_core.domain.paging import PageRequest
from custody_core.services.application import Application
from custody_core.testing.clock import ManualClock

SERVICES = Path(__file__).resolve().parent.parent / "src" / "custody_core" / "services"


def _setup(app: Application) -> tuple[Principal, Principal]:
    account = app.create_account("acme", "Acme", time_zone="UTC")
    admin = Principal.administrator(account.id, "admin")
    office = app.back_office(admin)
    office.add_warehouse("W", "Main")
    for code in ("A", "B"):
        office.add_counterparty(code, f"Client {code}")
        office.add_contract(code, f"{code}-1")
        office.add_item(code, f"{code}-SKU", "Goods")
    client = Principal.client(account.id, "client-a", office.counterparties()[0].id)
    return admin, client


def test_every_write_stores_one_entry_naming_whose_data(
    app: Application, clock: ManualClock
) -> None:
    admin, _ = _setup(app)
    office = app.back_office(admin)
    day = clock.now().date() - timedelta(days=1)
    office.post_receipt(ReceiptDraft("1", day, "A", "W", [LineDraft("A-SKU", 5)]))
    order = office.create_order(OrderDraft("W", [LineDraft("A-SKU", 2)], counterparty="A"))
    office.confirm_order(order.number)
    office.edit_order_lines(order.number, [LineDraft("A-SKU", 3)])
    office.deliver_order(order.number)
    office.reverse_shipment(1, "typo")
    office.cancel_order(order.number)
    entries = office.audit_log(page=PageRequest(limit=1000)).items
    a = office.counterparties()[0]
    writes = [(e.action, e.target) for e in entries if e.counterparty_id == a.id]
    assert writes == [
        ("counterparty.add", "counterparty A"),
        ("contract.add", "contract A-1"),
        ("item.add", "item A-SKU"),
        ("receipt.post", f"receipt 1/{day.year}"),
        ("order.create", "order 1"),
        ("order.confirm", "order 1"),
        ("order.edit_lines", "order 1"),
        ("order.deliver", "order 1"),
        ("shipment.reverse", "shipment 1"),
        ("order.cancel", "order 1"),
    ]
    assert {e.outcome for e in entries} == {Outcome.DONE}
    assert {e.actor for e in entries} == {"admin"}
    assert [e.seq for e in entries] == sorted(e.seq for e in entries)
    assert len({e.seq for e in entries}) == len(entries)


def test_a_refused_write_leaves_no_entry_and_a_denial_leaves_one(app: Application) -> None:
    admin, client = _setup(app)
    office = app.back_office(admin)
    before = office.audit_log(page=PageRequest(limit=1000)).items
    with pytest.raises(ValidationError):
        office.add_warehouse("W", "Duplicate")
    assert office.audit_log(page=PageRequest(limit=1000)).items == before

    with pytest.raises(PermissionDenied):
        app.back_office(client).add_warehouse("X", "Not yours")
    order = office.create_order(OrderDraft("W", [LineDraft("B-SKU", 1)], counterparty="B"))
    with pytest.raises(NotFound) as hidden:
        app.cabinet(client).order(order.number)
    with pytest.raises(NotFound) as missing:
        app.cabinet(client).order(999)
    assert (hidden.value.code, dict(hidden.value.details)) == (
        "not_found",
        {"entity": "order", "key": order.number},
    )
    assert (missing.value.code, missing.value.message()) == (
        "not_found",
        hidden.value.message().replace(str(order.number), "999"),
    )

    denied = office.audit_log(outcome="denied").items
    b = office.counterparties()[1]
    # A client's missing lookup is recorded like the hidden one, only without an owner.
    assert [(e.actor, e.action, e.detail, e.counterparty_id) for e in denied] == [
        ("client-a", "add_warehouse", "permission_denied", None),
        ("client-a", "order", "not_found", b.id),
        ("client-a", "order", "not_found", None),
    ]
    assert [e.target for e in denied[1:]] == [f"order {order.number}", "order 999"]


def test_the_log_filters_and_pages(app: Application, clock: ManualClock) -> None:
    admin, _ = _setup(app)
    office = app.back_office(admin)
    start = clock.now()
    clock.advance(timedelta(hours=1))
    office.add_warehouse("W2", "Second")
    office.add_warehouse("W3", "Third")
    later = office.audit_log(since=start + timedelta(minutes=1)).items
    assert [e.target for e in later] == ["warehouse W2", "warehouse W3"]
    assert (
        office.audit_log(until=start + timedelta(minutes=1), action="warehouse.add").items[0].target
        == "warehouse W"
    )
    assert [e.target for e in office.audit_log(counterparty="B").items] == [
        "counterparty B",
        "contract B-1",
        "item B-SKU",
    ]
    seen = []
    page = office.audit_log(page=PageRequest(limit=4))
    while True:
        seen += page.items
        if page.next_after is None:
            break
        page = office.audit_log(page=PageRequest(limit=4, after=page.next_after))
    assert seen == list(office.audit_log(page=PageRequest(limit=1000)).items)
    with pytest.raises(ValidationError):
        office.audit_log(outcome="maybe")


def test_only_administrators_read_the_log(app: Application) -> None:
    admin, client = _setup(app)
    manager = Principal.manager(admin.account_id, "manager")
    for principal in (manager, client):
        with pytest.raises(PermissionDenied):
            app.back_office(principal).audit_log()


def test_sqlite_refuses_to_change_or_remove_entries(tmp_path: Path) -> None:
    import custody_core
    from custody_core.testing.hashing import fast_hasher

    path = tmp_path / "audit.sqlite"
    with custody_core.open(
        f"sqlite:///{path}", entry_points=False, password_hasher=fast_hasher()
    ) as app:
        _setup(app)
    connection = sqlite3.connect(path)
    try:
        (count,) = connection.execute("SELECT count(*) FROM audit_log").fetchone()
        assert count > 0
        for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                connection.execute(statement)
        assert connection.execute("SELECT count(*) FROM audit_log").fetchone() == (count,)
    finally:
        connection.close()


def test_use_cases_commit_only_through_the_audited_commit() -> None:
    """A bare `uow.commit()` in a use case would store a write with no audit entry."""
    allowed = {"context.py", "audit.py", "authentication.py", "application.py"}
    offenders = [
        path.name
        for path in SERVICES.glob("*.py")
        if path.name not in allowed and re.search(r"\buow\.commit\(\)", path.read_text())
    ]
    assert offenders == []


def test_a_client_naming_another_counterparty_in_a_draft_is_a_recorded_denial(
    app: Application,
) -> None:
    admin, client = _setup(app)
    office = app.back_office(admin)
    b = office.counterparties()[1]
    with pytest.raises(ValidationError) as refused:
        app.cabinet(client).create_order(OrderDraft("W", [LineDraft("B-SKU", 1)], counterparty="B"))
    with pytest.raises(ValidationError) as unknown:
        app.cabinet(client).create_order(OrderDraft("W", [LineDraft("B-SKU", 1)], counterparty="Z"))
    assert [(p.code, p.field) for p in refused.value.problems] == [
        ("reference.unknown", "counterparty")
    ]
    assert [p.code for p in unknown.value.problems] == [p.code for p in refused.value.problems]
    denied = office.audit_log(outcome="denied").items
    # The unknown code is recorded as well, without an owner: the two cost the same.
    assert [(e.action, e.counterparty_id, e.detail) for e in denied] == [
        ("create_order", b.id, "validation"),
        ("create_order", None, "validation"),
    ]
    assert office.orders().items == ()
