"""A custody-core plugin: the invoice under the company's letterhead and colours.

It reuses the built-in html renderer and its templates, adding only the two
pieces the templates leave for branding: `letterhead.html.j2` and `brand.css`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import DictLoader

import custody_core
from custody_core.adapters.printing.html import HtmlRenderer
from custody_core.domain.forms import FormKind
from custody_core.plugins import RendererRegistry, reject_unknown_options

LETTERHEAD = """\
<header class="letterhead">
  <strong>СКЛАД-СЕРВИС</strong> · ответственное хранение и доставка · склад-сервис.рф
</header>
"""
BRAND_CSS = """\
.letterhead { margin-bottom: 4mm; padding: 2mm 3mm; color: #fff; background: #0b5394; }
.letterhead strong { color: #f1c232; }
table.lines thead th { color: #fff; background: #0b5394; }
"""


def branded_invoice(options: Mapping[str, Any]) -> HtmlRenderer:
    reject_unknown_options(options, ())
    return HtmlRenderer(
        kinds=frozenset({FormKind.INVOICE}),
        templates=DictLoader({"letterhead.html.j2": LETTERHEAD, "brand.css": BRAND_CSS}),
    )


class BrandedInvoicePlugin:
    @custody_core.hookimpl
    def custody_register_renderers(self, register: RendererRegistry) -> None:
        register("branded-invoice", branded_invoice)


plugin = BrandedInvoicePlugin()
