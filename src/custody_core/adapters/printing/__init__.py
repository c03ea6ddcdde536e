"""Form renderers: xlsx (openpyxl) and html (jinja2) built in; pdf behind the `pdf` extra."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custody_core.plugins import RendererRegistry, hookimpl, reject_unknown_options
from custody_core.ports.printing import FormRenderer


def _xlsx(options: Mapping[str, Any]) -> FormRenderer:
    from custody_core.adapters.printing.xlsx import XlsxRenderer

    reject_unknown_options(options, ())
    return XlsxRenderer()


def _html(options: Mapping[str, Any]) -> FormRenderer:
    from custody_core.adapters.printing.html import HtmlRenderer

    reject_unknown_options(options, ())
    return HtmlRenderer()


class RenderersPlugin:
    @hookimpl
    def custody_register_renderers(self, register: RendererRegistry) -> None:
        register("xlsx", _xlsx)
        register("html", _html)
