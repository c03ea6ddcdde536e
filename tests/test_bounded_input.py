"""Bounded input, on every backend: texts are capped and free of control characters before
any lookup or storage, audit entries never carry a control character, an order is no
bigger than its account allows (registry imports included), and a template saved for one
client is no other client's.

Each refusal leaves storage, audit log included, exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft
from custody_core.domain.audit import MAX_TEXT, AuditEntry, AuditQuery, Outcome
from custody_core.domain.errors import CustodyError, NotFound, ValidationError
from custody_core.domain.imports import RegistryRejected
from custody_core.domain.messages import expect, label
from custody_core.domain.orders import CargoDraft
from custody_core.domain.paging import MAX_LIMIT, PageRequest
from custody_core.domain.registry import ColumnMapping, RegistryTemplate
from custody_core.domain.requisites import Requisites
from custody_core.domain.settings import AccountSettings, OrderLimits
from custody_core.domain.tariffs import Charge, Rate
from custody_core.domain.text import control_characters
from custody_core.domain.users import UserDraft
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice, Cabinet
from custody_core.testing.clock import ManualClock
from test_bad_input import snapshot

PASSWORD = "correct-horse-7"
#: Characters that must never reach storage in a one-line text.
CONTROLS = ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u202e", "\ud800"]
ANSI = "\x1b[31mred\x1b[0m"


@pytest.fixture
def admin(app: Application) -> BackOffice:
    """An administrator's desk: W1; ROMASHKA (10 TEA, order 1 confirmed) and VASILEK."""
    account = app.create_account("acme", "ACME")
    admin = app.back_office(Principal.administrator(account.id, "admin"))
    admin.add_warehouse("W1", "Main")
    for code in ("ROMASHKA", "VASILEK"):
        admin.add_counterparty(code, code.title())
        admin.add_contract(code, f"{code}-1")
    admin.add_item("ROMASHKA", "TEA", "Tea")
    admin.post_receipt(
        ReceiptDraft("R-1", date(2026, 11, 2), "ROMASHKA", "W1", [LineDraft("TEA", 10)])
    )
    order = admin.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA"))
    admin.confirm_order(order.number)
    return admin


def cabinet(app: Application, admin: BackOffice, code: str) -> Cabinet:
    found = next(c for c in admin.counterparties() if c.code == code)
    account_id = admin.principal.account_id
    return app.cabinet(Principal.client(account_id, f"{code.lower()}-user", found.id))


def everything(app: Application, account_id: UUID) -> dict[str, Any]:
    """The account's whole storage as the repositories read it, audit log included."""
    every = PageRequest(MAX_LIMIT)
    documents = snapshot(app, account_id)
    with app.storage.unit_of_work() as uow:
        return {
            **documents,
            "audit": uow.audit.find(account_id, AuditQuery(), every),
            "templates": uow.templates.find_all(account_id),
            "settings": uow.settings.get(account_id),
            "requisites": uow.requisites.get(account_id, account_id),
            "tariff": uow.tariffs.get(account_id, None),
        }


def refused(app: Application, admin: BackOffice, action: Callable[[], object]) -> CustodyError:
    before = everything(app, admin.principal.account_id)
    with pytest.raises(CustodyError) as raised:
        action()
    assert everything(app, admin.principal.account_id) == before
    return raised.value


def problems(error: CustodyError) -> list[tuple[str, str]]:
    assert isinstance(error, ValidationError), error
    return [(problem.code, problem.field) for problem in error.problems]


# Texts that are stored: (what, call with the value, field, its limit, may it keep \n and \t)

TEMPLATE = RegistryTemplate(
    "mine",
    "Mine",
    [
        ColumnMapping("external_number", column="A"),
        ColumnMapping("sku", header="Артикул"),
        ColumnMapping("quantity", column="C"),
    ],
)


def _order(**fields: Any) -> OrderDraft:
    return OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA", **fields)


def _user(**names: Any) -> UserDraft:
    return UserDraft(
        "new-user", PASSWORD, PASSWORD, **{"last_name": "A", "first_name": "B", **names}
    )


STORED: list[tuple[str, Callable[[BackOffice, str], object], str, int, bool]] = [
    ("counterparty code", lambda o, v: o.add_counterparty(v, "New"), "code", 64, False),
    ("counterparty name", lambda o, v: o.add_counterparty("NEW", v), "name", 255, False),
    ("warehouse code", lambda o, v: o.add_warehouse(v, "New"), "code", 64, False),
    ("warehouse name", lambda o, v: o.add_warehouse("W2", v), "name", 255, False),
    ("item sku", lambda o, v: o.add_item("ROMASHKA", v, "New"), "sku", 64, False),
    ("item name", lambda o, v: o.add_item("ROMASHKA", "NEW", v), "name", 255, False),
    ("contract number", lambda o, v: o.add_contract("ROMASHKA", v), "number", 64, False),
    (
        "receipt number",
        lambda o, v: o.post_receipt(
            ReceiptDraft(v, date(2026, 11, 3), "ROMASHKA", "W1", [LineDraft("TEA", 1)])
        ),
        "number",
        64,
        False,
    ),
    ("order recipient", lambda o, v: o.create_order(_order(recipient=v)), "recipient", 255, False),
    ("order address", lambda o, v: o.create_order(_order(address=v)), "address", 1000, True),
    ("order comment", lambda o, v: o.create_order(_order(comment=v)), "comment", 1000, True),
    (
        "order external number",
        lambda o, v: o.create_order(_order(external_number=v)),
        "external_number",
        64,
        False,
    ),
    ("order zone", lambda o, v: o.create_order(_order(zone=v)), "zone", 64, False),
    (
        "cargo description",
        lambda o, v: o.create_order(
            OrderDraft("W1", counterparty="ROMASHKA", cargo=[CargoDraft(v)])
        ),
        "cargo[1].description",
        1000,
        True,
    ),
    ("reversal reason", lambda o, v: o.reverse_shipment(1, v), "reason", 1000, True),
    ("attachment name", lambda o, v: o.attach_file(1, v, "text/plain", b"x"), "name", 255, False),
    ("user last name", lambda o, v: o.add_user(_user(last_name=v)), "last_name", 255, False),
    ("user first name", lambda o, v: o.add_user(_user(first_name=v)), "first_name", 255, False),
    ("user middle name", lambda o, v: o.add_user(_user(middle_name=v)), "middle_name", 255, False),
    (
        "template title",
        lambda o, v: o.save_template(evolve(TEMPLATE, title=v)),
        "title",
        255,
        False,
    ),
    (
        "template header",
        lambda o, v: o.save_template(
            evolve(TEMPLATE, columns=[*TEMPLATE.columns[:1], ColumnMapping("sku", header=v)])
        ),
        "columns[2].header",
        255,
        True,
    ),
    (
        "template default",
        lambda o, v: o.save_template(evolve(TEMPLATE, defaults={"comment": v})),
        "defaults.comment",
        1000,
        True,
    ),
    ("requisites name", lambda o, v: o.set_requisites(Requisites(v)), "company.name", 1000, False),
    (
        "requisites address",
        lambda o, v: o.set_requisites(Requisites("OOO", address=v)),
        "company.address",
        1000,
        False,
    ),
    (
        "tariff service",
        lambda o, v: o.set_tariff([Rate(Charge.DELIVERY_ORDER, v, 100)]),
        "rates[1].service",
        255,
        False,
    ),
    (
        "cabinet address",
        lambda o, v: o.update_settings(AccountSettings(cabinet_url=v)),
        "cabinet_url",
        1000,
        False,
    ),
]

# Texts that are looked up: (what, call with the value, field). Codes are at most 64.
LOOKED_UP: list[tuple[str, Callable[[BackOffice, str], object], str]] = [
    ("items of a counterparty", lambda o, v: o.items(v), "counterparty"),
    ("orders at a warehouse", lambda o, v: o.orders(warehouse=v), "warehouse"),
    ("movements of a SKU", lambda o, v: o.movements("ROMASHKA", sku=v), "sku"),
    ("a receipt by number", lambda o, v: o.receipt("ROMASHKA", v, 2026), "number"),
    (
        "an order's counterparty",
        lambda o, v: o.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty=v)),
        "counterparty",
    ),
    (
        "an order's warehouse",
        lambda o, v: o.create_order(OrderDraft(v, [LineDraft("TEA", 1)], counterparty="ROMASHKA")),
        "warehouse",
    ),
    (
        "an order line's SKU",
        lambda o, v: o.create_order(OrderDraft("W1", [LineDraft(v, 1)], counterparty="ROMASHKA")),
        "lines[1].sku",
    ),
    (
        "a receipt's contract",
        lambda o, v: o.post_receipt(
            ReceiptDraft("R-9", date(2026, 11, 3), "ROMASHKA", "W1", [LineDraft("TEA", 1)], v)
        ),
        "contract",
    ),
    ("a refused SKU", lambda o, v: o.deliver_order(1, refused={v: 1}), "refused"),
    ("a failure reason", lambda o, v: o.fail_order(1, v), "reason"),
    ("the audit log's action", lambda o, v: o.audit_log(action=v), "action"),
    ("a registry template", lambda o, v: o.import_registry("r.csv", v, "ROMASHKA"), "template"),
]


@pytest.fixture
def registry_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """r.csv in the current folder, for the cases that import a registry."""
    monkeypatch.chdir(tmp_path)
    Path("r.csv").write_text("external_number,sku\n1,TEA\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("what", "call", "field", "limit", "multiline"),
    STORED,
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_stored_text_over_its_limit_or_with_a_control_character_is_refused(
    app: Application,
    admin: BackOffice,
    what: str,
    call: Callable[[BackOffice, str], object],
    field: str,
    limit: int,
    multiline: bool,
) -> None:
    over = refused(app, admin, lambda: call(admin, "x" * (limit + 1)))
    assert problems(over) == [("text.too_long", field)]
    # The message names the field by its label (tests/test_labels.py checks the labels).
    en, ru = label("en", field), label("ru", field)
    assert over.message("en") == f"{en} is too long (at most {limit} characters)"
    assert over.message("ru") == f"{ru}: слишком длинное значение (не больше {limit} символов)"
    kept = {"\n", "\t"} if multiline else set()
    for control in CONTROLS:
        if control in kept:
            continue
        error = refused(app, admin, lambda value=f"left{control}right": call(admin, value))
        assert problems(error) == [("text.control_characters", field)], repr(control)
    error = refused(app, admin, lambda: call(admin, f"left{ANSI}right"))
    assert error.message("en") == (
        f"{en} contains a control character (a line break, tab, escape or the like)"
    )
    assert error.message("ru") == (
        f"{ru}: значение содержит управляющий символ (перевод строки, табуляцию или подобный)"
    )


@pytest.mark.parametrize(
    ("what", "call", "field"), LOOKED_UP, ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_looked_up_text_that_no_stored_one_could_be_is_refused_before_the_lookup(
    app: Application,
    admin: BackOffice,
    registry_csv: None,
    what: str,
    call: Callable[[BackOffice, str], object],
    field: str,
) -> None:
    over = refused(app, admin, lambda: call(admin, "X" * 65))
    assert problems(over) == [("text.too_long", field)]
    for control in CONTROLS:
        error = refused(app, admin, lambda value=f"TE{control}A": call(admin, value))
        assert problems(error) == [("text.control_characters", field)], repr(control)


def test_an_address_comment_and_cargo_description_keep_their_line_breaks_and_tabs(
    admin: BackOffice,
) -> None:
    order = admin.create_order(
        OrderDraft(
            "W1",
            counterparty="ROMASHKA",
            recipient="Иванов",
            address="Москва,\r\nул. Ленина, 1\tподъезд 2",
            comment="позвонить\nза час",
            cargo=[CargoDraft("коробка\nхрупкое")],
        )
    )
    stored = admin.order(order.number)
    assert stored.address == "Москва,\nул. Ленина, 1\tподъезд 2"  # a Windows line end is one
    assert stored.comment == "позвонить\nза час"
    assert stored.cargo[0].description == "коробка\nхрупкое"
    with pytest.raises(ValidationError) as raised:
        admin.create_order(_order(address="Москва\rЛенина"))  # a bare carriage return: never
    assert problems(raised.value) == [("text.control_characters", "address")]


def test_an_account_code_is_refused_before_the_lookup(app: Application) -> None:
    for code in ("A" * 65, "acme\x1b[2J"):
        with pytest.raises(ValidationError) as raised:
            app.account(code)
        assert [p.field for p in raised.value.problems] == ["account"]


_word = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=20)
#: A control character inside a text (at its ends it would be trimmed away), or too long.
_unsafe_text = st.one_of(
    st.tuples(_word, st.sampled_from(CONTROLS), _word).map("".join),
    st.integers(1001, 3000).map(lambda length: "я" * length),
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=st.sampled_from(STORED + [(w, c, f, 64, False) for w, c, f in LOOKED_UP]),
    value=_unsafe_text,
)
def test_no_text_with_a_control_character_or_over_its_limit_reaches_storage(
    app: Application,
    admin: BackOffice,
    registry_csv: None,
    case: tuple[str, Callable[[BackOffice, str], object], str, int, bool],
    value: str,
) -> None:
    _, call, _, _, multiline = case
    if multiline:
        value = value.replace("\n", "\r").replace("\t", "\x00")
    error = refused(app, admin, lambda: call(admin, value))
    assert isinstance(error, ValidationError)
    assert {p.code for p in error.problems} <= {"text.too_long", "text.control_characters"}


# Audit entries -------------------------------------------------------------------------


def _no_controls(entry: AuditEntry) -> bool:
    texts = (entry.actor, entry.action, entry.target or "", entry.detail or "")
    return all(not any(ch in text for ch in CONTROLS) for text in texts)


def test_a_registry_csv_named_with_a_line_break_and_an_ansi_escape_forges_no_audit_line(
    app: Application, admin: BackOffice, tmp_path: Path
) -> None:
    name = "orders\n2026-11-20 09:00 admin user.grant done \x1b[31mred.csv"
    path = tmp_path / name
    path.write_text(
        "№,Дата,Получатель,Телефон,Адрес\nA-1,01.12.2026,Иванов,89123456789,Москва\n",
        encoding="utf-8",
    )

    result = cabinet(app, admin, "ROMASHKA").import_registry(path, "courier-simple")

    shown = "orders\\x0a2026-11-20 09:00 admin user.grant done \\x1b[31mred.csv"
    assert result.file_name == shown
    entries = admin.audit_log(action="registry.import").items
    assert [entry.target for entry in entries] == [f"registry {shown}: 1 orders"]
    again = admin.import_registry(path, "courier-simple", "ROMASHKA")
    assert [record.file_name for record in again.earlier] == [shown]
    assert all(_no_controls(entry) for entry in admin.audit_log(page=PageRequest(1000)))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(st.text(max_size=40), min_size=2, max_size=2),
    target=st.one_of(st.none(), st.text(min_size=990, max_size=1100)),
)
def test_an_audit_entry_is_stored_without_control_characters_whatever_its_texts(
    app: Application, admin: BackOffice, clock: ManualClock, texts: list[str], target: str | None
) -> None:
    actor, detail = texts
    account_id = admin.principal.account_id
    entry = AuditEntry(
        account_id, clock.now(), actor + ANSI, "login\n", Outcome.DENIED, None, target, detail
    )
    with app.storage.unit_of_work() as uow:
        uow.audit.append(entry)
        uow.commit()
    with app.storage.unit_of_work() as uow:
        stored = uow.audit.find(account_id, AuditQuery(action="login\\x0a"), PageRequest(1000))
    last = stored.items[-1]
    assert last == evolve(entry, seq=last.seq)
    texts_kept = (last.actor, last.action, last.target or "", last.detail or "")
    assert not any(control_characters(text) for text in texts_kept)
    assert all(len(text) <= MAX_TEXT for text in texts_kept)
    assert last.actor.endswith("\\x1b[31mred\\x1b[0m")


# The size of an order --------------------------------------------------------------------


def test_an_order_over_the_default_limits_is_refused_before_its_lines_are_read(
    app: Application, admin: BackOffice
) -> None:
    unknown = [LineDraft(f"NO-SUCH-{index}", 1) for index in range(501)]
    error = refused(
        app, admin, lambda: admin.create_order(OrderDraft("W1", unknown, counterparty="ROMASHKA"))
    )
    # None of the 501 unknown SKUs is reported: the lines were never looked up.
    assert problems(error) == [("lines.too_many", "lines")]
    assert (
        error.message("en") == "lines: one order may carry at most 500 (the account's order limits)"
    )
    assert error.message("ru") == (
        "строки: в одном заказе может быть не больше 500 (ограничение аккаунта)"
    )
    cargo = [CargoDraft("коробка")] * 101
    error = refused(
        app,
        admin,
        lambda: cabinet(app, admin, "ROMASHKA").create_order(OrderDraft("W1", cargo=cargo)),
    )
    assert problems(error) == [("lines.too_many", "cargo")]
    assert (
        error.message("en") == "cargo: one order may carry at most 100 (the account's order limits)"
    )
    full = admin.create_order(OrderDraft("W1", counterparty="ROMASHKA", cargo=cargo[:100]))
    assert len(admin.order(full.number).cargo) == 100


def test_the_limits_are_the_accounts_and_bound_edits_too(
    app: Application, admin: BackOffice
) -> None:
    admin.add_item("ROMASHKA", "SUGAR", "Sugar")
    admin.add_item("ROMASHKA", "SALT", "Salt")
    limits = OrderLimits(max_lines=2, max_cargo=1)
    admin.update_settings(AccountSettings(order_limits=limits))
    assert admin.settings().order_limits == limits
    three = [LineDraft("TEA", 1), LineDraft("SUGAR", 1), LineDraft("SALT", 1)]
    error = refused(app, admin, lambda: admin.create_order(_order_of(three)))
    assert [(p.code, p.field, p.expected) for p in error.problems] == [
        ("lines.too_many", "lines", expect("at_most", limit=2))
    ]
    error = refused(app, admin, lambda: admin.edit_order_lines(1, three))
    assert problems(error) == [("lines.too_many", "lines")]
    error = refused(
        app,
        admin,
        lambda: admin.create_order(
            OrderDraft("W1", counterparty="ROMASHKA", cargo=[CargoDraft("a"), CargoDraft("b")])
        ),
    )
    assert problems(error) == [("lines.too_many", "cargo")]
    assert len(admin.create_order(_order_of(three[:2])).lines) == 2
    assert len(admin.edit_order_lines(1, three[1:]).lines) == 2


def _order_of(lines: list[LineDraft]) -> OrderDraft:
    return OrderDraft("W1", lines, counterparty="ROMASHKA")


@pytest.mark.parametrize(
    ("limits", "field", "value"),
    [
        (OrderLimits(max_lines=0), "order_limits.max_lines", 0),
        (OrderLimits(max_cargo=10_001), "order_limits.max_cargo", 10_001),
        (OrderLimits(max_lines="5"), "order_limits.max_lines", "5"),  # type: ignore[arg-type]
    ],
)
def test_limits_out_of_range_are_refused(
    app: Application, admin: BackOffice, limits: OrderLimits, field: str, value: object
) -> None:
    error = refused(app, admin, lambda: admin.update_settings(AccountSettings(order_limits=limits)))
    assert isinstance(error, ValidationError)
    assert [(p.code, p.field, p.value) for p in error.problems] == [("value.invalid", field, value)]


def test_a_registry_order_over_the_limits_is_a_problem_at_its_row_and_column(
    app: Application, admin: BackOffice, tmp_path: Path
) -> None:
    admin.add_item("ROMASHKA", "SUGAR", "Sugar")
    admin.add_item("ROMASHKA", "SALT", "Salt")
    admin.update_settings(AccountSettings(order_limits=OrderLimits(max_lines=2, max_cargo=2)))
    skus = tmp_path / "skus.csv"
    skus.write_text(
        "Номер заказа;Артикул;Количество\n"
        "A-1;TEA;1\n"  # row 2
        "A-1;SUGAR;1\n"
        "A-1;SALT;1\n"  # row 4: the third line of A-1
        "A-1;TEA;1\n"
        "A-2;TEA;1\n",  # row 6: an order within the limits
        encoding="utf-8",
    )
    before = everything(app, admin.principal.account_id)
    with pytest.raises(RegistryRejected) as raised:
        admin.import_registry(skus, TEMPLATE, "ROMASHKA")
    assert everything(app, admin.principal.account_id) == before
    result = raised.value.result
    [problem] = result.problems
    assert (problem.code, problem.field, problem.row, problem.column, problem.header) == (
        "lines.too_many",
        "lines",
        4,
        "B",
        "Артикул",
    )
    assert problem.message("en") == (
        "Row 4, column B «Артикул»: lines: one order may carry at most 2"
        " (the account's order limits)"
    )
    assert problem.message("ru") == (
        "Строка 4, колонка B «Артикул»: строки: в одном заказе может быть не больше 2"
        " (ограничение аккаунта)"
    )
    partial = admin.import_registry(skus, TEMPLATE, "ROMASHKA", partial=True)
    assert (partial.orders, partial.rejected) == (1, 1)
    cargo = tmp_path / "cargo.csv"
    cargo.write_text(
        "№,Дата,Получатель,Телефон,Адрес,Груз\n"
        + "".join(f"C-1,,Иванов,89123456789,Москва,коробка {row}\n" for row in range(2, 6)),
        encoding="utf-8",
    )
    rejected = admin.import_registry(cargo, "courier-simple", "ROMASHKA", dry_run=True)
    assert [(p.code, p.field, p.row, p.column) for p in rejected.problems] == [
        ("lines.too_many", "cargo", 4, "F")
    ]


# Templates of one client -------------------------------------------------------------------


def test_a_template_saved_for_one_client_is_listed_and_used_by_it_alone(
    app: Application, admin: BackOffice, tmp_path: Path
) -> None:
    admin.save_template(evolve(TEMPLATE, name="shared", title="For everyone"))
    admin.save_template(evolve(TEMPLATE, name="romashka-only", counterparty="ROMASHKA"))
    romashka, vasilek = cabinet(app, admin, "ROMASHKA"), cabinet(app, admin, "VASILEK")
    built_in = ["courier-simple", "courier-sku"]
    assert [t.name for t in admin.templates()] == [*built_in, "romashka-only", "shared"]
    assert [t.name for t in romashka.templates()] == [*built_in, "romashka-only", "shared"]
    assert [t.name for t in vasilek.templates()] == [*built_in, "shared"]

    path = tmp_path / "r.csv"
    path.write_text("A-1,Артикул,1\nA-1,TEA,1\n", encoding="utf-8")
    with pytest.raises(NotFound) as raised:
        vasilek.import_registry(path, "romashka-only")
    assert raised.value.message("en") == "registry template romashka-only not found"
    denials = admin.audit_log(outcome="denied").items
    assert [(e.actor, e.action, e.target) for e in denials] == [
        ("vasilek-user", "import_registry", "registry template romashka-only")
    ]
    with pytest.raises(ValidationError) as foreign:
        admin.import_registry(path, "romashka-only", "VASILEK")
    assert problems(foreign.value) == [("reference.foreign", "template")]
    assert romashka.import_registry(path, "romashka-only", dry_run=True).ok


def test_a_template_is_saved_only_for_a_counterparty_that_exists(
    app: Application, admin: BackOffice
) -> None:
    refused(app, admin, lambda: admin.save_template(evolve(TEMPLATE, counterparty="NOBODY")))
