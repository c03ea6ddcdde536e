"""Pictures of the four sample forms for the docs: xlsx, printed to PDF by LibreOffice,
then page one as PNG (docs/forms/*.png), so a layout change shows in review.

Run from anywhere: `python scripts/form_pictures.py`; needs soffice and pdftoppm
(apt-get install libreoffice-calc-nogui poppler-utils).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from custody_core.adapters.printing.xlsx import XlsxRenderer
from custody_core.domain.forms import Form, FormKind
from custody_core.testing import sample_forms

PICTURES = Path(__file__).resolve().parent.parent / "docs" / "forms"
#: One page each, with the sample data's ordinary names (the act's and invoice's
#: fifth line would be a hostile string).
FORMS: dict[str, Form] = {
    "mx1": sample_forms.mx1(6),
    "mx3": sample_forms.mx3(6),
    "act": sample_forms.services(FormKind.ACT, 4),
    "invoice": sample_forms.services(FormKind.INVOICE, 4),
}


def main() -> None:
    soffice, pdftoppm = tool("soffice"), tool("pdftoppm")
    PICTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for name, form in FORMS.items():
            (folder / f"{name}.xlsx").write_bytes(XlsxRenderer().render(form).content)
        run(
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *(str(folder / f"{name}.xlsx") for name in FORMS),
        )
        for name in FORMS:
            pdf = str(folder / f"{name}.pdf")
            run(pdftoppm, "-png", "-r", "80", "-singlefile", "-f", "1", pdf, str(PICTURES / name))


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} not found: apt-get install libreoffice-calc-nogui poppler-utils")
    return path


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=300)  # noqa: S603


if __name__ == "__main__":
    main()
