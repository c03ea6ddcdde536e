"""The plugin author's worked example works as documented: a branded invoice, nothing else."""

from __future__ import annotations

import importlib.util
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import custody_core
from custody_core import Principal
from custody_core.domain.errors import RenderError
from custody_core.domain.forms import FormKind
from custody_core.services.desks import BackOffice
from custody_core.testing import sample_forms

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "branded_invoice"
MODULE = EXAMPLE / "custody_branded_invoice.py"


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("custody_branded_invoice", MODULE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def office(example: ModuleType) -> Iterator[BackOffice]:
    with custody_core.open("memory://", plugins=[example.plugin], entry_points=False) as app:
        account = app.create_account("acme", "ACME Logistics")
        yield app.back_office(Principal.administrator(account.id, "admin"))


def test_the_distribution_declares_its_plugin_as_an_entry_point() -> None:
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["entry-points"]["custody_core"] == {
        "branded-invoice": "custody_branded_invoice:plugin"
    }


def test_the_branded_format_prints_the_invoice_under_the_letterhead(office: BackOffice) -> None:
    form = sample_forms.services(FormKind.INVOICE)
    rendered = office.render(form, "branded-invoice")
    assert rendered.media_type == "text/html; charset=utf-8"
    assert rendered.file_name == "invoice-2026-3.html"
    html = rendered.content.decode("utf-8")
    assert '<header class="letterhead">' in html
    assert "table.lines thead th { color: #fff; background: #0b5394; }" in html
    assert "Счет на оплату" in html
    assert form.amount_in_words in html


def test_the_branded_format_refuses_other_forms(office: BackOffice) -> None:
    with pytest.raises(RenderError) as raised:
        office.render(sample_forms.mx1(), "branded-invoice")
    assert raised.value.code == "form.unsupported"
    assert raised.value.details == {"format": "branded-invoice", "kind": "mx1"}


def test_the_built_in_formats_stay_beside_it(office: BackOffice) -> None:
    form = sample_forms.mx1()
    assert office.render(form, "html").file_name == "mx1-2026-1.html"
    assert office.render(form, "xlsx").file_name == "mx1-2026-1.xlsx"


def test_the_docs_show_the_example_module_as_it_is() -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert MODULE.read_text(encoding="utf-8") in docs
