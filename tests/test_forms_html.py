"""The html renderer prints every field of the four forms, page by page, client text as text.

The output is parsed (it is well-formed enough for the standard XML parser)
and compared with the form value; printed numbers are read back into
Decimals, so expectations never come from the renderer's own formatting.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import attrs
import pytest
from jinja2 import DictLoader

from custody_core.adapters.printing.formatting import money, quantity
from custody_core.adapters.printing.html import HtmlRenderer
from custody_core.domain.forms import Form, FormKind, GoodsForm, GoodsLine, ServicesForm
from custody_core.domain.requisites import Requisites
from custody_core.domain.vat import Vat, VatMode
from custody_core.plugins import Plugins
from custody_core.testing import sample_forms
from custody_core.testing.sample_forms import HOSTILE
from printed_forms import html_pages

NBSP = "\u00a0"
MONEY = re.compile(r"^\d{1,3}(?:\u00a0\d{3})*,\d{2}$")
QUANTITY = re.compile(r"^\d{1,3}(?:\u00a0\d{3})*(?:,\d*[1-9])?$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
PARTY_FIELDS = ("name", "inn", "kpp", "address", "phone", "fax")
BANK_FIELDS = ("bank", "bik", "correspondent_account", "settlement_account")
#: Decimals a quantity in the sample units may have.
SCALES = {"шт": 0, "кг": 3}
SIGNATURE_ROLES = {
    FormKind.MX1: ("Сдал", "Принял"),
    FormKind.MX3: ("Сдал", "Получил"),
    FormKind.ACT: ("Исполнитель", "Заказчик"),
    FormKind.INVOICE: ("Руководитель", "Бухгалтер"),
}
FILE_NAMES = {
    FormKind.MX1: "mx1-2026-1.html",
    FormKind.MX3: "mx3-2026-2.html",
    FormKind.ACT: "act-2026-3.html",
    FormKind.INVOICE: "invoice-2026-3.html",
}
PRINTED_DATES = {
    FormKind.MX1: "02.11.2026",
    FormKind.MX3: "20.11.2026",
    FormKind.ACT: "20 ноября 2026 г.",
    FormKind.INVOICE: "20 ноября 2026 г.",
}
DUE_LABELS = {FormKind.ACT: "Всего:", FormKind.INVOICE: "Всего к оплате:"}


def sample(kind: FormKind, count: int = 3) -> Form:
    if kind is FormKind.MX1:
        return sample_forms.mx1(count)
    if kind is FormKind.MX3:
        return sample_forms.mx3(count)
    return sample_forms.services(kind, count)


def render(form: Form) -> ET.Element:
    return ET.fromstring(HtmlRenderer().render(form).content.decode("utf-8"))


def text(element: ET.Element) -> str:
    return "".join(element.itertext())


def all_fields(root: ET.Element, name: str) -> list[str]:
    return [text(element) for element in root.iter() if element.get("data-field") == name]


def field(root: ET.Element, name: str) -> str:
    """The text of field `name`; a field printed in several places prints the same."""
    values = set(all_fields(root, name))
    assert len(values) == 1, (name, values)
    return values.pop()


def cell(row: ET.Element, column: str) -> str:
    found = [text(td) for td in row if td.get("data-col") == column]
    assert len(found) == 1, (column, found)
    return found[0]


def rows(root: ET.Element, css_class: str) -> list[ET.Element]:
    return [row for row in root.iter("tr") if row.get("class") == css_class]


def total_row(root: ET.Element, total: str) -> ET.Element:
    found = [row for row in root.iter("tr") if row.get("data-total") == total]
    assert len(found) == 1, total
    return found[0]


def sections(root: ET.Element) -> list[ET.Element]:
    return [section for section in root.iter("section") if section.get("class") == "page"]


def printed_money(printed: str) -> Decimal:
    assert MONEY.match(printed), printed
    return Decimal(printed.replace(NBSP, "").replace(",", "."))


def printed_quantity(printed: str) -> Decimal:
    assert QUANTITY.match(printed), printed
    return Decimal(printed.replace(NBSP, "").replace(",", "."))


def words(root: ET.Element) -> str:
    return " ".join(text(root).split())


def test_money_has_grouped_roubles_and_two_kopeck_digits() -> None:
    assert money(Decimal("1234.5")) == f"1{NBSP}234,50"
    assert money(Decimal("1234567.89")) == f"1{NBSP}234{NBSP}567,89"
    assert money(Decimal("0")) == "0,00"
    assert money(Decimal("999.99")) == "999,99"


def test_quantity_has_no_trailing_zeros() -> None:
    assert quantity(Decimal("3.125")) == "3,125"
    assert quantity(Decimal("2.000")) == "2"
    assert quantity(Decimal("0.100")) == "0,1"
    assert quantity(Decimal("12500")) == f"12{NBSP}500"


@pytest.mark.parametrize("kind", list(FormKind))
def test_a_form_is_a_utf8_html5_document_named_by_kind_year_and_number(kind: FormKind) -> None:
    rendered = HtmlRenderer().render(sample(kind))
    assert rendered.media_type == "text/html; charset=utf-8"
    assert rendered.file_name == FILE_NAMES[kind]
    assert rendered.content.startswith(b"<!DOCTYPE html>")
    root = ET.fromstring(rendered.content.decode("utf-8"))
    assert root.find("head/meta").get("charset") == "utf-8"
    orientation = "landscape" if kind in (FormKind.MX1, FormKind.MX3) else "portrait"
    assert f"size: A4 {orientation}" in text(root.find("head/style"))


@pytest.mark.parametrize("kind", list(FormKind))
def test_the_header_prints_number_date_title_basis_and_both_parties(kind: FormKind) -> None:
    form = sample(kind)
    root = render(form)
    header = form.header
    assert field(root, "number") == str(header.number)
    assert field(root, "date") == PRINTED_DATES[kind]
    assert field(root, "title") == header.title
    assert field(root, "basis") == "Договор № ОХ-7 от 15.01.2026"
    assert field(root, "source") == header.source
    for side, requisites in (("executor", header.executor), ("customer", header.customer)):
        for name in PARTY_FIELDS:
            value = getattr(requisites, name)
            assert set(all_fields(root, f"{side}.{name}")) == ({value} if value else set())


@pytest.mark.parametrize("kind", [FormKind.MX1, FormKind.MX3])
def test_the_unified_forms_print_their_approval_codes_and_storage(kind: FormKind) -> None:
    form = sample(kind)
    assert isinstance(form, GoodsForm)
    root = render(form)
    unified = "МХ-1" if kind is FormKind.MX1 else "МХ-3"
    assert f"Унифицированная форма № {unified}" in words(root)
    assert "Утверждена постановлением Госкомстата России от 09.08.99 № 66" in words(root)
    assert field(root, "okud") == ("0335001" if kind is FormKind.MX1 else "0335003")
    assert field(root, "executor.okpo") == "12345678"
    assert field(root, "customer.okpo") == ""
    assert field(root, "warehouse") == "Основной склад"
    assert field(root, "storage_term") == "по договору"
    assert "Хранитель" in words(root)
    assert "Поклажедатель" in words(root)


def test_the_invoice_prints_the_bank_block_of_the_recipient() -> None:
    form = sample(FormKind.INVOICE)
    root = render(form)
    bank = form.header.executor.bank
    assert bank is not None
    for name in BANK_FIELDS:
        assert field(root, f"executor.bank.{name}") == getattr(bank, name)
    for label in ("Банк получателя", "БИК", "Сч. №", "Получатель"):
        assert label in words(root)
    assert "Счет на оплату № 3 от 20 ноября 2026 г." in words(root)


def test_the_act_prints_the_clause_of_services_rendered_in_full() -> None:
    root = render(sample(FormKind.ACT))
    assert "Акт об оказании услуг № 3 от 20 ноября 2026 г." in words(root)
    assert (
        "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объему,"
        " качеству и срокам оказания услуг не имеет."
    ) in words(root)


@pytest.mark.parametrize("kind", list(FormKind))
def test_every_line_prints_every_column(kind: FormKind) -> None:
    form = sample(kind, 7)
    printed = rows(render(form), "line")
    assert len(printed) == len(form.lines) == 7
    for row, line in zip(printed, form.lines, strict=True):
        assert cell(row, "position") == str(line.position)
        assert printed_quantity(cell(row, "quantity")) == line.quantity
        assert printed_money(cell(row, "price")) == line.price
        assert printed_money(cell(row, "amount")) == line.amount
        assert cell(row, "unit") == line.unit
        if isinstance(line, GoodsLine):
            assert cell(row, "name") == line.name
            assert cell(row, "code") == line.code
            assert cell(row, "okei") == line.okei
            assert cell(row, "characteristics") == line.characteristics
            assert cell(row, "note") == line.note
            decimals = cell(row, "quantity").partition(",")[2]
            assert len(decimals) <= SCALES[line.unit]
        else:
            assert cell(row, "name") == line.service


@pytest.mark.parametrize("kind", [FormKind.MX1, FormKind.MX3])
def test_the_unified_forms_total_each_page_and_the_whole_act(kind: FormKind) -> None:
    form = sample(kind, 40)
    assert isinstance(form, GoodsForm)
    root = render(form)
    for section, page in zip(sections(root), form.pages, strict=True):
        lines = rows(section, "line")
        page_total = total_row(section, "page")
        assert printed_money(cell(page_total, "amount")) == page.amount
        assert printed_money(cell(page_total, "amount")) == sum(
            printed_money(cell(row, "amount")) for row in lines
        )
        assert printed_quantity(cell(page_total, "quantity")) == sum(
            printed_quantity(cell(row, "quantity")) for row in lines
        )
    whole = total_row(root, "form")
    assert "Всего по акту" in text(whole)
    assert printed_quantity(cell(whole, "quantity")) == form.quantity
    assert printed_money(cell(whole, "amount")) == form.amount
    assert field(root, "quantity_in_words") == form.quantity_in_words
    assert field(root, "amount_in_words") == form.amount_in_words


def test_mx3_prints_the_storage_services_with_their_vat() -> None:
    form = sample_forms.mx3(3)
    assert form.services_totals is not None
    root = render(form)
    (service,) = rows(root, "service")
    (line,) = form.services
    assert cell(service, "name") == "Хранение"
    assert cell(service, "code") == line.code
    assert cell(service, "unit") == line.unit
    assert printed_quantity(cell(service, "quantity")) == line.quantity
    assert printed_money(cell(service, "price")) == line.price
    assert printed_money(cell(service, "amount")) == line.amount
    assert field(root, "vat.label") == "В том числе НДС 20%"
    for total in ("amount", "vat", "due"):
        printed = cell(total_row(root, total), "amount")
        assert printed_money(printed) == getattr(form.services_totals, total)
    assert field(root, "services_in_words") == form.services_in_words


@pytest.mark.parametrize("kind", [FormKind.ACT, FormKind.INVOICE])
def test_the_act_and_invoice_print_totals_vat_count_and_words(kind: FormKind) -> None:
    form = sample(kind, 4)
    assert isinstance(form, ServicesForm)
    root = render(form)
    assert not [row for row in root.iter("tr") if row.get("data-total") == "page"]
    for total in ("amount", "vat", "due"):
        printed = cell(total_row(root, total), "amount")
        assert printed_money(printed) == getattr(form.totals, total)
    assert DUE_LABELS[kind] in text(total_row(root, "due"))
    assert field(root, "vat.label") == "НДС 20%"
    assert field(root, "count") == "4"
    assert printed_money(field(root, "due")) == form.totals.due
    assert field(root, "amount_in_words") == form.amount_in_words
    counted = "Всего наименований 4" if kind is FormKind.INVOICE else "Всего оказано услуг 4"
    assert counted in words(root)


@pytest.mark.parametrize(
    ("vat", "label", "printed"),
    [
        (Vat(), "Без налога (НДС)", "—"),
        # Lines of 351, 704 and 1059 roubles: 58,50 + 117,33 + 176,50.
        (Vat(VatMode.INCLUDED, 20), "В том числе НДС 20%", "352,33"),
        # 77,22 + 154,88 + 232,98.
        (Vat(VatMode.ON_TOP, 22), "НДС 22%", "465,08"),
    ],
)
def test_the_vat_line_names_the_mode_and_rate(vat: Vat, label: str, printed: str) -> None:
    root = render(sample_forms.services(FormKind.INVOICE, 3, vat=vat))
    assert field(root, "vat.label") == label
    assert cell(total_row(root, "vat"), "amount") == printed


@pytest.mark.parametrize("kind", list(FormKind))
def test_both_signature_places_print_position_and_name(kind: FormKind) -> None:
    form = sample(kind)
    root = render(form)
    places = [element for element in root.iter() if element.get("class") == "signature"]
    assert tuple(place.get("data-role") for place in places) == SIGNATURE_ROLES[kind]
    for place, signature in zip(places, form.signatures, strict=True):
        assert field(place, "position") == signature.position
        assert field(place, "name") == signature.name
        assert signature.name


@pytest.mark.parametrize("kind", list(FormKind))
def test_each_model_page_is_a_section_with_its_own_table_head(kind: FormKind) -> None:
    form = sample(kind, 300)
    root = render(form)
    printed = sections(root)
    assert len(printed) == len(form.pages) > 1
    for section, page in zip(printed, form.pages, strict=True):
        assert section.get("data-page") == str(page.number)
        assert section.find("table/thead") is not None
        positions = [cell(row, "position") for row in rows(section, "line")]
        assert positions == [str(line.position) for line in page.lines]
    first, *others = printed
    assert all_fields(first, "title")
    assert not any(all_fields(section, "title") for section in others)
    last_total = "form" if kind in (FormKind.MX1, FormKind.MX3) else "due"
    with_total = [
        section
        for section in printed
        if any(row.get("data-total") == last_total for row in section.iter("tr"))
    ]
    assert with_total == printed[-1:]


def hostile_forms() -> list[Form]:
    """Forms whose lines cycle through every hostile string, and a hostile customer."""
    services = [sample_forms.services(kind, 30) for kind in (FormKind.ACT, FormKind.INVOICE)]
    forms: list[Form] = [sample_forms.mx1(12, hostile=True), sample_forms.mx3(12, hostile=True)]
    return [
        attrs.evolve(form, header=attrs.evolve(form.header, customer=Requisites(HOSTILE[4])))
        for form in [*forms, *services]
    ]


@pytest.mark.parametrize("form", hostile_forms(), ids=lambda form: form.header.kind.value)
def test_client_text_prints_as_text(form: Form) -> None:
    content = HtmlRenderer().render(form).content
    root = ET.fromstring(content.decode("utf-8"))
    names = {cell(row, "name") for row in rows(root, "line")}
    expected = {*HOSTILE[:5], "Bell  and  escape"}
    assert expected <= names
    assert field(root, "customer.name") == "<script>alert('x')</script>"
    assert root.find(".//script") is None
    assert b"&lt;script&gt;" in content
    assert not CONTROL.search(content.decode("utf-8"))


def test_an_html_renderer_is_registered_for_every_kind() -> None:
    renderer = Plugins(entry_points=False).renderer("html", {})
    assert renderer.kinds == frozenset(FormKind)


def test_given_templates_add_a_letterhead_and_a_style_sheet() -> None:
    branding = DictLoader(
        {"letterhead.html.j2": '<p id="letterhead">ACME</p>', "brand.css": "h1 { color: red; }"}
    )
    form = sample(FormKind.INVOICE, 60)
    content = HtmlRenderer(templates=branding).render(form).content.decode("utf-8")
    root = ET.fromstring(content)
    letterheads = [
        section for section in sections(root) if section.find("p[@id='letterhead']") is not None
    ]
    assert letterheads == sections(root)[:1]
    assert "h1 { color: red; }" in text(root.find("head/style"))


@pytest.mark.parametrize("kind", list(FormKind))
def test_an_annulled_form_opens_every_page_with_its_stamp_and_reversal(kind: FormKind) -> None:
    plain = sample(kind, 25)
    printed = HtmlRenderer().render(sample_forms.annulled(plain))

    pages = html_pages(printed)
    assert len(pages) == len(plain.pages) == 2
    assert all(
        page.startswith("АННУЛИРОВАН / ANNULLED сторно № 4 от 23.11.2026: ошибка кладовщика")
        for page in pages
    ), pages
    assert "<title>АННУЛИРОВАН / ANNULLED: " in printed.content.decode("utf-8")
    assert printed.file_name == FILE_NAMES[kind].replace(".html", "-annulled.html")
    assert not any("АННУЛИРОВАН" in page for page in html_pages(HtmlRenderer().render(plain)))
