"""Forms as printable HTML pages, by jinja2 templates shipped in the package.

Each model page becomes a `<section class="page">` that CSS breaks after, so
a browser's print dialog and weasyprint (the pdf renderer) print the pages
the form value was cut into. Elements carry `data-field` and `data-col`
attributes, so tests and an application's own CSS can select them.

A renderer may be given its own template loader, searched before the
package's: it may override any template, or supply the two that are empty by
default, `letterhead.html.j2` (printed above the first page's header) and
`brand.css` (appended to the style sheet).
"""

from __future__ import annotations

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, StrictUndefined

from custody_core.adapters.printing.formatting import file_name, long_date, money, quantity
from custody_core.domain.forms import OKUD, Form, FormKind, Rendered

ALL_KINDS = frozenset(FormKind)
MEDIA_TYPE = "text/html; charset=utf-8"
#: The unified forms' numbers as their header prints them.
_UNIFIED = {FormKind.MX1: "МХ-1", FormKind.MX3: "МХ-3"}


class HtmlRenderer:
    """Renders forms of `kinds` to HTML; `templates`, when given, is searched first."""

    def __init__(
        self, *, kinds: frozenset[FormKind] = ALL_KINDS, templates: BaseLoader | None = None
    ) -> None:
        self.kinds = kinds
        self._environment = _environment(templates)

    def render(self, form: Form) -> Rendered:
        return Rendered(self.document(form).encode("utf-8"), MEDIA_TYPE, file_name(form, "html"))

    def document(self, form: Form) -> str:
        """The whole HTML document of `form`, as text for a browser or a PDF engine."""
        kind = form.header.kind
        template = self._environment.get_template(f"{kind}.html.j2")
        return template.render(
            form=form,
            header=form.header,
            layout=form.header.layout,
            okud=OKUD.get(kind, ""),
            unified=_UNIFIED.get(kind, ""),
        )


def _environment(templates: BaseLoader | None) -> Environment:
    """Autoescaping on, so client data prints as text; a missing variable is an error."""
    package = PackageLoader("custody_core.adapters.printing", "templates")
    environment = Environment(
        loader=ChoiceLoader([templates, package]) if templates else package,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(money=money, quantity=quantity, long_date=long_date)
    return environment
