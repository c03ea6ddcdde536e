"""PDF: the html pages printed on A4 by weasyprint, one sheet per model page.

Pages, sizes and text are read back with poppler's pdfinfo and pdftotext.
Without weasyprint, asking for pdf names the extra to install and every
other format still prints.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from custody_core.domain.errors import RenderError
from custody_core.domain.forms import Form, FormKind, GoodsForm, Rendered, ServicesForm
from custody_core.plugins import Plugins
from custody_core.testing import sample_forms
from printed_forms import pdf_pages

#: weasyprint warns on import when the system lacks libharfbuzz-subset, which it will need.
pytestmark = pytest.mark.filterwarnings(
    "ignore:HarfBuzz-Subset will be required:DeprecationWarning"
)
#: A4 in points: 210 x 297 mm.
A4 = (595.276, 841.89)
PAGE_SIZE = re.compile(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", re.MULTILINE)


def fullest(kind: FormKind) -> Form:
    """A form of two pages whose last page holds as many lines as a page may."""
    if kind is FormKind.MX1:
        return sample_forms.mx1(8 + 24)
    if kind is FormKind.MX3:
        return sample_forms.mx3(8 + 24)
    if kind is FormKind.ACT:
        return sample_forms.services(kind, 20 + 40)
    return sample_forms.services(kind, 18 + 40)


def render(form: Form) -> Rendered:
    """`form` printed by the renderer registered as "pdf", as an application gets it."""
    return Plugins().renderer("pdf", {}).render(form)


def poppler(tool: str, content: bytes, tmp_path: Path, *args: str) -> str:
    """What poppler's `tool` prints about `content`; poppler-utils is required, not optional."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} reads the printed forms back: apt-get install poppler-utils")
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def page_sizes(content: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    info = poppler("pdfinfo", content, tmp_path, "-f", "1", "-l", "9999")
    return [(float(width), float(height)) for width, height in PAGE_SIZE.findall(info)]


def printed_text(content: bytes, tmp_path: Path) -> str:
    """The PDF's text with every run of spaces and line breaks made one space."""
    return " ".join(poppler("pdftotext", content, tmp_path, "-layout").split())


@pytest.mark.parametrize("kind", list(FormKind))
def test_each_model_page_is_one_a4_sheet(kind: FormKind, tmp_path: Path) -> None:
    form = fullest(kind)
    rendered = render(form)
    assert rendered.content.startswith(b"%PDF")
    assert rendered.media_type == "application/pdf"
    assert rendered.file_name == f"{kind}-2026-{form.header.number}.pdf"
    sizes = page_sizes(rendered.content, tmp_path)
    assert len(sizes) == len(form.pages) == 2
    portrait = pytest.approx(A4, abs=0.5)
    landscape = pytest.approx(A4[::-1], abs=0.5)
    expected = landscape if kind in (FormKind.MX1, FormKind.MX3) else portrait
    assert sizes == [expected, expected]


def test_three_hundred_lines_print_on_as_many_sheets_as_pages(tmp_path: Path) -> None:
    form = sample_forms.mx1(300)
    rendered = render(form)
    assert len(page_sizes(rendered.content, tmp_path)) == len(form.pages) == 14


def test_the_unified_forms_text_has_title_date_totals_and_words(tmp_path: Path) -> None:
    form = sample_forms.mx3(3)
    assert isinstance(form, GoodsForm)
    text = printed_text(render(form).content, tmp_path)
    assert form.header.title in text
    assert "20.11.2026" in text
    assert "Всего по акту 6,125 Х 146,81" in text
    assert form.amount_in_words in text
    assert form.services_in_words in text
    assert "Унифицированная форма № МХ-3" in text


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        (FormKind.ACT, "Акт об оказании услуг № 3 от 20 ноября 2026 г."),
        (FormKind.INVOICE, "Счет на оплату № 3 от 20 ноября 2026 г."),
    ],
)
def test_the_act_and_invoice_text_has_number_totals_and_words(
    kind: FormKind, title: str, tmp_path: Path
) -> None:
    form = sample_forms.services(kind, 3)
    assert isinstance(form, ServicesForm)
    text = printed_text(render(form).content, tmp_path)
    assert title in text
    # Lines of 351, 704 and 1059 roubles with 20 % VAT on top.
    assert "Итого: 2 114,00" in text
    assert "НДС 20%: 422,80" in text
    assert "на сумму 2 536,80 руб." in text
    assert form.amount_in_words in text


def test_pdf_is_registered_by_the_packages_own_entry_point() -> None:
    (entry_point,) = importlib.metadata.entry_points(group="custody_core", name="pdf")
    assert entry_point.value == "custody_core.adapters.printing.pdf:plugin"
    assert "pdf" not in Plugins(entry_points=False).renderers
    assert Plugins().renderer("pdf", {}).kinds == frozenset(FormKind)


def test_without_weasyprint_pdf_names_the_extra_and_the_rest_prints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    plugins = Plugins()
    with pytest.raises(RenderError) as raised:
        plugins.renderer("pdf", {})
    assert raised.value.code == "form.needs_extra"
    assert raised.value.details == {"format": "pdf", "package": "weasyprint", "extra": "pdf"}
    assert "pip install 'custody-core[pdf]'" in raised.value.message()
    form = sample_forms.mx1()
    assert plugins.renderer("html", {}).render(form).content.startswith(b"<!DOCTYPE html>")
    assert plugins.renderer("xlsx", {}).render(form).content.startswith(b"PK")


@pytest.mark.parametrize("kind", [FormKind.MX3, FormKind.INVOICE])
def test_an_annulled_form_prints_its_stamp_atop_every_sheet(kind: FormKind, tmp_path: Path) -> None:
    form = sample_forms.annulled(fullest(kind))

    pages = pdf_pages(render(form), tmp_path)

    assert len(pages) == len(form.pages) == 2
    assert all(
        page.startswith("АННУЛИРОВАН / ANNULLED сторно № 4 от 23.11.2026: ошибка кладовщика")
        for page in pages
    ), pages
