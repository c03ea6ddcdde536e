"""A client naming another counterparty's object learns nothing it would not learn from a
missing one: not from the error, not from the work storage does, and the audit log still
tells an administrator who probed whose object.

Two accounts of one application hold the same client counterparty A; in the first, A's
neighbour B also has a delivered order, its shipment and an attachment, so the first
account's client meets B's objects where the second one's meets nothing. Every lookup a
client has is tried in both with the same key (run again on PostgreSQL by
test_postgres.py).
"""

from __future__ import annotations

import contextlib
import inspect
import pickle
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from attrs import evolve

from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft
from custody_core.adapters.storage.postgres.backend import PostgresStorage
from custody_core.adapters.storage.sqlite.backend import SQLiteStorage
from custody_core.domain.audit import AuditEntry
from custody_core.domain.cards import CardDraft
from custody_core.domain.checks import CODE_LENGTH
from custody_core.domain.errors import CustodyError, ValidationError
from custody_core.domain.paging import PageRequest
from custody_core.domain.requisites import Requisites
from custody_core.domain.users import UserDraft
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice, Cabinet
from custody_core.services.templates import built_in_templates
from test_registry_import import SKU_HEADER, workbook

ORDER, SHIPMENT, RECEIPT = 2, 1, "R-2"
DAY = date(2026, 11, 19)
TEA = LineDraft("TEA", 1)
B_RECEIPT = ReceiptDraft("R-9", DAY, "B", "W1", [LineDraft("BOOK", 1)])
#: A registry template B's staff saved for B alone.
B_TEMPLATE = "b-sku"


class Account:
    """An account whose client works for A; `with_neighbour` adds B's objects, numbered
    2 (order), 1 (shipment) and R-2 (receipt), which the other account lacks."""

    def __init__(self, app: Application, code: str, with_neighbour: bool) -> None:
        account = app.create_account(code, code.upper())
        self.admin = app.back_office(Principal.administrator(account.id, "admin"))
        admin = self.admin
        admin.add_warehouse("W1", "Main")
        own = admin.add_counterparty("A", "Client A")
        admin.add_contract("A", "A-1")
        admin.add_item("A", "TEA", "Tea")
        admin.post_receipt(ReceiptDraft("R-1", DAY, "A", "W1", [LineDraft("TEA", 9)]))
        admin.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="A"))
        self.attachment: UUID | None = None
        self.neighbour: UUID | None = None
        if with_neighbour:
            self.neighbour = admin.add_counterparty("B", "Client B").id
            admin.add_contract("B", "B-1")
            skus = ("BOOK", "PEN", "INK")
            for sku in skus:
                admin.add_item("B", sku, sku.title())
            lines = [LineDraft(sku, 1) for sku in skus]
            admin.post_receipt(ReceiptDraft(RECEIPT, DAY, "B", "W1", lines))
            order = admin.create_order(OrderDraft("W1", lines, counterparty="B"))
            assert order.number == ORDER
            admin.confirm_order(ORDER)
            _, shipment = admin.deliver_order(ORDER)
            assert shipment.number == SHIPMENT
            self.attachment = admin.attach_file(ORDER, "b.txt", "text/plain", b"B's").id
            courier = built_in_templates()["courier-sku"]
            admin.save_template(evolve(courier, name=B_TEMPLATE, counterparty="B"))
        principal = Principal.client(account.id, "client-a", own.id)
        self.cabinet = app.cabinet(principal)
        self.office = app.back_office(principal)

    def denials(self) -> list[AuditEntry]:
        return list(self.admin.audit_log(outcome="denied", page=PageRequest(1000)).items)


#: Every lookup by key a client has, through its cabinet or a back office it is refused
#: nothing in: name (the desk method's, then what tells it apart) -> (desk, the call
#: given the attachment id and a registry file).
Call = Callable[[Any, UUID, Path], object]
LOOKUPS: dict[str, tuple[str, Call]] = {
    "order": ("cabinet", lambda d, a, f: d.order(ORDER)),
    "confirm_order": ("cabinet", lambda d, a, f: d.confirm_order(ORDER)),
    "cancel_order": ("cabinet", lambda d, a, f: d.cancel_order(ORDER)),
    "edit_order_lines": ("cabinet", lambda d, a, f: d.edit_order_lines(ORDER, [TEA])),
    "attachments": ("cabinet", lambda d, a, f: d.attachments(ORDER)),
    "shipments by order": ("cabinet", lambda d, a, f: d.shipments(order=ORDER)),
    "shipment": ("cabinet", lambda d, a, f: d.shipment(SHIPMENT)),
    "mx3": ("cabinet", lambda d, a, f: d.mx3(SHIPMENT)),
    "service_act": ("cabinet", lambda d, a, f: d.service_act(SHIPMENT)),
    "invoice": ("cabinet", lambda d, a, f: d.invoice([SHIPMENT])),
    "attachment_content": ("cabinet", lambda d, a, f: d.attachment_content(a)),
    "mx1": ("cabinet", lambda d, a, f: d.mx1(RECEIPT, 2026, "B")),
    "create_order": ("cabinet", lambda d, a, f: d.create_order(OrderDraft("W1", [TEA], "B"))),
    "receipt": ("office", lambda d, a, f: d.receipt("B", RECEIPT, 2026)),
    "receipts": ("office", lambda d, a, f: d.receipts("B")),
    "orders": ("office", lambda d, a, f: d.orders("B")),
    "shipments by counterparty": ("office", lambda d, a, f: d.shipments("B")),
    "reversals": ("office", lambda d, a, f: d.reversals("B")),
    "movements": ("office", lambda d, a, f: d.movements("B")),
    "stock_report": ("office", lambda d, a, f: d.stock_report("B")),
    "pick_list": ("office", lambda d, a, f: d.pick_list("B", "W1")),
    "items": ("office", lambda d, a, f: d.items("B")),
    "contracts": ("office", lambda d, a, f: d.contracts("B")),
    "import_registry": ("office", lambda d, a, f: d.import_registry(f, "courier-sku", "B")),
    "import_registry with B's template": (
        "cabinet", lambda d, a, f: d.import_registry(f, B_TEMPLATE, dry_run=True)
    ),
}  # fmt: skip
#: The back office's other methods taking a key: a client is refused them whatever it names.
STAFF_ONLY: dict[str, tuple[str, Call]] = {
    "audit_log": ("office", lambda d, a, f: d.audit_log(counterparty="B")),
    "add_contract": ("office", lambda d, a, f: d.add_contract("B", "B-2")),
    "add_item": ("office", lambda d, a, f: d.add_item("B", "PEN", "Pen")),
    "add_user": ("office", lambda d, a, f: d.add_user(UserDraft("b", "Pass-2026", "Pass-2026"))),
    "attach_file": ("office", lambda d, a, f: d.attach_file(ORDER, "x.txt", "text/plain", b"x")),
    "cards": ("office", lambda d, a, f: d.cards("B")),
    "create_card": ("office", lambda d, a, f: d.create_card(CardDraft("B", "b"))),
    "deliver_order": ("office", lambda d, a, f: d.deliver_order(ORDER)),
    "fail_order": ("office", lambda d, a, f: d.fail_order(ORDER, "rescheduled")),
    "post_receipt": ("office", lambda d, a, f: d.post_receipt(B_RECEIPT)),
    "requisites": ("office", lambda d, a, f: d.requisites("B")),
    "reverse_receipt": ("office", lambda d, a, f: d.reverse_receipt("B", RECEIPT, 2026, "typo")),
    "reverse_shipment": ("office", lambda d, a, f: d.reverse_shipment(SHIPMENT, "typo")),
    "set_requisites": ("office", lambda d, a, f: d.set_requisites(Requisites("B"), "B")),
    "set_tariff": ("office", lambda d, a, f: d.set_tariff([], counterparty="B")),
    "tariff": ("office", lambda d, a, f: d.tariff("B")),
}  # fmt: skip
REFUSALS = {**LOOKUPS, **STAFF_ONLY}
#: A value SQLite's trace writes into a statement: text, a number or NULL.
LITERAL = re.compile(r"'(?:[^']|'')*'|\bNULL\b|-?\b\d+\b")
#: Parameters that name an object (or carry such a name, as a draft does).
KEYS = {"number", "order", "shipment", "shipments", "attachment_id", "counterparty", "draft"}


@pytest.fixture
def accounts(app: Application) -> tuple[Account, Account]:
    """(the account with B's objects, the account without them)."""
    return Account(app, "with", True), Account(app, "without", False)


@pytest.fixture
def registry_file(tmp_path: Path) -> Path:
    row = ["X-1", None, "Иванов", None, "Москва", "TEA", 1, None]
    return workbook(tmp_path / "registry.xlsx", [SKU_HEADER, row])


def refusal(account: Account, name: str, attachment: UUID, registry_file: Path) -> CustodyError:
    where, call = REFUSALS[name]
    desk = account.cabinet if where == "cabinet" else account.office
    with pytest.raises(CustodyError) as raised:
        call(desk, attachment, registry_file)
    return raised.value


def fingerprint(error: BaseException) -> tuple[object, ...]:
    return type(error), error.args, vars(error), repr(error), pickle.dumps(error)


@pytest.mark.parametrize("name", REFUSALS)
def test_another_clients_object_is_refused_exactly_as_a_missing_one_at_the_same_cost(
    app: Application,
    accounts: tuple[Account, Account],
    name: str,
    registry_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same error, the same work for storage (counted, not timed: units of work and
    repository calls on every backend, SQL statements on SQLite and PostgreSQL, in order)
    and the same audit entry but for the owner, which only the hidden one names."""
    hiding, lacking = accounts
    assert hiding.attachment is not None
    errors, work = [], []
    for account in accounts:
        with recorded(app, monkeypatch) as log:
            errors.append(refusal(account, name, hiding.attachment, registry_file))
        work.append(log)
    hidden, missing = errors
    assert hidden.code in (
        {"not_found", "validation"} if name in LOOKUPS else {"permission_denied"}
    )
    assert fingerprint(hidden) == fingerprint(missing)
    assert "audit.append" in work[0]
    assert work[0] == work[1]
    [seen], [unseen] = hiding.denials(), lacking.denials()
    assert seen.counterparty_id == (hiding.neighbour if name in LOOKUPS else None)
    assert unseen.counterparty_id is None
    alike = {"account_id": seen.account_id, "counterparty_id": None, "seq": 0}
    assert evolve(seen, **alike) == evolve(unseen, **alike)


@pytest.mark.parametrize("desk", [BackOffice, Cabinet])
def test_every_desk_method_taking_a_key_is_tried_above(desk: type) -> None:
    for name in dir(desk):
        method = getattr(desk, name)
        if name.startswith("_") or not callable(method):
            continue
        if KEYS & set(inspect.signature(method).parameters):
            assert name in {label.split()[0] for label in REFUSALS}, name


@contextlib.contextmanager
def recorded(app: Application, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What storage is asked to do meanwhile: units of work begun, committed and ended,
    repository calls, and the text of every SQL statement."""
    log: list[str] = []
    storage = app.storage
    with monkeypatch.context() as patch:
        opened = storage.unit_of_work
        patch.setattr(
            storage,
            "unit_of_work",
            lambda read_only=False: _RecordedUnit(opened(read_only=read_only), log, read_only),
        )
        if isinstance(storage, SQLiteStorage):
            # SQLite traces statements with their values in place: keep the statement only.
            storage.connection().set_trace_callback(lambda sql: log.append(LITERAL.sub("?", sql)))
        if isinstance(storage, PostgresStorage):
            execute = psycopg.Cursor.execute

            def traced(cursor: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
                log.append(str(query))
                return execute(cursor, query, *args, **kwargs)

            patch.setattr(psycopg.Cursor, "execute", traced)
        try:
            yield log
        finally:
            if isinstance(storage, SQLiteStorage):
                storage.connection().set_trace_callback(None)


class _RecordedUnit:
    def __init__(self, unit: Any, log: list[str], read_only: bool) -> None:
        self._unit, self._log, self._read_only = unit, log, read_only

    def __enter__(self) -> _RecordedUnit:
        self._unit.__enter__()
        self._log.append("begin reading" if self._read_only else "begin")
        return self

    def __exit__(self, *exc: Any) -> Any:
        self._log.append("end")
        return self._unit.__exit__(*exc)

    def commit(self) -> None:
        self._log.append("commit")
        self._unit.commit()

    def __getattr__(self, name: str) -> Any:
        return _RecordedRepository(name, getattr(self._unit, name), self._log)


class _RecordedRepository:
    def __init__(self, name: str, repository: Any, log: list[str]) -> None:
        self._name, self._repository, self._log = name, repository, log

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._repository, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._log.append(f"{self._name}.{name}")
            return method(*args, **kwargs)

        return call


def test_a_code_longer_than_any_is_refused_before_the_lookup_and_not_audited(
    accounts: tuple[Account, Account],
) -> None:
    """A refused lookup is audited with its key, so a key no code can match is no lookup."""
    hiding, _ = accounts
    code = "B" * (CODE_LENGTH + 1)
    draft = OrderDraft("W1", [TEA], code)
    for call in (
        lambda: hiding.cabinet.mx1(RECEIPT, 2026, code),
        lambda: hiding.cabinet.create_order(draft),
    ):
        with pytest.raises(ValidationError) as raised:
            call()
        assert [(p.code, p.field) for p in raised.value.problems] == [
            ("text.too_long", "counterparty")
        ]
    assert hiding.denials() == []
