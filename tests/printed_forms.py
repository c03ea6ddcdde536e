"""A rendered form read back page by page, in each format, as a person would see it:
the scenario tests check that an annulled form says so on every page."""

from __future__ import annotations

import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from custody_core.adapters.printing.pdf import PdfRenderer
from custody_core.domain.forms import Form, Rendered
from custody_core.services.desks import BackOffice

FORMATS = ("xlsx", "html", "pdf")
#: weasyprint warns on import when the system lacks libharfbuzz-subset: mark tests printing pdf.
PDF_WARNING = pytest.mark.filterwarnings(
    "ignore:HarfBuzz-Subset will be required:DeprecationWarning"
)
_SECTION = re.compile(r'<section class="page".*?</section>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def rendered(office: BackOffice, form: Form, format_name: str) -> Rendered:
    """`form` in `format_name`; pdf by the built-in renderer, which the scenario tests'
    applications (opened without entry points) do not register."""
    if format_name == "pdf":
        return PdfRenderer().render(form)
    return office.render(form, format_name)


def printed_pages(rendered: Rendered, tmp_path: Path) -> list[str]:
    """The text of each printed page; an xlsx sheet's text cells, in row order, as one."""
    if rendered.file_name.endswith(".xlsx"):
        return [" ".join(xlsx_cells(rendered))]
    if rendered.file_name.endswith(".html"):
        return html_pages(rendered)
    return pdf_pages(rendered, tmp_path)


def xlsx_page_header(rendered: Rendered) -> str:
    """What an xlsx form prints at the top of every page."""
    return str(load_workbook(BytesIO(rendered.content)).active.oddHeader.center.text or "")


def xlsx_cells(rendered: Rendered) -> list[str]:
    sheet = load_workbook(BytesIO(rendered.content)).active
    return [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]


def html_pages(rendered: Rendered) -> list[str]:
    """The text of each printed page (`<section class="page">`), tags removed."""
    html = rendered.content.decode("utf-8")
    return [" ".join(_TAG.sub(" ", page).split()) for page in _SECTION.findall(html)]


def pdf_pages(rendered: Rendered, tmp_path: Path) -> list[str]:
    """The text of each PDF page, by poppler's pdftotext (poppler-utils is required)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext reads the printed forms back: apt-get install poppler-utils")
    path = tmp_path / "form.pdf"
    path.write_bytes(rendered.content)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    pages = done.stdout.split("\f")
    return [" ".join(page.split()) for page in pages if page.strip()]
