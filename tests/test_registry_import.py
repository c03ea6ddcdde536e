"""Registry upload ("Загрузка реестров"): templates, grouping, checks, idempotency, both backends.

Each test builds its workbook with openpyxl in a temporary folder; expected
values are written out by hand from the rows the test puts in.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from attrs import evolve

from custody_core import LineDraft, Principal, ReceiptDraft
from custody_core.domain.errors import NotFound, Problem, ValidationError
from custody_core.domain.imports import OrderOutcome, OutcomeKind, RegistryRejected
from custody_core.domain.messages import expect
from custody_core.domain.orders import Cargo, OrderState
from custody_core.domain.registry import (
    ColumnMapping,
    RegistryTemplate,
    RowSettings,
    template_from_data,
    template_to_data,
)
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice
from custody_core.services.registry import RowRange
from custody_core.services.templates import load_template
from custody_core.testing.clock import ManualClock

SKU_HEADER = ["Номер заказа", "Дата доставки", "Получатель", "Телефон", "Адрес", "Артикул",
              "Количество", "Комментарий"]  # fmt: skip


def workbook(path: Path, rows: Sequence[Sequence[object]], title: str = "Реестр") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


@pytest.fixture
def office(app: Application) -> BackOffice:
    account = app.create_account("acme", "ACME")
    office = app.back_office(Principal.manager(account.id, "manager"))
    office.add_warehouse("W1", "Main")
    for code in ("ROMASHKA", "VASILEK"):
        office.add_counterparty(code, code.title())
        office.add_contract(code, f"{code}-1", main=True)
    office.add_item("ROMASHKA", "TEA", "Tea")
    office.add_item("ROMASHKA", "SUGAR", "Sugar")
    office.add_item("VASILEK", "BOOK", "Book")
    office.post_receipt(
        ReceiptDraft(
            "R-1",
            date(2026, 11, 2),
            "ROMASHKA",
            "W1",
            [LineDraft("TEA", 10), LineDraft("SUGAR", 5)],
        )
    )
    return office


def sku_registry(path: Path) -> Path:
    """Two orders: A-1 on rows 2-3 (two items), A-2 on row 4."""
    return workbook(
        path,
        [
            SKU_HEADER,
            ["A-1", "01.12.2026", "Иванов", "8 (912) 345-67-89", "Москва, Ленина 1", "TEA", 3, ""],
            ["A-1", None, None, None, None, "SUGAR", "2", None],
            ["A-2", "02.12.2026", "Петров", None, "Москва, Мира 5", "TEA", 4, "Домофон 12"],
        ],
    )


def client(app: Application, office: BackOffice, code: str) -> Principal:
    with app.storage.unit_of_work() as uow:
        counterparty = uow.counterparties.by_code(office.principal.account_id, code)
    assert counterparty is not None
    return Principal.client(office.principal.account_id, f"{code.lower()}-user", counterparty.id)


def test_the_seed_steps_pick_a_template_a_file_and_rows_then_create_orders(
    app: Application, office: BackOffice, tmp_path: Path
) -> None:
    cabinet = app.cabinet(client(app, office, "ROMASHKA"))
    assert [t.name for t in cabinet.templates()] == ["courier-simple", "courier-sku"]
    path = sku_registry(tmp_path / "реестр.xlsx")
    heard: list[OrderOutcome] = []

    result = cabinet.import_registry(
        path, "courier-sku", rows=RowRange(2, 4), on_order=heard.append
    )

    assert result.ok
    assert not result.dry_run
    assert (result.rows_read, result.orders, result.lines, result.skipped) == (3, 2, 3, 0)
    assert [(o.kind, o.external_number, o.first_row, o.last_row) for o in heard] == [
        (OutcomeKind.CREATED, "A-1", 2, 3),
        (OutcomeKind.CREATED, "A-2", 4, 4),
    ]
    orders = cabinet.orders().items
    assert [(o.external_number, o.state) for o in orders] == [
        ("A-1", OrderState.CONFIRMED),
        ("A-2", OrderState.CONFIRMED),
    ]
    first = orders[0]
    assert first.number == heard[0].number
    assert first.recipient == "Иванов"
    assert first.phone == "+79123456789"
    assert first.delivery_date == date(2026, 12, 1)
    assert first.address == "Москва, Ленина 1"
    assert [line.quantity for line in first.lines] == [3, 2]
    assert orders[1].comment == "Домофон 12"
    assert result.reserved == {"TEA": Decimal(7), "SUGAR": Decimal(2)}
    assert result.shortages == ()
    free = {row.item.sku: row.free for row in cabinet.pick_list("W1")}
    assert free == {"SUGAR": Decimal(3), "TEA": Decimal(3)}
    entries = office_audit(app, office, "registry.import")
    assert [entry.target for entry in entries] == ["registry реестр.xlsx: 2 orders"]


def test_a_created_orders_outcome_carries_its_number_and_business_date_and_says_so(
    app: Application, office: BackOffice, clock: ManualClock, tmp_path: Path
) -> None:
    # 22:30 UTC on 3 December is 01:30 on 4 December in Moscow, the account's zone
    clock.current = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)
    heard: list[OrderOutcome] = []
    office.import_registry(
        sku_registry(tmp_path / "r.xlsx"), "courier-sku", "ROMASHKA", on_order=heard.append
    )
    numbers = [order.number for order in office.orders().items]
    assert [(o.number, o.date) for o in heard] == [
        (numbers[0], date(2026, 12, 4)),
        (numbers[1], date(2026, 12, 4)),
    ]
    assert heard[0].message("ru") == (
        f"Создан заказ на доставку №{numbers[0]} от 04.12.2026 (№ клиента A-1, строки 2–3)"
    )
    assert heard[1].message("en") == (
        f"Created delivery order №{numbers[1]} of 2026-12-04 (client's №A-2, row 4)"
    )
    skipped: list[OrderOutcome] = []
    office.import_registry(
        sku_registry(tmp_path / "r.xlsx"), "courier-sku", "ROMASHKA", on_order=skipped.append
    )
    assert skipped[0].message("ru") == (f"Заказ A-1 уже загружен как №{numbers[0]} (строки 2–3)")


def office_audit(app: Application, office: BackOffice, action: str) -> list:
    admin = app.back_office(Principal.administrator(office.principal.account_id, "admin"))
    return list(admin.audit_log(action=action).items)


def test_a_dry_run_reports_what_would_be_made_and_stores_nothing(
    app: Application, office: BackOffice, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        [SKU_HEADER, ["B-1", None, "Сидоров", None, "Тверь", "TEA", 12, None]],
    )
    audit_before = len(office_audit(app, office, "registry.import"))

    result = office.import_registry(path, "courier-sku", "ROMASHKA", dry_run=True)

    assert result.dry_run
    assert result.ok
    assert (result.orders, result.import_id) == (1, None)
    assert [(s.sku, s.warehouse, s.requested, s.free, s.missing) for s in result.shortages] == [
        ("TEA", "W1", Decimal(12), Decimal(10), Decimal(2))
    ]
    assert [(span.first_row, span.last_row, span.orders) for span in result.spans] == [(2, 2, 1)]
    assert office.orders("ROMASHKA").items == ()
    assert len(office_audit(app, office, "registry.import")) == audit_before
    assert {row.item.sku: row.free for row in office.pick_list("ROMASHKA", "W1")}["TEA"] == 10


def test_a_shortage_is_allowed_and_reported_by_a_real_run(
    office: BackOffice, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx", [SKU_HEADER, ["B-1", None, "Сидоров", None, "Тверь", "TEA", 12, None]]
    )
    result = office.import_registry(path, "courier-sku", "ROMASHKA")
    assert [(s.sku, s.missing) for s in result.shortages] == [("TEA", Decimal(2))]
    assert {row.item.sku: row.free for row in office.pick_list("ROMASHKA", "W1")}["TEA"] == -2


def test_uploading_the_same_rows_again_creates_nothing_and_names_the_earlier_import(
    office: BackOffice, tmp_path: Path
) -> None:
    path = sku_registry(tmp_path / "r.xlsx")
    first = office.import_registry(path, "courier-sku", "ROMASHKA")

    again = office.import_registry(path, "courier-sku", "ROMASHKA")
    resaved = office.import_registry(
        sku_registry(tmp_path / "copy.xlsx"), "courier-sku", "ROMASHKA"
    )

    assert (again.orders, again.skipped) == (0, 2)
    assert [record.id for record in again.earlier] == [first.import_id]
    assert again.earlier[0].orders_created == 2
    assert (resaved.orders, resaved.skipped) == (0, 2)
    assert len(office.orders("ROMASHKA").items) == 2


def test_all_or_nothing_refuses_the_whole_file_naming_row_column_header_value_and_expectation(
    office: BackOffice, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        [
            SKU_HEADER,
            ["C-1", "01.12.2026", "Иванов", None, "Москва", "TEA", 1, None],
            ["C-2", "31.02.2026", "Петров", None, "Москва", "TEA", "два", None],
        ],
    )
    with pytest.raises(RegistryRejected) as caught:
        office.import_registry(path, "courier-sku", "ROMASHKA")

    problems = caught.value.problems
    assert [(p.code, p.row, p.column, p.header, p.value) for p in problems] == [
        ("cell.not_date", 3, "B", "Дата доставки", "31.02.2026"),
        ("cell.not_decimal", 3, "G", "Количество", "два"),
    ]
    assert problems[0].expected == expect("example", example="31.12.2026 / 31.12.26 / 2026-12-31")
    assert problems[0].message("ru").startswith("Строка 3, колонка B «Дата доставки»: ")
    assert "не дата" in problems[0].message("ru")
    assert problems[0].message("en").startswith("Row 3, column B «Дата доставки»: ")
    assert caught.value.result.rejected == 1
    assert office.orders("ROMASHKA").items == ()
    assert {row.item.sku: row.free for row in office.pick_list("ROMASHKA", "W1")}["TEA"] == 10


def test_the_partial_option_creates_the_valid_orders_and_reports_the_rest(
    office: BackOffice, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        [
            SKU_HEADER,
            ["D-1", None, "Иванов", None, "Москва", "TEA", 1, None],
            ["D-2", None, "Петров", None, "Москва", "NOSUCH", 1, None],
            ["D-3", None, "Сидоров", None, "Москва", "SUGAR", 1, None],
        ],
    )
    result = office.import_registry(path, "courier-sku", "ROMASHKA", partial=True)

    assert (result.orders, result.rejected) == (2, 1)
    assert [(p.code, p.row, p.column, p.value) for p in result.problems] == [
        ("reference.unknown", 3, "F", "NOSUCH")
    ]
    assert [(s.first_row, s.last_row, s.orders) for s in result.spans] == [(2, 2, 1), (4, 4, 1)]
    assert [o.external_number for o in office.orders("ROMASHKA").items] == ["D-1", "D-3"]


def test_a_number_met_again_after_other_orders_is_an_error_naming_both_rows(
    office: BackOffice, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        [
            SKU_HEADER,
            ["E-1", None, "Иванов", None, "Москва", "TEA", 1, None],
            ["E-2", None, "Петров", None, "Москва", "TEA", 1, None],
            ["E-1", None, "Иванов", None, "Москва", "SUGAR", 1, None],
        ],
    )
    result = office.import_registry(path, "courier-sku", "ROMASHKA", dry_run=True)
    assert [(p.code, p.row, p.column, p.value, p.expected) for p in result.problems] == [
        ("registry.number_repeated", 4, "A", "E-1", expect("row", row=2))
    ]


def test_order_fields_that_differ_within_one_order_are_reported_at_the_later_row(
    office: BackOffice, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        [
            SKU_HEADER,
            ["F-1", None, "Иванов", None, "Москва", "TEA", 1, None],
            ["F-1", None, "Петров", None, None, "SUGAR", 1, None],
        ],
    )
    result = office.import_registry(path, "courier-sku", "ROMASHKA", dry_run=True)
    assert [(p.code, p.row, p.column, p.value) for p in result.problems] == [
        ("registry.order_field_differs", 3, "C", "Петров")
    ]
    assert result.problems[0].expected == expect("in_row", value="Иванов", row=2)
    assert (
        result.problems[0]
        .message("ru")
        .endswith("отличается от первой строки заказа: «Иванов» (строка 2)")
    )


def test_columns_are_found_by_title_wherever_they_stand_and_empty_rows_are_skipped(
    office: BackOffice, tmp_path: Path
) -> None:
    header = ["Количество", "  артикул ", "Адрес", "Получатель", "Номер заказа"]
    path = workbook(
        tmp_path / "r.xlsx",
        [
            header,
            [2, "TEA", "Москва", "Иванов", "G-1"],
            [],
            [None] * 5,
            [1, "SUGAR", "Тула", "Петров", 77],
        ],
    )
    result = office.import_registry(path, "courier-sku", "ROMASHKA")
    assert (result.rows_read, result.orders) == (2, 2)
    orders = office.orders("ROMASHKA").items
    assert [(o.external_number, o.address) for o in orders] == [("G-1", "Москва"), ("77", "Тула")]


def test_a_missing_header_title_is_a_typed_error_and_nothing_is_stored(
    office: BackOffice, tmp_path: Path
) -> None:
    path = workbook(tmp_path / "r.xlsx", [["Номер заказа", "Артикул"], ["H-1", "TEA"]])
    with pytest.raises(ValidationError) as caught:
        office.import_registry(path, "courier-sku", "ROMASHKA")
    missing = {(p.code, p.value, p.row) for p in caught.value.problems}
    assert ("registry.header_missing", "Количество", 1) in missing
    assert ("registry.header_missing", "Получатель", 1) in missing
    assert office.orders("ROMASHKA").items == ()


def test_free_cargo_one_order_per_row_reads_every_kind_of_cell(
    office: BackOffice, tmp_path: Path
) -> None:
    header = ["№", "Дата", "Получатель", "Телефон", "Адрес", "Груз", "Мест", "Вес", "Ценность",
              "Наложенный платёж", "Комментарий"]  # fmt: skip
    path = workbook(
        tmp_path / "r.xlsx",
        [
            header,
            [
                1001,
                datetime(2026, 12, 3),  # noqa: DTZ001 - a spreadsheet date is naive
                "ООО Ромашка",
                "+7 912 345 67 89",
                "Казань",
                "Коробка",
                2,
                "1,5",
                1500,
                "1 234,50",
                None,
            ],
            ["1002", 46360, "Иванов", "89123456780", "Казань", None, None, 0.75, None, None, "x"],
        ],
    )
    result = office.import_registry(path, "courier-simple", "ROMASHKA")
    assert result.ok, result.problems
    first, second = office.orders("ROMASHKA").items
    assert first.external_number == "1001"
    assert first.delivery_date == date(2026, 12, 3)
    assert first.cargo == (Cargo("Коробка", 2, Decimal("1.5"), Decimal("1500.00")),)
    assert first.cash_on_delivery == Decimal("1234.50")
    assert first.lines == ()
    assert first.state is OrderState.CONFIRMED
    assert second.delivery_date == date(2026, 12, 4)  # Excel serial 46360
    assert second.cargo == (Cargo("Груз", 1, Decimal("0.75"), None),)  # template defaults
    assert second.phone == "+79123456780"


def test_a_stored_template_from_a_toml_file_maps_columns_by_letter_with_its_own_defaults(
    office: BackOffice, tmp_path: Path
) -> None:
    (tmp_path / "mine.toml").write_text(
        """
name = "mine"
title = "Мой реестр"
confirm = false
[rows]
header_row = 2
first_row = 3
[defaults]
warehouse = "W1"
[[columns]]
field = "external_number"
column = "C"
[[columns]]
field = "sku"
column = "A"
[[columns]]
field = "quantity"
column = "B"
default = 1
""",
        encoding="utf-8",
    )
    office.save_template(load_template(tmp_path / "mine.toml"))
    path = workbook(
        tmp_path / "r.xlsx", [["Реестр от 1 декабря"], ["sku", "qty", "no"], ["TEA", None, "K-1"]]
    )
    result = office.import_registry(path, "mine", "ROMASHKA")
    (order,) = office.orders("ROMASHKA").items
    assert (result.orders, order.state, order.lines[0].quantity) == (1, OrderState.DRAFT, 1)
    assert result.reserved == {}
    assert [t.name for t in office.templates()] == ["courier-simple", "courier-sku", "mine"]


def test_template_files_with_mistakes_name_every_wrong_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "name": "bad",
                "title": "Bad",
                "rows": {"first_row": 0, "sheeet": 1},
                "columns": [{"field": "sku", "column": "A", "header": "SKU"}, {"field": "size"}],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        load_template(path)
    fields = {(p.code, p.field) for p in caught.value.problems}
    assert ("value.invalid", "rows.sheeet") in fields
    with pytest.raises(ValidationError) as again:
        load_template(path.with_name("ok.json"))
    assert again.value.problems[0].field == "ok.json"
    template = RegistryTemplate(
        "bad",
        "Bad",
        [ColumnMapping("sku", column="A", header="SKU"), ColumnMapping("size", column="B")],
        RowSettings(first_row=0),
    )
    found = {(p.code, p.field) for p in template.problems()}
    assert found == {
        ("template.column_or_header", "columns[1]"),
        ("value.invalid", "columns[2].field"),
        ("template.needs_field", "columns"),
        ("value.invalid", "rows.first_row"),
    }


def test_a_client_imports_only_for_itself_and_cannot_reach_another_counterparty(
    app: Application, office: BackOffice, tmp_path: Path
) -> None:
    from custody_core.services import registry

    principal = client(app, office, "ROMASHKA")
    path = workbook(
        tmp_path / "r.xlsx", [SKU_HEADER, ["V-1", None, "Иванов", None, "Москва", "BOOK", 1, None]]
    )
    cabinet = app.cabinet(principal)
    result = cabinet.import_registry(path, "courier-sku", partial=True)
    assert [(p.code, p.value) for p in result.problems] == [("reference.unknown", "BOOK")]
    context = cabinet._ctx
    with pytest.raises(NotFound):
        registry.import_registry(context, path, "courier-sku", "VASILEK")
    assert office.orders("VASILEK").items == ()


def test_a_row_range_outside_the_sheet_is_a_problem_not_a_silent_success(
    office: BackOffice, tmp_path: Path
) -> None:
    path = sku_registry(tmp_path / "r.xlsx")
    result = office.import_registry(
        path, "courier-sku", "ROMASHKA", rows=RowRange(50, 60), dry_run=True
    )
    assert [(p.code, p.value) for p in result.problems] == [("registry.empty", "50:60")]
    with pytest.raises(RegistryRejected):
        office.import_registry(path, "courier-sku", "ROMASHKA", rows=RowRange(50))
    assert office.orders("ROMASHKA").items == ()


def test_progress_is_reported_up_to_the_rows_read(office: BackOffice, tmp_path: Path) -> None:
    rows = [SKU_HEADER] + [
        [f"P-{n}", None, "Иванов", None, "Москва", "TEA", 1, None] for n in range(2500)
    ]
    path = workbook(tmp_path / "r.xlsx", rows)
    seen: list[tuple[int, int | None]] = []
    result = office.import_registry(
        path, "courier-sku", "ROMASHKA", dry_run=True, progress=lambda *p: seen.append(p)
    )
    assert result.ok
    assert result.orders == 2500
    assert [done for done, _ in seen] == [1000, 2000, 2500]
    assert seen[-1][1] == 2500


def test_progress_knows_the_rows_of_a_sheet_written_without_a_dimension(
    office: BackOffice, tmp_path: Path
) -> None:
    # openpyxl's write-only mode writes no <dimension>: the bar showed "1000/?".
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Реестр")
    sheet.append(SKU_HEADER)
    for n in range(2500):
        sheet.append([f"P-{n}", None, "Иванов", None, "Москва", "TEA", 1, None])
    book.save(tmp_path / "r.xlsx")
    seen: list[tuple[int, int | None]] = []
    office.import_registry(
        tmp_path / "r.xlsx",
        "courier-sku",
        "ROMASHKA",
        dry_run=True,
        progress=lambda *p: seen.append(p),
    )
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_progress_knows_the_rows_of_a_csv_file(office: BackOffice, tmp_path: Path) -> None:
    # A CSV file has no dimension at all: the bar showed "1000/?".
    lines = [SKU_HEADER] + [
        [f"P-{n}", "", "Иванов", "", "Москва", "TEA", 1, ""] for n in range(2500)
    ]
    path = tmp_path / "r.csv"
    path.write_text("".join(";".join(map(str, line)) + "\n" for line in lines), encoding="utf-8")
    seen: list[tuple[int, int | None]] = []
    result = office.import_registry(
        path, "courier-sku", "ROMASHKA", dry_run=True, progress=lambda *p: seen.append(p)
    )
    assert result.orders == 2500
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_a_template_reserves_stock_when_its_lines_are_skus_and_its_orders_are_confirmed() -> None:
    by_sku = RegistryTemplate(
        "by-sku",
        "SKU",
        [ColumnMapping("external_number", column="A"), ColumnMapping("sku", column="B")],
    )
    by_default = RegistryTemplate(
        "by-default", "SKU", [ColumnMapping("external_number", column="A")], defaults={"sku": "TEA"}
    )
    free_cargo = RegistryTemplate(
        "free", "Cargo",
        [ColumnMapping("external_number", column="A"), ColumnMapping("description", column="B")],
    )  # fmt: skip
    assert by_sku.reserves_stock
    assert by_default.reserves_stock
    assert not free_cargo.reserves_stock
    assert not evolve(by_sku, confirm=False).reserves_stock


def test_a_template_is_bounded_and_keeps_its_counterparty_as_data() -> None:
    mine = RegistryTemplate(
        "mine",
        "Mine",
        [ColumnMapping("external_number", column="A"), ColumnMapping("sku", column="B")],
    )
    owned = evolve(mine, counterparty="ROMASHKA")
    assert template_from_data(json.loads(json.dumps(template_to_data(owned)))) == owned
    assert "counterparty" not in template_to_data(mine)
    crowded = evolve(mine, columns=[ColumnMapping("sku", column="A")] * 1000)
    assert [(p.field, p.value) for p in crowded.problems()] == [("columns", 1000)]
    many_formats = ColumnMapping("delivery_date", column="C", formats=["%d.%m.%Y"] * 11)
    [problem] = evolve(mine, columns=[*mine.columns, many_formats]).problems()
    assert (problem.field, problem.value) == ("columns[3].formats", 11)


# --- how much of a hostile file a problem echoes ----------------------------------------


def test_a_problem_echoes_at_most_a_hundred_characters_of_a_cell(
    office: BackOffice, tmp_path: Path
) -> None:
    huge = "Ю" * 1_000_000
    path = workbook(
        tmp_path / "r.xlsx",
        [
            SKU_HEADER,
            ["J-1", huge, "Иванов", None, huge, "TEA", 1, None],
            ["J-1", None, "Петров", None, None, "SUGAR", 1, None],
        ],
    )
    result = office.import_registry(path, "courier-sku", "ROMASHKA", dry_run=True)

    by_code = {p.code: p for p in result.problems}
    # The address too long is a fault of its own, reported with the date's.
    assert set(by_code) == {"cell.not_date", "text.too_long", "registry.order_field_differs"}
    assert by_code["cell.not_date"].value == "Ю" * 99 + "…"
    differs = by_code["registry.order_field_differs"]
    assert differs.value == "Петров"
    assert differs.expected == expect("in_row", value="Иванов", row=2)
    for problem in result.problems:
        for locale in ("en", "ru"):
            assert len(problem.message(locale)) < 400


def test_an_echoed_header_and_value_are_cut_with_an_ellipsis() -> None:
    problem = Problem("cell.not_date", "delivery_date", "x" * 101, header="Д" * 5000, row=7)
    assert problem.value == "x" * 99 + "…"
    assert problem.header == "Д" * 99 + "…"
    assert Problem("cell.not_date", "delivery_date", "x" * 100).value == "x" * 100
    assert Problem("cell.not_integer", "places", 10**200).value == 10**200


def test_the_problem_cap_bounds_the_result_the_error_and_the_rows_of_one_order(
    office: BackOffice, tmp_path: Path
) -> None:
    """One order of 5,000 rows, each with five problems (a date that is none, a recipient
    and an address other than the first row's, no SKU, no quantity; that the row has no
    cargo follows from its missing SKU, and is not said again), then
    an order with a bad quantity: ten problems kept, the rest counted, and the run never
    holds many more than that (an order's row problems were all kept until its end)."""
    rows: list[list[object]] = [SKU_HEADER, ["K-1", None, "Иванов", None, "Москва", "TEA", 1, None]]
    rows += [
        ["K-1", "31.02.2026", f"Петров {n}", None, f"Тула {n}", None, None, None]
        for n in range(5_000)
    ]
    rows.append(["K-2", None, "Петров", None, "Москва", "TEA", "два", None])
    path = workbook(tmp_path / "r.xlsx", rows)

    tracemalloc.start()
    try:
        result = office.import_registry(
            path, "courier-sku", "ROMASHKA", dry_run=True, max_problems=10
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(result.problems) == 10
    assert result.problems_omitted == 5 * 5_000 + 1 - 10
    assert result.rejected == 2
    assert peak < 3 * 1024 * 1024

    with pytest.raises(RegistryRejected) as caught:
        office.import_registry(path, "courier-sku", "ROMASHKA", max_problems=10)
    error = caught.value
    assert len(error.problems) == 10
    assert str(error).endswith("; 24991 more problems, not listed")
    assert error.message("ru").endswith("; и ещё 24991 замечание (здесь не перечислены)")
    assert office.orders("ROMASHKA").items == ()


@pytest.mark.parametrize(
    ("wrong", "code"),
    [
        (0, "value.invalid"),
        (-1, "value.invalid"),
        (True, "value.wrong_type"),
        (2.5, "value.wrong_type"),
        ("10", "value.wrong_type"),
    ],
)
def test_the_problem_cap_is_a_whole_number_from_one(
    office: BackOffice, tmp_path: Path, wrong: object, code: str
) -> None:
    path = sku_registry(tmp_path / "r.xlsx")
    with pytest.raises(ValidationError) as caught:
        office.import_registry(path, "courier-sku", "ROMASHKA", max_problems=wrong)  # type: ignore[arg-type]
    assert [(p.code, p.field) for p in caught.value.problems] == [(code, "max_problems")]


# --- every fault at once, each said once and for people ---------------------------------

EVERY_FIELD = RegistryTemplate(
    "every-field",
    "Every field",
    [
        ColumnMapping("external_number", column="A", required=True),
        ColumnMapping("delivery_date", column="B"),
        ColumnMapping("phone", column="C"),
        ColumnMapping("sku", column="D"),
        ColumnMapping("quantity", column="E"),
        ColumnMapping("weight", column="F"),
        ColumnMapping("declared_value", column="G"),
        ColumnMapping("recipient", column="H"),
    ],
    RowSettings(header_row=None, first_row=1),
)


def test_a_row_with_every_kind_of_fault_reports_each_of_them_once(
    office: BackOffice, tmp_path: Path
) -> None:
    """A bad date, phone, weight and value, an unknown SKU and a negative quantity in one
    row: six problems. The order's next row gives a date: its first row's date was already
    a problem, so that the two differ is not said again."""
    path = workbook(
        tmp_path / "r.xlsx",
        [
            ["Z-1", "31.02.2026", "12", "NOPE", -1, "тяжёлый", "дорого", "Иванов"],
            ["Z-1", "01.12.2026", None, "TEA", 1, None, None, "Иванов"],
        ],
    )
    result = office.import_registry(path, EVERY_FIELD, "ROMASHKA", dry_run=True)

    assert sorted((p.code, p.row, p.column, p.value) for p in result.problems) == sorted(
        [
            ("cell.not_date", 1, "B", "31.02.2026"),
            ("phone.invalid", 1, "C", "12"),
            ("reference.unknown", 1, "D", "NOPE"),
            ("quantity.not_positive", 1, "E", "-1"),
            ("cell.not_decimal", 1, "F", "тяжёлый"),
            ("cell.not_decimal", 1, "G", "дорого"),
        ]
    )
    assert result.rejected == 1


def test_a_later_row_filling_a_field_the_first_row_left_empty_names_the_first_row(
    office: BackOffice, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        [
            ["Y-1", "01.12.2026", None, "TEA", 1, None, None, "Иванов"],
            ["Y-1", "02.12.2026", "+7 912 345-67-89", "SUGAR", 1, None, None, "Иванов"],
        ],
    )
    result = office.import_registry(path, EVERY_FIELD, "ROMASHKA", dry_run=True)

    by_column = {p.column: p for p in result.problems}
    assert sorted(by_column) == ["B", "C"]
    differs, unset = by_column["B"], by_column["C"]
    assert (differs.code, differs.row, differs.value) == (
        "registry.order_field_differs", 2, date(2026, 12, 2)
    )  # fmt: skip
    assert (unset.code, unset.row, unset.value) == (
        "registry.order_field_unset",
        2,
        "+7 912 345-67-89",
    )
    assert unset.message("ru") == (
        "Строка 2, колонка C: телефон: указано «+7 912 345-67-89», а в первой строке заказа "
        "(строка 1) поле пустое; поля заказа берутся из его первой строки"
    )
    for locale in ("ru", "en"):
        for problem in result.problems:
            assert "None" not in problem.message(locale)
            assert "datetime" not in problem.message(locale)
    # dates in a Russian message are written day.month.year, in the value and the first row's
    assert differs.message("ru").endswith(": «02.12.2026» отличается от первой строки заказа: "
                                          "«01.12.2026» (строка 1)")  # fmt: skip
    assert differs.message("en").endswith("first row: 2026-12-01 (row 1)")
    assert "'2026-12-02'" in differs.message("en")


def test_without_a_warehouse_column_or_default_several_warehouses_are_one_problem(
    app: Application, office: BackOffice, tmp_path: Path
) -> None:
    office.add_warehouse("W2", "Second")
    path = sku_registry(tmp_path / "r.xlsx")

    with pytest.raises(ValidationError) as caught:
        office.import_registry(path, "courier-sku", "ROMASHKA", dry_run=True)

    assert [(p.code, p.field, p.row) for p in caught.value.problems] == [
        ("registry.warehouse_required", "warehouse", None)
    ]
    assert caught.value.message("en") == (
        "warehouse: a warehouse is required: add a warehouse column or a template default"
    )
    assert caught.value.message("ru").startswith("склад: нужен склад")
    with pytest.raises(ValidationError):
        office.import_registry(path, "courier-sku", "ROMASHKA")
    assert office.orders("ROMASHKA").items == ()
    chosen = office.import_registry(path, "courier-sku", "ROMASHKA", warehouse="W1")
    assert chosen.orders == 2


def test_a_warehouse_column_left_empty_with_several_warehouses_is_required_at_its_row(
    office: BackOffice, tmp_path: Path
) -> None:
    office.add_warehouse("W2", "Second")
    template = evolve(
        EVERY_FIELD, columns=[*EVERY_FIELD.columns, ColumnMapping("warehouse", column="I")]
    )
    path = workbook(
        tmp_path / "r.xlsx",
        [
            ["X-1", None, None, "TEA", 1, None, None, "Иванов", "W2"],
            ["X-2", None, None, "TEA", 1, None, None, "Петров", None],
        ],
    )
    result = office.import_registry(path, template, "ROMASHKA", dry_run=True)

    assert [(p.code, p.row, p.column) for p in result.problems] == [("registry.required", 2, "I")]
    assert (result.orders, result.rejected) == (1, 1)


def test_a_row_without_an_order_number_is_rejected_and_counted_in_the_summary(
    office: BackOffice, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        [
            SKU_HEADER,
            ["W-1", None, "Иванов", None, "Москва", "TEA", 1, None],
            [None, None, "Петров", None, "Тула", "TEA", 1, None],
            ["W-2", None, "Сидоров", None, "Тверь", "SUGAR", 1, None],
        ],
    )
    heard: list[OrderOutcome] = []
    result = office.import_registry(
        path, "courier-sku", "ROMASHKA", partial=True, on_order=heard.append
    )

    assert (result.rows_read, result.orders, result.rejected) == (3, 2, 1)
    assert [(p.code, p.row, p.column) for p in result.problems] == [("registry.required", 3, "A")]
    assert [(o.kind, o.external_number, o.first_row) for o in heard] == [
        (OutcomeKind.CREATED, "W-1", 2),
        (OutcomeKind.REJECTED, "", 3),
        (OutcomeKind.CREATED, "W-2", 4),
    ]
    assert [(s.first_row, s.last_row) for s in result.spans] == [(2, 2), (4, 4)]
    with pytest.raises(RegistryRejected) as caught:
        office.import_registry(path, "courier-sku", "VASILEK")
    assert caught.value.result.rejected == 3  # the row, and two orders of unknown SKUs


def test_uploading_changed_rows_of_a_loaded_order_says_what_differs_and_keeps_the_order(
    office: BackOffice, tmp_path: Path
) -> None:
    first = office.import_registry(sku_registry(tmp_path / "r.xlsx"), "courier-sku", "ROMASHKA")
    stored = office.orders("ROMASHKA").items
    changed = workbook(
        tmp_path / "changed.xlsx",
        [
            SKU_HEADER,
            # another recipient and address; its phone written otherwise is the same.
            ["A-1", "01.12.2026", "Сидоров", "+7 912 345 67 89", "Тверь", "TEA", 3, ""],
            ["A-1", None, None, None, None, "SUGAR", "2", None],
            # one more TEA.
            ["A-2", "02.12.2026", "Петров", None, "Москва, Мира 5", "TEA", 5, "Домофон 12"],
            ["A-3", None, "Новиков", None, "Тула", "TEA", 1, None],
        ],
    )
    for dry_run in (True, False):
        again = office.import_registry(changed, "courier-sku", "ROMASHKA", dry_run=dry_run)

        assert (again.orders, again.skipped, again.rejected) == (1, 2, 0)
        assert again.ok
        assert [(n.code, n.row, n.column, n.value, n.expected) for n in again.notices] == [
            (
                "registry.order_changed",
                2,
                "A",
                "A-1",
                expect("fields", fields=("recipient", "address")),
            ),
            ("registry.order_changed", 4, "A", "A-2", expect("fields", fields=("lines",))),
        ]
    assert again.notices[0].message("ru") == (
        "Строка 2, колонка A «Номер заказа»: номер клиента: заказ «A-1» уже загружен, а его "
        "строки отличаются от сохранённого заказа: получатель, адрес; сохранённый заказ "
        "не изменён"
    )
    after = office.orders("ROMASHKA").items
    assert after[:2] == stored
    assert [o.external_number for o in after] == ["A-1", "A-2", "A-3"]
    assert first.notices == ()
    unchanged = office.import_registry(
        sku_registry(tmp_path / "same.xlsx"), "courier-sku", "ROMASHKA"
    )
    assert (unchanged.skipped, unchanged.notices) == (2, ())
