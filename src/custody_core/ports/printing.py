"""The printing port: a renderer turns a form value into a file.

Renderers register by format name ("xlsx", "html", "pdf", or a plugin's own
such as "branded-invoice") and say which form kinds they draw; pagination
and totals come with the form, so every renderer prints the same pages.
"""

from __future__ import annotations

from typing import Protocol

from custody_core.domain.forms import Form, FormKind, Rendered


class FormRenderer(Protocol):
    #: The form kinds this renderer draws.
    kinds: frozenset[FormKind]

    def render(self, form: Form) -> Rendered:
        """The file of `form`; only called with forms of `kinds`."""
        ...
