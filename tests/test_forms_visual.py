"""The xlsx forms as LibreOffice prints them: the form's pages, A4, lines on their own page.

LibreOffice converts every workbook to PDF in one call (a private profile,
so parallel runs do not share one); poppler's pdfinfo and pdftotext read the
PDFs. Both are required: CI installs `libreoffice-calc-nogui poppler-utils`,
and a machine without them fails here instead of skipping the check.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from custody_core.adapters.printing.xlsx import XlsxRenderer
from custody_core.domain.forms import Form, FormKind
from custody_core.testing import sample_forms

#: A4 in points, and how far a PDF's page may differ from it.
A4 = (595.0, 842.0)
TOLERANCE = 2.0
#: One-page and several-page forms of each kind (the layouts put 8 then 24 goods lines
#: on MX pages, 20 then 40 on the act's, 18 then 40 on the invoice's).
FORMS: dict[str, Form] = {
    "mx1-short": sample_forms.mx1(3),
    "mx1-long": sample_forms.mx1(40),
    "mx3-short": sample_forms.mx3(3),
    "mx3-long": sample_forms.mx3(40),
    "mx3-many-services": sample_forms.mx3(8, services=12),
    "act-short": sample_forms.services(FormKind.ACT, 3),
    "act-long": sample_forms.services(FormKind.ACT, 70),
    "invoice-short": sample_forms.services(FormKind.INVOICE, 3),
    "invoice-long": sample_forms.services(FormKind.INVOICE, 70),
}
INSTALL = "install them: apt-get install libreoffice-calc-nogui poppler-utils"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is needed to check how the forms print; {INSTALL}")
    return path


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{command[0]} failed: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every form of FORMS rendered to xlsx and printed to PDF by LibreOffice."""
    folder = tmp_path_factory.mktemp("forms")
    profile = tmp_path_factory.mktemp("libreoffice-profile")
    workbooks = []
    for name, form in FORMS.items():
        workbook = folder / f"{name}.xlsx"
        workbook.write_bytes(XlsxRenderer().render(form).content)
        workbooks.append(str(workbook))
    run(
        tool("soffice"),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(folder),
        *workbooks,
    )
    printed = {name: folder / f"{name}.pdf" for name in FORMS}
    missing = [name for name, pdf in printed.items() if not pdf.exists()]
    assert not missing, f"LibreOffice printed no PDF for {missing}"
    return printed


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = run(tool("pdfinfo"), "-f", "1", "-l", "9999", str(pdf))
    return [
        (float(width), float(height))
        for width, height in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    ]


def page_text(pdf: Path, number: int) -> str:
    return run(tool("pdftotext"), "-f", str(number), "-l", str(number), str(pdf), "-")


@pytest.mark.parametrize("name", FORMS)
def test_the_form_prints_on_its_pages_of_a4_in_its_orientation(
    pdfs: dict[str, Path], name: str
) -> None:
    form = FORMS[name]
    sizes = page_sizes(pdfs[name])
    assert len(sizes) == len(form.pages)
    width, height = A4[::-1] if form.header.layout.landscape else A4
    for printed_width, printed_height in sizes:
        assert abs(printed_width - width) <= TOLERANCE
        assert abs(printed_height - height) <= TOLERANCE


def test_the_long_forms_span_several_pages() -> None:
    assert {name: len(form.pages) for name, form in FORMS.items() if "long" in name} == {
        "mx1-long": 3,
        "mx3-long": 3,
        "act-long": 3,
        "invoice-long": 3,
    }
    # Twelve services do not fit under a full first page: its last goods line moves on,
    # and the second page holds it, the totals and the services table.
    assert [len(page.lines) for page in FORMS["mx3-many-services"].pages] == [7, 1]


@pytest.mark.parametrize("name", [name for name in FORMS if "long" in name])
def test_each_printed_page_holds_the_lines_of_its_page_under_the_table_head(
    pdfs: dict[str, Path], name: str
) -> None:
    form = FORMS[name]
    head = "Примечание" if form.header.kind in (FormKind.MX1, FormKind.MX3) else "Сумма"
    codes = [line.code for line in form.lines]
    for page in form.pages:
        text = page_text(pdfs[name], page.number)
        assert head in text
        printed = [code for code in codes if re.search(rf"{re.escape(code)}(?!\d)", text)]
        assert printed == [line.code for line in page.lines]
        if form.header.layout.page_totals:
            assert "Итого" in text
