"""`custody registry templates` and `custody registry import`, run in-process on a demo database.

The demo (src/custody_core/demo.py) has orders №1-№5 and 40 TEA-001 free for ROMASHKA
at its only warehouse MSK-1, so the first imported order is №6.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from rich.progress import Progress, TaskID

from custody_core.cli import main

HEADER = ["Номер заказа", "Получатель", "Адрес", "Артикул", "Количество"]


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CUSTODY_DB", "CUSTODY_ACCOUNT", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--lang", "en", "demo", str(tmp_path / "demo")]) == 0
    return tmp_path / "demo" / "custody.sqlite"


def registry(path: Path, *rows: list[object]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (HEADER, *rows):
        sheet.append(row)
    book.save(path)
    return path


def custody(
    capsys: pytest.CaptureFixture[str], database: Path, *argv: str, lang: str = "en"
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--lang", lang, "--db", str(database), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_templates_lists_the_built_in_ones(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = custody(capsys, demo_db, "registry", "templates", "--json")
    assert (code, err) == (0, "")
    assert [t["name"] for t in json.loads(out)] == ["courier-simple", "courier-sku"]
    code, out, _ = custody(capsys, demo_db, "registry", "templates", lang="ru")
    assert code == 0
    assert "Реестр заказов со склада" in out


def test_a_dry_run_then_the_real_import_then_a_repeat(
    demo_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = registry(
        tmp_path / "r.xlsx",
        ["A-1", "Иванов", "Москва", "TEA-001", 2],
        ["A-1", None, None, "COF-002", 1],
        ["A-2", "Петров", "Тула", "TEA-001", 3],
    )
    load = ["registry", "import", str(path), "--template", "courier-sku"]
    load += ["--counterparty", "ROMASHKA"]

    code, out, err = custody(capsys, demo_db, *load, "--dry-run", lang="ru")
    assert (code, err) == (0, "")
    assert "Будет создан заказ на доставку (№ клиента A-1, строки 2–3)" in out
    assert "Пробный прогон, ничего не сохранено. Прочитано строк: 3;" in out

    code, out, err = custody(capsys, demo_db, *load, lang="ru")
    assert (code, err) == (0, "")
    assert "Создан заказ на доставку №6 от " in out
    assert "(№ клиента A-2, строка 4)" in out
    assert "создано заказов: 2" in out

    code, out, err = custody(capsys, demo_db, *load, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["orders"], data["skipped"]) == (0, 2)
    assert [o["number"] for o in data["orders_made"]] == [6, 7]
    assert data["earlier"][0]["orders_created"] == 2

    code, out, _ = custody(capsys, demo_db, "order", "show", "7", "--json")
    assert json.loads(out)["external_number"] == "A-2"


MOSCOW = timezone(timedelta(hours=3))  # the demo account's zone keeps UTC+3 all year


def test_the_registry_screen_tells_dates_and_times_on_the_accounts_clock(
    demo_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = registry(tmp_path / "r.xlsx", ["C-1", "Иванов", "Москва", "TEA-001", 1])
    load = ["registry", "import", str(path), "--template", "courier-sku"]
    load += ["--counterparty", "ROMASHKA"]
    code, out, _ = custody(capsys, demo_db, *load, lang="ru")
    assert code == 0
    _, shown, _ = custody(capsys, demo_db, "order", "show", "6", "--json")
    created = datetime.fromisoformat(json.loads(shown)["created_at"]).astimezone(MOSCOW)
    assert f"Создан заказ на доставку №6 от {created:%d.%m.%Y} (№ клиента C-1" in out

    code, out, _ = custody(capsys, demo_db, *load, "--json")
    imported = datetime.fromisoformat(json.loads(out)["earlier"][0]["imported_at"])
    assert imported.utcoffset() == timedelta(0)  # instants stay UTC in --json
    code, out, _ = custody(capsys, demo_db, *load, lang="ru")
    local = imported.astimezone(MOSCOW)
    assert f"Этот файл уже загружался: {local:%d.%m.%Y %H:%M} (МСК), cli, 1 заказ" in out
    code, out, _ = custody(capsys, demo_db, *load)
    assert f"This file was loaded before: {local:%Y-%m-%d %H:%M} MSK by cli, 1 order" in out

    code, out, _ = custody(capsys, demo_db, "order", "show", "6", lang="ru")
    assert f"{created:%d.%m.%Y %H:%M} (МСК)" in out


def test_a_bad_row_refuses_the_file_and_names_the_cell(
    demo_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = registry(
        tmp_path / "r.xlsx",
        ["B-1", "Иванов", "Москва", "TEA-001", 1],
        ["B-2", "Петров", "Тула", "TEA-001", "много"],
    )
    load = ["registry", "import", str(path), "--template", "courier-sku"]
    load += ["--counterparty", "ROMASHKA"]

    code, out, err = custody(capsys, demo_db, *load, lang="ru")

    assert code == 1
    assert "Строка 3, колонка E «Количество»: количество: «много» не число" in err
    assert "Traceback" not in err
    # The refused run's summary is on stdout, as a run that stored its orders has it.
    assert "Заказ B-1 без ошибок, но не создан: реестр отклонён (строка 2)" in out
    assert "Заказ B-2 не создан (строка 3)" in out
    assert (
        "Реестр отклонён, ничего не сохранено. Прочитано строк: 2; заказов без ошибок: 1; "
        "уже загружено: 0; с ошибками: 1; замечаний: 1"
    ) in out
    code, out, err = custody(capsys, demo_db, *load, "--json")
    data = json.loads(out)
    assert (code, data["refused"], data["orders"], data["rejected"]) == (1, True, 1, 1)
    assert [o["kind"] for o in data["orders_made"]] == ["planned", "rejected"]
    assert "'много'" in err
    code, out, _ = custody(capsys, demo_db, "order", "list", "--json")
    assert [order["number"] for order in json.loads(out)["items"]] == [1, 2, 3, 4, 5]

    code, out, err = custody(capsys, demo_db, *load, "--partial", "--rows", "2:2")
    assert (code, err) == (0, "")
    assert "Created delivery order №6" in out


def test_an_unreadable_file_is_one_line_of_error(
    demo_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"this is not a workbook")
    code, _, err = custody(
        capsys, demo_db, "registry", "import", str(path), "--template", "courier-sku",
        "--counterparty", "ROMASHKA",
    )  # fmt: skip
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "r.xlsx" in err
    assert "Traceback" not in err


def test_over_a_thousand_problems_are_listed_to_the_cap_then_counted(
    demo_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """1,100 orders with a bad quantity: the import keeps 1,000 problems (its default cap),
    the command lists them and says how many more there were, refused or partial."""
    rows = [[f"C-{n}", "Иванов", "Москва", "TEA-001", "много"] for n in range(1_100)]
    path = registry(tmp_path / "r.xlsx", *rows)
    load = ["registry", "import", str(path), "--template", "courier-sku"]
    load += ["--counterparty", "ROMASHKA"]

    for extra in ((), ("--partial",)):
        code, _, err = custody(capsys, demo_db, *load, *extra, lang="ru")
        lines = err.strip().splitlines()
        assert code == 1
        assert len(lines) == 1_001
        assert lines[-1] == "custody: и ещё 100 замечаний (здесь не перечислены)"


def test_the_progress_bar_knows_the_rows_of_a_file_written_without_a_dimension(
    demo_db: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # openpyxl's write-only mode writes no <dimension>; the bar showed "1000/?".
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Реестр")
    sheet.append(HEADER)
    for n in range(1500):
        sheet.append([f"A-{n}", "Иванов", "Москва", "TEA-001", 1])
    book.save(tmp_path / "r.xlsx")
    shown: list[tuple[object, object]] = []
    update = Progress.update

    def record(bar: Progress, task: TaskID, **fields: Any) -> None:
        shown.append((fields.get("completed"), fields.get("total")))
        update(bar, task, **fields)

    monkeypatch.setattr(Progress, "update", record)
    load = ["registry", "import", str(tmp_path / "r.xlsx"), "--template", "courier-sku"]
    custody(capsys, demo_db, *load, "--counterparty", "ROMASHKA", "--dry-run")
    assert shown == [(1000, 1500), (1500, 1500)]


def test_a_row_without_an_order_number_is_listed_and_counted(
    demo_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = registry(tmp_path / "r.xlsx", [None, "Иванов", "Москва", "TEA-001", 1])
    code, out, err = custody(
        capsys, demo_db, "registry", "import", str(path), "--template", "courier-sku",
        "--counterparty", "ROMASHKA", "--dry-run", lang="ru",
    )  # fmt: skip
    assert code == 1
    assert "Строка без номера заказа: заказ не создан (строка 2)" in out
    assert "с ошибками: 1; замечаний: 1" in out
    assert "Строка 2, колонка A «Номер заказа»: номер клиента: нужно значение" in err


def test_a_loaded_order_whose_rows_changed_is_named_with_what_differs(
    demo_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    load = ["registry", "import", "--template", "courier-sku", "--counterparty", "ROMASHKA"]
    first = registry(tmp_path / "r.xlsx", ["D-1", "Иванов", "Москва", "TEA-001", 1])
    assert custody(capsys, demo_db, *load[:2], str(first), *load[2:])[0] == 0
    changed = registry(tmp_path / "r2.xlsx", ["D-1", "Иванов", "Тула", "TEA-001", 2])

    code, out, err = custody(capsys, demo_db, *load[:2], str(changed), *load[2:], lang="ru")

    assert (code, err) == (0, "")
    assert "Заказ D-1 уже загружен как №6 (строка 2)" in out
    assert (
        "номер клиента: заказ «D-1» уже загружен, а его строки отличаются от сохранённого "
        "заказа: адрес, строки; сохранённый заказ не изменён"
    ) in out
    code, out, _ = custody(capsys, demo_db, *load[:2], str(changed), *load[2:], "--json")
    # for programs: the catalogue's key, the fields by their names, the English text
    assert [n["expected"] for n in json.loads(out)["notices"]] == [
        {"key": "fields", "values": {"fields": ["address", "lines"]}, "text": "address, lines"}
    ]
