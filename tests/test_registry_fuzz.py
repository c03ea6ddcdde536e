"""Hostile registries: whatever the file holds, the importer raises only its own typed errors,
and a refused import leaves storage exactly as it was.

Hypothesis generates workbooks of arbitrary cells in the `courier-sku` layout and byte
mutations of one valid registry; both readers that read `.xlsx` are tried.
"""

from __future__ import annotations

import contextlib
import io
import random
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import custody_core
from custody_core import LineDraft, Principal, ReceiptDraft
from custody_core.domain.errors import CustodyError, SpreadsheetError
from custody_core.ports.spreadsheets import ReadLimits
from custody_core.services import contacts
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice
from custody_core.services.seen_numbers import SeenNumbers
from custody_core.testing.clock import ManualClock

HEADER = ["Номер заказа", "Получатель", "Адрес", "Артикул", "Количество", "Дата доставки"]
READERS = ["openpyxl", "calamine"]


@contextlib.contextmanager
def new_world() -> Iterator[tuple[Application, BackOffice]]:
    """A memory backend with one counterparty holding TEA (5) and SUGAR (none)."""
    clock = ManualClock(datetime.fromisoformat("2026-11-20T09:00:00+00:00"))
    with custody_core.open("memory://", clock=clock, entry_points=False) as app:
        account = app.create_account("acme", "ACME")
        office = app.back_office(Principal.manager(account.id, "manager"))
        office.add_warehouse("W1", "Main")
        office.add_counterparty("ROMASHKA", "Romashka")
        office.add_contract("ROMASHKA", "C-1", main=True)
        office.add_item("ROMASHKA", "TEA", "Tea")
        office.add_item("ROMASHKA", "SUGAR", "Sugar")
        receipt = ReceiptDraft("R-1", date(2026, 11, 2), "ROMASHKA", "W1", [LineDraft("TEA", 5)])
        office.post_receipt(receipt)
        yield app, office


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Application, BackOffice]]:
    """Shared by the generated cases: each one checks only that a refusal changed nothing."""
    with new_world() as made:
        yield made


def state(app: Application, office: BackOffice) -> tuple[object, ...]:
    """Everything an import could change: orders, balances, import records."""
    with app.storage.unit_of_work() as uow:
        counterparty = uow.counterparties.by_code(office.principal.account_id, "ROMASHKA")
        assert counterparty is not None
        balances = uow.ledger.counterparty_balances(office.principal.account_id, counterparty.id)
        records = uow.imports.with_hash(office.principal.account_id, counterparty.id, "x")
    return (tuple(office.orders("ROMASHKA").items), tuple(balances), tuple(records))


def import_refusing_typed(app: Application, office: BackOffice, path: Path, reader: str) -> None:
    """Import all or nothing; any error must be ours, and an error must change nothing."""
    before = state(app, office)
    try:
        office.import_registry(
            path,
            "courier-sku",
            "ROMASHKA",
            reader=reader,
            limits=ReadLimits(max_unpacked_bytes=5_000_000, max_loaded_bytes=5_000_000),
        )
    except CustodyError:
        assert state(app, office) == before
    except Exception as error:  # pragma: no cover - the failure this test exists to catch
        pytest.fail(f"{reader} raised {type(error).__name__}: {error}")


cells = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.sampled_from(["TEA", "A-1", "=1/0", "=SUM(A1:A2)", "#N/A", " TEA ", "1,5", "01.12.2026"]),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=8), max_size=12)


def _clean(value: object) -> object:
    """openpyxl refuses control characters in text; keep the rest of the string."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isprintable() or ch == " ")
    return value


def _saved(path: Path, body: list[list[object]], header: bool) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if header:
        sheet.append(HEADER)
    for row in body:
        sheet.append([_clean(value) for value in row])
    book.save(path)
    return path


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=rows, header=st.booleans(), reader=st.sampled_from(READERS))
def test_generated_workbooks_meet_only_typed_errors(
    world: tuple[Application, BackOffice],
    tmp_path_factory: pytest.TempPathFactory,
    body: list[list[object]],
    header: bool,
    reader: str,
) -> None:
    app, office = world
    path = _saved(tmp_path_factory.mktemp("gen") / "r.xlsx", body, header)
    import_refusing_typed(app, office, path, reader)


def _valid_registry() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["M-1", "Иванов", "Москва", "TEA", 1, date(2026, 12, 1)])
    sheet.append(["M-1", None, None, "SUGAR", 1, None])
    sheet.append(["M-2", "Петров", "Тула", "TEA", Decimal("2"), "02.12.2026"])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


VALID = _valid_registry()


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    """The valid registry with a few bytes flipped, inserted or cut."""
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "insert", "cut"]))
        byte = draw(st.integers(0, 255))
        if kind == "flip":
            data[where] ^= byte or 1
        elif kind == "insert":
            data.insert(where, byte)
        else:
            del data[where : where + draw(st.integers(1, 64))]
    return bytes(data)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=mutations(), reader=st.sampled_from(READERS))
def test_mutated_bytes_of_a_valid_registry_meet_only_typed_errors(
    world: tuple[Application, BackOffice],
    tmp_path_factory: pytest.TempPathFactory,
    content: bytes,
    reader: str,
) -> None:
    app, office = world
    path = tmp_path_factory.mktemp("mut") / "r.xlsx"
    path.write_bytes(content)
    import_refusing_typed(app, office, path, reader)


def test_the_valid_registry_itself_imports(tmp_path: Path) -> None:
    path = tmp_path / "ok.xlsx"
    path.write_bytes(VALID)
    with new_world() as (_, office):
        result = office.import_registry(path, "courier-sku", "ROMASHKA", dry_run=True)
    assert (result.orders, result.lines, result.problems) == (2, 3, ())


@pytest.mark.parametrize("reader", READERS)
def test_a_zip_bomb_and_a_non_workbook_are_refused_before_any_order(
    world: tuple[Application, BackOffice], tmp_path: Path, reader: str
) -> None:
    app, office = world
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 20_000_000)
    not_zip = tmp_path / "text.xlsx"
    not_zip.write_text("Номер заказа;Артикул\n", encoding="utf-8")
    before = state(app, office)
    codes = []
    for path in (bomb, not_zip):
        with pytest.raises(SpreadsheetError) as caught:
            office.import_registry(
                path,
                "courier-sku",
                "ROMASHKA",
                reader=reader,
                limits=ReadLimits(max_unpacked_bytes=10_000_000),
            )
        codes.append(caught.value.code)
    assert codes == ["file.unpacked_too_large", "file.not_a_workbook"]
    assert state(app, office) == before


def test_the_usual_russian_phone_forms_read_as_the_general_parser_reads_them() -> None:
    digits = st.text("0123456789", min_size=9, max_size=12)
    prefix = st.sampled_from(["", "+7", "8", "7", "+7 ", "8 ("])
    separators = st.sampled_from(["", " ", "-", ") "])

    @given(prefix, digits, separators)
    @settings(max_examples=300)
    def agree(start: str, number: str, gap: str) -> None:
        typed = f"{start}{number[:3]}{gap}{number[3:6]}-{number[6:]}"
        assert contacts.normal_phone(typed) == contacts._parsed_phone(typed)

    agree()


@given(st.integers(3_000_000_000, 9_999_999_999))
@settings(max_examples=2000)
def test_ten_digit_numbers_after_plus_seven_are_valid_as_phonenumbers_judges_them(
    national: int,
) -> None:
    number = phonenumbers.PhoneNumber(country_code=7, national_number=national)
    assert contacts._valid_national(str(national)) == phonenumbers.is_valid_number(number)


def test_every_three_digit_prefix_after_plus_seven_is_judged_as_phonenumbers_judges_it() -> None:
    """Validity turns on the leading digits (region and area codes): each prefix, twice."""
    rng = random.Random(7)
    for prefix in range(300, 1000):
        for _ in range(2):
            national = f"{prefix}{rng.randrange(10**7):07d}"
            number = phonenumbers.PhoneNumber(country_code=7, national_number=int(national))
            assert contacts._valid_national(national) == phonenumbers.is_valid_number(number)


@given(st.lists(st.tuples(st.text(max_size=8), st.integers(1, 1_048_576)), max_size=3000))
def test_seen_numbers_remember_each_first_row_like_a_dict(
    entries: list[tuple[str, int]],
) -> None:
    seen, reference = SeenNumbers(), {}
    for number, row in entries:
        assert seen.remember(number, row) == reference.get(number)
        reference.setdefault(number, row)
    assert len(seen) == len(reference)
    assert all(seen.remember(number, 0) == row for number, row in reference.items())
