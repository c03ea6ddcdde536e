"""The plugin author's example backend (examples/pickle_backend) passes the whole storage
conformance suite, with the few lines its author writes, and keeps data in its file."""

from __future__ import annotations

import sys
import tomllib
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

import custody_core
from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft
from custody_core.domain.errors import CorruptStorage, NotFound, StorageError, ValidationError
from custody_core.domain.parties import Account
from custody_core.services.application import Application
from custody_core.testing.clock import ManualClock
from custody_core.testing.conformance import StorageConformance, StorageMaker
from custody_core.testing.hashing import fast_hasher

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "pickle_backend"
sys.path.insert(0, str(EXAMPLE))  # as `pip install examples/pickle_backend` would

from custody_pickle import open_pickle, plugin  # noqa: E402


def open_app(url: str, clock: ManualClock) -> Application:
    return custody_core.open(
        url, plugins=[plugin], entry_points=False, clock=clock, password_hasher=fast_hasher()
    )


class TestPickleBackend(StorageConformance):
    @pytest.fixture
    def make_storage(self, tmp_path: Path) -> StorageMaker:
        return lambda: open_pickle(f"pickle:///{tmp_path / uuid4().hex}.pickle", {})


def test_the_distribution_declares_its_plugin_as_an_entry_point() -> None:
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["entry-points"]["custody_core"] == {"pickle": "custody_pickle:plugin"}


def test_committed_data_survives_reopening_the_file(tmp_path: Path, clock: ManualClock) -> None:
    url = f"pickle:///{tmp_path / 'custody.pickle'}"
    with open_app(url, clock) as app:
        account = app.create_account("acme", "ACME Logistics")
        office = app.back_office(Principal.administrator(account.id, "admin"))
        office.add_warehouse("W1", "Main")
        office.add_counterparty("ALPHA", "Alpha")
        office.add_contract("ALPHA", "A-1", main=True)
        office.add_item("ALPHA", "TEA", "Tea")
        lines = [LineDraft("TEA", 5)]
        office.post_receipt(ReceiptDraft("R-1", date(2026, 11, 19), "ALPHA", "W1", lines))
        order = office.create_order(OrderDraft("W1", [LineDraft("TEA", 2)], counterparty="ALPHA"))
        office.confirm_order(order.number)
        with app.storage.unit_of_work() as uow:
            uow.accounts.add(Account(uuid4(), "ghost", "Never committed", "UTC"))
        before = (office.stock_report("ALPHA"), office.order(order.number), office.audit_log())
    with open_app(url, clock) as app:
        office = app.back_office(Principal.administrator(account.id, "admin"))
        after = (office.stock_report("ALPHA"), office.order(order.number), office.audit_log())
        assert after == before
        (line,) = after[0].lines
        assert (line.on_hand, line.reserved) == (5, 2)
        with pytest.raises(NotFound):
            app.account("ghost")
        with pytest.raises(ValidationError):  # the unique indexes were rebuilt on loading
            office.add_counterparty("ALPHA", "Alpha again")
    assert [path.name for path in tmp_path.iterdir()] == ["custody.pickle"]


def test_a_foreign_file_is_refused_as_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a custody file")
    with pytest.raises(CorruptStorage):
        open_pickle(f"pickle:///{path}", {})


@pytest.mark.parametrize("url", ["pickle:///", "pickle://x", "pickle:///no/such/folder/x"])
def test_a_malformed_url_is_refused(url: str) -> None:
    with pytest.raises(StorageError) as raised:
        open_pickle(url, {})
    assert raised.value.code == "storage.bad_url"


def test_the_docs_show_the_example_module_as_it_is() -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert (EXAMPLE / "custody_pickle.py").read_text(encoding="utf-8") in docs
