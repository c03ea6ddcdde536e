"""`custody print`, `custody requisites set` and `custody tariff set`, run in-process on a
demo database.

The demo (src/custody_core/demo.py) received on receipt ПН-0001, ten days ago, 120
TEA-001 at 250.00, 40 COF-002 at 480.00 and 55.5 kg SUG-003 at 95.50, and delivered
order №1 (30 TEA-001 and 10 COF-002, zone МКАД) today as shipment №1. Its default
tariff: storage 0.80 a unit and day, delivery 350.00 an order, 15.00 a kg, 100.00 in
the МКАД zone, packing 50.00; VAT 20 % on top.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from custody_core.cli import main


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CUSTODY_DB", "CUSTODY_ACCOUNT", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--lang", "en", "demo", str(tmp_path / "demo")]) == 0
    return tmp_path / "demo"


def custody(
    capsys: pytest.CaptureFixture[str], database: Path, *argv: str, lang: str = "en"
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--lang", lang, "--db", str(database / "custody.sqlite"), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def cell_texts(path: Path) -> list[str]:
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    return [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]


def cell_numbers(path: Path) -> set[Decimal]:
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    return {
        Decimal(str(cell.value)).quantize(Decimal("0.01"))
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, int | float | Decimal) and not isinstance(cell.value, bool)
    }


def test_the_demo_writes_one_of_each_form(demo: Path) -> None:
    names = sorted(path.name for path in demo.glob("*.xlsx"))
    year = names[0].split("-")[1]

    assert names == [f"{kind}-{year}-1.xlsx" for kind in ("act", "invoice", "mx1", "mx3")]
    # MX-1: 30000.00 + 19200.00 + 5300.25 = 54500.25.
    assert Decimal("54500.25") in cell_numbers(demo / f"mx1-{year}-1.xlsx")
    # Invoice: 350.00 + 100.00 + 50.00 = 500.00, VAT 100.00, due 600.00.
    assert {Decimal("500.00"), Decimal("100.00"), Decimal("600.00")} <= cell_numbers(
        demo / f"invoice-{year}-1.xlsx"
    )
    assert "Шестьсот рублей 00 копеек" in " ".join(cell_texts(demo / f"invoice-{year}-1.xlsx"))


def test_print_writes_the_form_and_reprints_keep_the_number(
    demo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "mx3.html"

    code, out, err = custody(
        capsys, demo, "print", "mx3", "1", "--format", "html", "-o", str(target), "--json"
    )

    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["kind"], data["number"], data["file"]) == ("mx3", 1, str(target))
    assert data["media_type"].startswith("text/html")
    text = target.read_text("utf-8")
    # 40 units kept 11 days (ten days ago to today, both counted) at 0.80: 352,00.
    assert "352,00" in text
    code, out, _ = custody(capsys, demo, "print", "mx3", "1", "-o", str(tmp_path / "again.xlsx"))
    assert code == 0
    assert "№ 1" in out


def test_an_act_for_shipments_and_an_mx1_by_receipt(
    demo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = custody(
        capsys, demo, "print", "mx1", "ПН-0001", "--counterparty", "ROMASHKA",
        "-o", str(tmp_path / "m.xlsx"), "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["kind"] == "mx1"
    code, out, err = custody(capsys, demo, "print", "act", "1", "1", "-o", str(tmp_path / "a.xlsx"))
    assert (code, err) == (0, "")
    assert "Акт об оказании услуг" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mx3", "1", "2"], "this form is printed for one document; 2 numbers given"),
        (["act", "x"], "'x' is not a shipment number"),
        (["mx3", "99"], "shipment 99 not found"),
        (["mx1", "ПН-0001"], "counterparty must not be blank"),
        (["invoice", "1", "--format", "docx"], "No renderer for format 'docx'"),
    ],
)
def test_print_refuses_with_one_clear_line(
    demo: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = custody(capsys, demo, "print", *argv)

    assert code == 1
    assert out == ""
    assert message in err


def test_requisites_and_tariff_files_are_loaded_and_checked(
    demo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tariff = tmp_path / "tariff.toml"
    tariff.write_text(
        '[vat]\nmode = "included"\nrate = 20\n\n'
        '[[rates]]\ncharge = "delivery_order"\nservice = "Доставка"\nprice = "600.00"\n',
        "utf-8",
    )
    code, out, err = custody(
        capsys, demo, "tariff", "set", str(tariff), "--counterparty", "ROMASHKA"
    )
    assert (code, err) == (0, "")
    assert "1 rate, VAT 20% included" in out
    code, _, _ = custody(capsys, demo, "print", "invoice", "1", "-o", str(tmp_path / "i.xlsx"))
    assert code == 0
    # 600.00 with VAT included: 100.00 of it is VAT.
    assert {Decimal("600.00"), Decimal("100.00")} <= cell_numbers(tmp_path / "i.xlsx")

    requisites = tmp_path / "requisites.json"
    requisites.write_text(json.dumps({"name": "ООО «Ромашка»", "inn": "123", "colour": 1}), "utf-8")
    code, out, err = custody(
        capsys, demo, "requisites", "set", str(requisites), "--counterparty", "ROMASHKA"
    )
    assert code == 1
    assert "requisites.json, colour: no such key here" in err
    requisites.write_text(json.dumps({"name": "ООО «Ромашка»", "inn": "123"}), "utf-8")
    code, out, err = custody(
        capsys, demo, "requisites", "set", str(requisites), "--counterparty", "ROMASHKA"
    )
    assert code == 1
    assert "counterparty, INN: '123' is not valid" in err


def test_print_never_writes_over_a_file_or_through_a_symlink_unless_forced(
    demo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    existing = tmp_path / "existing.html"
    existing.write_text("mine", "utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", "utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(victim)
    dangling = tmp_path / "dangling.html"
    dangling.symlink_to(tmp_path / "nowhere.txt")

    for target in (existing, link, dangling):
        code, out, err = custody(
            capsys, demo, "print", "mx3", "1", "--format", "html", "-o", str(target)
        )
        assert (code, out) == (1, "")
        assert err == f"custody: {target} already exists; add --force to replace it\n"
    code, _, err = custody(
        capsys, demo, "print", "mx3", "1", "--format", "html", "-o", str(link), lang="ru"
    )
    assert err == f"custody: {link} уже существует; чтобы заменить его, добавьте --force\n"
    assert (existing.read_text("utf-8"), victim.read_text("utf-8")) == ("mine", "keep me")
    assert not (tmp_path / "nowhere.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dangling.html", "demo", "existing.html", "link.html", "victim.txt"
    ]  # fmt: skip

    for target in (existing, link, dangling):
        code, _, err = custody(
            capsys, demo, "print", "mx3", "1", "--format", "html", "-o", str(target), "--force"
        )
        assert (code, err) == (0, "")
        assert not target.is_symlink()
        assert "352,00" in target.read_text("utf-8")
    assert victim.read_text("utf-8") == "keep me"
    assert not (tmp_path / "nowhere.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_print_into_a_missing_folder_is_refused(
    demo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "no" / "such" / "mx3.html"
    code, out, err = custody(
        capsys, demo, "print", "mx3", "1", "--format", "html", "-o", str(target)
    )
    assert (code, out) == (1, "")
    assert err == f"custody: {target.parent}: no such folder\n"
