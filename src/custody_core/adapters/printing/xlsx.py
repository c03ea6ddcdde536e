"""The xlsx renderer: each form on one A4 sheet, a manual break after each of its pages.

Pages are the form's own (`form.pages`): the table's head is written again
at the top of every page, and a row break ends each page, so Excel and
LibreOffice print exactly the pages the form was cut into.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from custody_core.adapters.printing import xlsx_goods, xlsx_services
from custody_core.adapters.printing.formatting import file_name
from custody_core.adapters.printing.xlsx_parts import set_up_pages, write_annulment
from custody_core.adapters.printing.xlsx_sheet import Sheet
from custody_core.domain.forms import Form, FormKind, GoodsForm, Rendered

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_TITLES = {**xlsx_goods.NAMES, FormKind.ACT: "Акт", FormKind.INVOICE: "Счет"}


class XlsxRenderer:
    """Renders all four forms to an xlsx workbook of one sheet."""

    kinds = frozenset(FormKind)

    def render(self, form: Form) -> Rendered:
        header = form.header
        workbook = Workbook()
        worksheet = workbook.active
        assert isinstance(worksheet, Worksheet)
        worksheet.title = _SHEET_TITLES[header.kind]
        annulment = header.annulment
        if isinstance(form, GoodsForm):
            sheet = Sheet(worksheet, xlsx_goods.WIDTHS)
            if annulment is not None:
                write_annulment(sheet, annulment)
            xlsx_goods.write_goods_form(sheet, form)
        else:
            sheet = Sheet(worksheet, xlsx_services.WIDTHS)
            if annulment is not None:
                write_annulment(sheet, annulment)
            xlsx_services.write_services_form(sheet, form)
        stamp = None if annulment is None else annulment.stamp
        set_up_pages(sheet, landscape=header.layout.landscape, stamp=stamp)
        content = BytesIO()
        workbook.save(content)
        return Rendered(content.getvalue(), MEDIA_TYPE, file_name(form, "xlsx"))
