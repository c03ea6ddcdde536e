"""Spreadsheet files built in a test's temporary folder: openpyxl workbooks, and the
hand-edited or hostile variants no library writes (no binary fixture is committed)."""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: A DTD whose last entity expands to 10**9 "lol"s (3 GB) if a parser lets it.
BILLION_LAUGHS = (
    '<!DOCTYPE bomb [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    + "]>"
)


def workbook(
    path: Path,
    rows: Sequence[Sequence[object]] = (),
    title: str = "Лист1",
    more: Mapping[str, Sequence[Sequence[object]]] | None = None,
) -> Path:
    """A workbook saved by openpyxl: `rows` on sheet `title`, then the sheets of `more`."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for name, extra in (more or {}).items():
        added = book.create_sheet(name)
        for row in extra:
            added.append(list(row))
    book.save(path)
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path: Path, changed: Mapping[str, bytes | None]) -> Path:
    """The zip at `path` with members replaced, added, or (None) removed."""
    content = {**members(path), **changed}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            if data is not None:
                archive.writestr(name, data)
    return path


def edit_sheet(path: Path, edit: Callable[[str], str]) -> Path:
    return rewrite(path, {SHEET: edit(members(path)[SHEET].decode()).encode()})


def sheet_data(path: Path, rows_xml: str, dimension: str | None = "A1") -> Path:
    """Replace sheet 1's `<sheetData>` with `rows_xml`, and its dimension (None drops it)."""
    claimed = "" if dimension is None else f'<dimension ref="{dimension}" />'

    def edit(xml: str) -> str:
        xml = re.sub(r"<dimension [^>]*/>", lambda _: claimed, xml)
        data = f"<sheetData>{rows_xml}</sheetData>"
        return re.sub(r"<sheetData>.*</sheetData>|<sheetData ?/>", lambda _: data, xml, flags=re.S)

    return edit_sheet(path, edit)


def shared_strings(path: Path, strings: Sequence[str]) -> Path:
    """Add a shared-string table (openpyxl writes inline strings only) holding `strings` raw."""
    parts = members(path)
    table = "".join(f"<si><t>{text}</t></si>" for text in strings)
    return rewrite(
        path,
        {
            "xl/sharedStrings.xml": f'<sst xmlns="{MAIN_NS}">{table}</sst>'.encode(),
            "[Content_Types].xml": parts["[Content_Types].xml"].replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            ),
            "xl/_rels/workbook.xml.rels": parts["xl/_rels/workbook.xml.rels"].replace(
                b"</Relationships>",
                b'<Relationship Id="rId99" Target="sharedStrings.xml" Type="http://schemas.'
                b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
                b"</Relationships>",
            ),
        },
    )


def cache_formulas(path: Path, cached: Mapping[str, tuple[str | None, str]]) -> Path:
    """Give openpyxl's formula cells (`<f>..</f><v />`) cached values: cell -> (type, value)."""

    def cache(match: re.Match[str]) -> str:
        cell, attributes, formula = match.groups()
        if cell not in cached:
            return match.group(0)
        kind, value = cached[cell]
        typed = f' t="{kind}"' if kind else ""
        return f'<c r="{cell}"{attributes}{typed}><f>{formula}</f><v>{value}</v></c>'

    return edit_sheet(
        path, lambda xml: re.sub(r'<c r="(\w+)"([^>]*)><f>(.*?)</f><v ?/></c>', cache, xml)
    )


def patch_member(
    path: Path, member: str, *, size: int | None = None, flags: int = 0, method: int | None = None
) -> Path:
    """Lie in the zip's headers about `member`: its uncompressed `size`, extra flag bits,
    its compression `method`."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(member).header_offset
    headers = [(offset, 6)]  # local header: flags at 6, method at 8, size at 22
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == member.encode():
            headers.append((at, 8))  # central directory: everything 2 bytes further
        at = data.find(b"PK\x01\x02", at + 4)
    for start, flags_at in headers:
        old_flags = struct.unpack_from("<H", data, start + flags_at)[0]
        struct.pack_into("<H", data, start + flags_at, old_flags | flags)
        if method is not None:
            struct.pack_into("<H", data, start + flags_at + 2, method)
        if size is not None:
            struct.pack_into("<I", data, start + flags_at + 16, size)
    path.write_bytes(bytes(data))
    return path


def ods(path: Path, rows_xml: str, name: str = "Лист1") -> Path:
    """A minimal OpenDocument spreadsheet whose one table holds `rows_xml`."""
    namespaces = " ".join(
        f'xmlns:{prefix}="urn:oasis:names:tc:opendocument:xmlns:{urn}:1.0"'
        for prefix, urn in (("office", "office"), ("table", "table"), ("text", "text"))
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {namespaces} '
        f'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="{name}">'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path
