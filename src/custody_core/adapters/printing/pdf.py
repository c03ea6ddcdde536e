"""Forms as PDF: the html renderer's pages laid out by weasyprint (the `pdf` extra).

The plugin is registered through the package's own entry point, as a
third-party one would be, and weasyprint is imported only when a pdf
renderer is made: without the extra, every other format still prints and
asking for pdf says which extra to install.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custody_core.adapters.printing.formatting import file_name
from custody_core.adapters.printing.html import HtmlRenderer
from custody_core.domain import codes
from custody_core.domain.errors import RenderError
from custody_core.domain.forms import Form, Rendered
from custody_core.plugins import RendererRegistry, hookimpl, reject_unknown_options

MEDIA_TYPE = "application/pdf"


class PdfRenderer:
    """Prints what `html` renders (the built-in html renderer unless given) to PDF."""

    def __init__(self, html: HtmlRenderer | None = None) -> None:
        self._weasyprint = _weasyprint()
        self.html = html or HtmlRenderer()
        self.kinds = self.html.kinds

    def render(self, form: Form) -> Rendered:
        document = self._weasyprint.HTML(string=self.html.document(form))
        return Rendered(document.write_pdf(), MEDIA_TYPE, file_name(form, "pdf"))


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError:
        raise RenderError(
            codes.Form.NEEDS_EXTRA, format="pdf", package="weasyprint", extra="pdf"
        ) from None
    return weasyprint


def _pdf(options: Mapping[str, Any]) -> PdfRenderer:
    reject_unknown_options(options, ())
    return PdfRenderer()


class PdfPlugin:
    @hookimpl
    def custody_register_renderers(self, register: RendererRegistry) -> None:
        register("pdf", _pdf)


plugin = PdfPlugin()
