"""The xlsx renderer, read back with openpyxl: every field, line and total of the four forms.

Expected values come from the form objects (sample_forms) or are written out
by hand; nothing is taken from the renderer's own output.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from attrs import evolve
from openpyxl.worksheet.worksheet import Worksheet

from custody_core.adapters.printing.xlsx import XlsxRenderer
from custody_core.domain.forms import Form, FormKind, GoodsForm, Rendered
from custody_core.domain.requisites import Requisites
from custody_core.domain.vat import NO_VAT, Vat, VatMode
from custody_core.testing import sample_forms
from custody_core.testing.sample_forms import HOSTILE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Row = tuple[object, ...]


def render(form: Form) -> Rendered:
    return XlsxRenderer().render(form)


def sheet_of(form: Form) -> Worksheet:
    worksheet = openpyxl.load_workbook(BytesIO(render(form).content)).active
    assert isinstance(worksheet, Worksheet)
    return worksheet


def rows(worksheet: Worksheet) -> list[Row]:
    return list(worksheet.iter_rows(values_only=True))


def texts(worksheet: Worksheet) -> set[str]:
    return {value for row in rows(worksheet) for value in row if isinstance(value, str)}


def money(value: object) -> Decimal:
    """A number read back, compared in kopecks (openpyxl reads numbers as floats)."""
    assert isinstance(value, int | float), value
    return Decimal(str(value)).quantize(Decimal("0.001"))


def row_starting(worksheet: Worksheet, label: str, after: str | None = None) -> Row:
    """The first row whose first cell is `label`, below the row holding `after` if given."""
    found = after is None
    for row in rows(worksheet):
        if not found:
            found = after in row
        elif row[0] == label:
            return row
    raise AssertionError(f"no row starts with {label!r}")


def rows_with(worksheet: Worksheet, text: str) -> list[Row]:
    return [row for row in rows(worksheet) if text in row]


def assert_party_box(box: object, party: Requisites) -> None:
    assert isinstance(box, str)
    for detail in (party.name, party.inn, party.kpp, party.address):
        assert detail
        assert detail in box


def blank(value: object) -> object:
    return "" if value is None else value


# MX-1 and MX-3 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "name", "okud", "date_text"),
    [
        (sample_forms.mx1(3), "МХ-1", "0335001", "02.11.2026"),
        (sample_forms.mx3(3), "МХ-3", "0335003", "20.11.2026"),
    ],
    ids=["mx1", "mx3"],
)
def test_a_unified_form_has_its_header_codes_and_parties(
    form: GoodsForm, name: str, okud: str, date_text: str
) -> None:
    worksheet = sheet_of(form)
    header = form.header
    found = texts(worksheet)
    assert f"Унифицированная форма № {name}" in found
    assert "Утверждена постановлением Госкомстата России от 09.08.99 № 66" in found
    assert header.title in found
    assert okud in rows_with(worksheet, "Форма по ОКУД")[0]
    assert [str(header.number), date_text] == [
        value for value in rows_with(worksheet, date_text)[0] if value
    ]
    custodian, depositor = (row for row in rows(worksheet) if "по ОКПО" in row)
    assert_party_box(custodian[0], header.executor)
    assert header.executor.phone
    assert header.executor.phone in str(custodian[0])
    assert custodian[-2] == header.executor.okpo == "12345678"
    assert_party_box(depositor[0], header.customer)
    assert header.basis == "Договор № ОХ-7 от 15.01.2026"
    assert header.basis in rows_with(worksheet, "Договор (номер, дата)")[0]
    assert f"Основание: {header.basis}; {header.source}" in found
    assert f"Место хранения: {form.warehouse}" in found


def test_mx1_states_the_storage_term_and_mx3_what_the_depositor_took() -> None:
    assert "Срок хранения: по договору" in texts(sheet_of(sample_forms.mx1(1)))
    assert "Поклажедатель принял от хранителя следующие ценности:" in texts(
        sheet_of(sample_forms.mx3(1))
    )


@pytest.mark.parametrize("form", [sample_forms.mx1(5), sample_forms.mx3(5)], ids=["mx1", "mx3"])
def test_every_goods_line_prints_with_its_valuation(form: GoodsForm) -> None:
    worksheet = sheet_of(form)
    by_position: dict[object, Row] = {}
    for row in rows(worksheet):  # goods come first: MX-3's services are numbered again
        if isinstance(row[0], int):
            by_position.setdefault(row[0], row)
    for line in form.lines:
        row = by_position[line.position]
        assert row[1:6] == (line.name, line.code, None, line.unit, line.okei)
        assert [money(value) for value in row[6:9]] == [line.quantity, line.price, line.amount]
        assert blank(row[9]) == line.note
    assert by_position[3][6] == 3.125  # kilograms keep their grams
    assert by_position[3][8] == 95.31


@pytest.mark.parametrize("form", [sample_forms.mx1(5), sample_forms.mx3(5)], ids=["mx1", "mx3"])
def test_a_unified_form_totals_in_figures_and_words_and_is_signed(form: GoodsForm) -> None:
    worksheet = sheet_of(form)
    page_total = row_starting(worksheet, "Итого")
    assert (money(page_total[6]), money(page_total[8])) == (form.quantity, form.amount)
    assert page_total[7] == "Х"
    grand = row_starting(worksheet, "Всего по акту")
    assert (money(grand[6]), money(grand[8])) == (form.quantity, form.amount)
    assert form.amount == Decimal("561.31")
    found = texts(worksheet)
    assert {form.quantity_in_words, form.amount_in_words} <= found
    assert form.amount_in_words == "Пятьсот шестьдесят один рубль 31 копейка"
    for signature in form.signatures:
        role_row = rows_with(worksheet, signature.role)[0]
        assert {signature.position, signature.name} <= set(role_row)
    assert "М.П." in found


def test_mx3_lists_the_storage_services_with_vat() -> None:
    form = sample_forms.mx3(2)
    worksheet = sheet_of(form)
    assert form.services_totals is not None
    heading = "Услуги по хранению, оказанные хранителем"
    (service,) = form.services
    row = row_starting(worksheet, service.position, after=heading)
    assert row[1:6] == (service.service, service.code, service.unit, None, service.okei)
    assert [money(value) for value in row[6:9]] == [service.quantity, service.price, service.amount]
    assert money(row_starting(worksheet, "Итого", after=heading)[8]) == Decimal("66.50")
    vat_row = row_starting(worksheet, "В том числе НДС 20%", after=heading)
    assert money(vat_row[8]) == form.services_totals.vat == Decimal("11.08")
    assert money(row_starting(worksheet, "Всего", after=heading)[8]) == Decimal("66.50")
    assert form.services_in_words in texts(worksheet)


# The act and the invoice -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "title", "sides"),
    [
        (
            FormKind.ACT,
            "Акт об оказании услуг № 3 от 20 ноября 2026 г.",
            ("Исполнитель:", "Заказчик:"),
        ),
        (
            FormKind.INVOICE,
            "Счет на оплату № 3 от 20 ноября 2026 г.",
            ("Поставщик (Исполнитель):", "Покупатель (Заказчик):"),
        ),
    ],
    ids=["act", "invoice"],
)
def test_a_services_form_has_its_title_parties_and_basis(
    kind: FormKind, title: str, sides: tuple[str, str]
) -> None:
    form = sample_forms.services(kind, 3)
    worksheet = sheet_of(form)
    header = form.header
    assert title in texts(worksheet)
    assert_party_box(row_starting(worksheet, sides[0])[2], header.executor)
    assert_party_box(row_starting(worksheet, sides[1])[2], header.customer)
    assert row_starting(worksheet, "Основание:")[2] == f"{header.basis}; {header.source}"


def test_the_invoice_opens_with_the_bank_details() -> None:
    form = sample_forms.services(FormKind.INVOICE, 1)
    worksheet = sheet_of(form)
    executor = form.header.executor
    bank = executor.bank
    assert bank is not None
    assert rows(worksheet)[0][0] == bank.bank == "ПАО Сбербанк"
    assert rows(worksheet)[1][0] == "Банк получателя"
    assert [value for value in rows(worksheet)[0] if value][1:] == ["БИК", "044525225"]
    assert [value for value in rows(worksheet)[1] if value][1:] == ["Сч. №", "30101810400000000225"]
    third = [value for value in rows(worksheet)[2] if value]
    assert third == ["ИНН 7712345671", "КПП 771201001", "Сч. №", "40702810500000001234"]
    assert rows(worksheet)[3][0] == executor.name
    assert rows(worksheet)[4][0] == "Получатель"


@pytest.mark.parametrize("kind", [FormKind.ACT, FormKind.INVOICE], ids=["act", "invoice"])
def test_every_service_line_prints_with_its_price(kind: FormKind) -> None:
    form = sample_forms.services(kind, 6)
    worksheet = sheet_of(form)
    by_position = {row[0]: row for row in rows(worksheet) if isinstance(row[0], int)}
    assert sorted(by_position) == [1, 2, 3, 4, 5, 6]
    for line in form.lines:
        row = by_position[line.position]
        assert (row[1], row[3], row[5], row[6]) == (line.service, line.code, line.unit, line.okei)
        assert [money(row[4]), money(row[7]), money(row[8])] == [
            line.quantity,
            line.price,
            line.amount,
        ]


@pytest.mark.parametrize(
    ("kind", "vat", "vat_label", "vat_figure", "due", "due_label", "count_line"),
    [
        (
            FormKind.INVOICE,
            Vat(VatMode.ON_TOP, 20),
            "НДС 20%",
            Decimal("422.80"),
            Decimal("2536.80"),
            "Всего к оплате",
            "Всего наименований 3, на сумму 2\u00a0536,80 руб.",
        ),
        (
            FormKind.INVOICE,
            Vat(VatMode.INCLUDED, 20),
            "В том числе НДС 20%",
            Decimal("352.33"),
            Decimal("2114.00"),
            "Всего к оплате",
            "Всего наименований 3, на сумму 2\u00a0114,00 руб.",
        ),
        (
            FormKind.ACT,
            NO_VAT,
            "Без налога (НДС)",
            "-",
            Decimal("2114.00"),
            "Всего",
            "Всего оказано услуг 3, на сумму 2\u00a0114,00 руб.",
        ),
    ],
    ids=["invoice-on-top", "invoice-included", "act-without"],
)
def test_a_services_form_totals_with_vat_in_figures_and_words(
    kind: FormKind,
    vat: Vat,
    vat_label: str,
    vat_figure: Decimal | str,
    due: Decimal,
    due_label: str,
    count_line: str,
) -> None:
    form = sample_forms.services(kind, 3, vat=vat)
    worksheet = sheet_of(form)
    assert money(row_starting(worksheet, "Итого")[8]) == Decimal("2114.00") == form.totals.amount
    figure = row_starting(worksheet, vat_label)[8]
    assert (figure if vat_figure == "-" else money(figure)) == vat_figure
    assert money(row_starting(worksheet, due_label)[8]) == due == form.totals.due
    found = texts(worksheet)
    assert {count_line, form.amount_in_words} <= found


def test_the_act_states_the_services_were_accepted_and_both_sides_sign() -> None:
    form = sample_forms.services(FormKind.ACT, 2)
    worksheet = sheet_of(form)
    assert (
        "Вышеперечисленные услуги выполнены полностью и в срок. "
        "Заказчик претензий по объему, качеству и срокам оказания услуг не имеет."
    ) in texts(worksheet)
    executor, customer = form.signatures
    assert rows_with(worksheet, "Исполнитель")[0][:9:2] == (
        "Исполнитель",
        "Генеральный директор",
        None,
        "Иванов И. И.",
        None,
    )
    assert {"Заказчик", customer.position, customer.name} <= set(
        rows_with(worksheet, "Заказчик")[0]
    )
    assert executor.role == "Исполнитель"


def test_the_invoice_is_signed_by_the_head_and_the_accountant() -> None:
    worksheet = sheet_of(sample_forms.services(FormKind.INVOICE, 1))
    assert {"Генеральный директор", "Иванов И. И."} <= set(rows_with(worksheet, "Руководитель")[0])
    assert {"Главный бухгалтер", "Петрова А. С."} <= set(rows_with(worksheet, "Бухгалтер")[0])


# Pages -------------------------------------------------------------------------------------


def pages_of(worksheet: Worksheet) -> Iterator[list[Row]]:
    """The sheet's rows cut at its manual row breaks (a break's id is the page's last row)."""
    all_rows = rows(worksheet)
    start = 0
    for end in [brk.id for brk in worksheet.row_breaks.brk] + [len(all_rows)]:
        yield all_rows[start:end]
        start = end


def test_300_goods_lines_print_on_the_forms_pages_each_with_its_total() -> None:
    form = sample_forms.mx1(300)
    worksheet = sheet_of(form)
    assert len(form.pages) == 14  # 8 on the first page, 24 on each next one
    assert len(worksheet.row_breaks.brk) == len(form.pages) - 1
    page_amounts = []
    for page, printed in zip(form.pages, pages_of(worksheet), strict=True):
        lines = [row for row in printed if isinstance(row[0], int)]
        assert [row[0] for row in lines] == [line.position for line in page.lines]
        assert sum(1 for row in printed if row[0] == "Номер по порядку") == 1
        (total,) = [row for row in printed if row[0] == "Итого"]
        assert money(total[8]) == sum(money(row[8]) for row in lines) == page.amount
        assert money(total[6]) == sum(money(row[6]) for row in lines) == page.quantity
        page_amounts.append(money(total[8]))
    grand = row_starting(worksheet, "Всего по акту")
    assert money(grand[8]) == sum(page_amounts) == form.amount


def test_a_long_invoice_repeats_its_table_head_on_every_page() -> None:
    form = sample_forms.services(FormKind.INVOICE, 100)
    worksheet = sheet_of(form)
    assert [len(page.lines) for page in form.pages] == [18, 40, 40, 2]
    assert len(worksheet.row_breaks.brk) == 3
    for page, printed in zip(form.pages, pages_of(worksheet), strict=True):
        assert [row[0] for row in printed if isinstance(row[0], int)] == [
            line.position for line in page.lines
        ]
        assert sum(1 for row in printed if row[1] == "Товары (работы, услуги)") == 1
        assert any(row[0] == "Итого" for row in printed) == (page.number == len(form.pages))


@pytest.mark.parametrize(
    ("form", "orientation", "last_column"),
    [
        (sample_forms.mx1(3), "landscape", "J"),
        (sample_forms.mx3(3), "landscape", "J"),
        (sample_forms.services(FormKind.ACT, 3), "portrait", "I"),
        (sample_forms.services(FormKind.INVOICE, 3), "portrait", "I"),
    ],
    ids=["mx1", "mx3", "act", "invoice"],
)
def test_the_sheet_prints_on_a4_one_page_wide(
    form: Form, orientation: str, last_column: str
) -> None:
    worksheet = sheet_of(form)
    setup = worksheet.page_setup
    assert setup.orientation == orientation
    assert setup.paperSize == 9  # A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert worksheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert worksheet.print_area.endswith(f"!$A$1:${last_column}${worksheet.max_row}")
    assert worksheet.page_margins.left == 0.4


@pytest.mark.parametrize(
    ("form", "file_name"),
    [
        (sample_forms.mx1(1), "mx1-2026-1.xlsx"),
        (sample_forms.mx3(1), "mx3-2026-2.xlsx"),
        (sample_forms.services(FormKind.ACT, 1), "act-2026-3.xlsx"),
        (sample_forms.services(FormKind.INVOICE, 1), "invoice-2026-3.xlsx"),
    ],
    ids=["mx1", "mx3", "act", "invoice"],
)
def test_the_file_is_named_by_kind_year_and_number(form: Form, file_name: str) -> None:
    rendered = render(form)
    assert (rendered.media_type, rendered.file_name) == (XLSX, file_name)


def test_the_renderer_draws_all_four_forms() -> None:
    assert XlsxRenderer().kinds == {
        FormKind.MX1,
        FormKind.MX3,
        FormKind.ACT,
        FormKind.INVOICE,
    }


# Hostile text ------------------------------------------------------------------------------


def inert(text: str) -> str:
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", " ", text)


@pytest.mark.parametrize(
    "form",
    [
        sample_forms.mx1(12, hostile=True),
        sample_forms.mx3(12, hostile=True),
        sample_forms.services(FormKind.ACT, 30),
        sample_forms.services(FormKind.INVOICE, 30),
    ],
    ids=["mx1", "mx3", "act", "invoice"],
)
def test_client_text_that_looks_like_a_formula_stays_text(form: Form) -> None:
    rendered = render(form)
    worksheet = openpyxl.load_workbook(BytesIO(rendered.content)).active
    assert isinstance(worksheet, Worksheet)
    cells = [cell for row in worksheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    by_text = {cell.value: cell for cell in cells if isinstance(cell.value, str)}
    for hostile in HOSTILE:
        cell = by_text[inert(hostile)]
        assert cell.data_type == "s"
    assert "Bell  and  escape" in by_text
    with zipfile.ZipFile(BytesIO(rendered.content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_the_renderer_cleans_control_characters_of_a_form_built_by_hand() -> None:
    form = sample_forms.services(FormKind.ACT, 1)
    page = form.pages[0]
    line = evolve(page.lines[0], service="Ring\x07 bell")
    raw = evolve(form, pages=(evolve(page, lines=(line,)),))
    assert "Ring  bell" in texts(sheet_of(raw))


@pytest.mark.parametrize("kind", list(FormKind))
def test_an_annulled_form_is_stamped_above_it_and_atop_every_printed_page(kind: FormKind) -> None:
    plain = (
        sample_forms.mx1(25)
        if kind is FormKind.MX1
        else sample_forms.mx3(25)
        if kind is FormKind.MX3
        else sample_forms.services(kind, 25)
    )
    printed = render(sample_forms.annulled(plain))
    worksheet = openpyxl.load_workbook(BytesIO(printed.content)).active
    assert isinstance(worksheet, Worksheet)

    assert (worksheet["A1"].value, worksheet["A2"].value) == (
        "АННУЛИРОВАН / ANNULLED",
        "сторно № 4 от 23.11.2026: ошибка кладовщика",
    )
    assert worksheet["A1"].font.bold
    assert worksheet["A1"].font.color.rgb.endswith("CC0000")
    assert worksheet.oddHeader.center.text == "АННУЛИРОВАН / ANNULLED"
    assert printed.file_name.endswith("-annulled.xlsx")
    unmarked = sheet_of(plain)
    assert not unmarked.oddHeader.center.text
    assert not any("АННУЛИРОВАН" in text for text in texts(unmarked))
