"""Spreadsheet files built in a test's temporary folder: openpyxl workbooks, the hand-edited
or hostile variants no library writes, and .xls and .xlsb files written record by record
(nothing writes them here). The only binary files committed are two small ones saved by
LibreOffice (tests/files), for what a real writer puts in an .ods and an .xls."""

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


#: Cell records of an Excel 97-2003 sheet: (record type, data), as `xls` writes them.
BiffRecord = tuple[int, bytes]


def biff_number(row: int, column: int, value: float) -> BiffRecord:
    return 0x0203, struct.pack("<3Hd", row, column, 0, value)


def biff_shared(row: int, column: int, index: int) -> BiffRecord:
    """A LABELSST cell: the `index`-th string of the workbook's shared-string table."""
    return 0x00FD, struct.pack("<3HL", row, column, 0, index)


def biff_dimension(
    first_row: int, rows_end: int, first_column: int, columns_end: int
) -> BiffRecord:
    """The sheet's claimed extent: `rows_end` and `columns_end` one past the last."""
    return 0x0200, struct.pack("<2L3H", first_row, rows_end, first_column, columns_end, 0)


def xls(
    path: Path,
    cells: Sequence[BiffRecord],
    strings: Sequence[str] = (),
    name: str = "Лист1",
    dimension: BiffRecord | None = None,
) -> Path:
    """An Excel 97-2003 workbook (BIFF8 in an OLE compound file) of one sheet holding
    `cells`, with `strings` as its shared-string table; the claimed `dimension` defaults
    to none."""

    def record(kind: int, data: bytes) -> bytes:
        return struct.pack("<2H", kind, len(data)) + data

    def bof(kind: int) -> bytes:
        return record(0x0809, struct.pack("<4H2L", 0x0600, kind, 0, 1997, 0, 6))

    sheet_name = name.encode("utf-16-le")
    table = b"".join(
        struct.pack("<HB", len(text), 1) + text.encode("utf-16-le") for text in strings
    )
    sst = record(0x00FC, struct.pack("<2l", len(strings), len(strings)) + table) if strings else b""
    boundsheet_size = 4 + 8 + len(sheet_name)
    globals_size = len(bof(5)) + boundsheet_size + len(sst) + 4
    boundsheet = record(
        0x0085, struct.pack("<L2B2B", globals_size, 0, 0, len(name), 1) + sheet_name
    )
    stream = bof(5) + boundsheet + sst + record(0x000A, b"")
    stream += bof(0x10) + (record(*dimension) if dimension else b"")
    stream += b"".join(record(kind, data) for kind, data in cells) + record(0x000A, b"")
    path.write_bytes(_compound_file({"Workbook": stream.ljust(4096, b"\0")}))
    return path


def _compound_file(streams: Mapping[str, bytes]) -> bytes:
    """An OLE compound file (version 3, 512-byte sectors) holding `streams` of 4,096 bytes
    or more each (smaller ones would belong in the mini stream, not written here)."""
    sector = 512
    end, free, fat_mark, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    data_sectors = [-(-len(data) // sector) for data in streams.values()]
    fat_sectors = 1
    while fat_sectors * sector // 4 < fat_sectors + 1 + sum(data_sectors):
        fat_sectors += 1
    fat = [fat_mark] * fat_sectors + [end]  # then the directory's one sector
    entries = [_directory_entry("Root Entry", 5, child=1 if streams else none, start=end, size=0)]
    for index, ((name, data), count) in enumerate(zip(streams.items(), data_sectors, strict=True)):
        start = len(fat)
        fat += [*range(start + 1, start + count), end]
        right = index + 2 if index + 1 < len(streams) else none
        entries.append(_directory_entry(name, 2, right=right, start=start, size=len(data)))
    fat += [free] * (fat_sectors * sector // 4 - len(fat))
    directory = b"".join(entries).ljust(sector, b"\0")
    header = struct.pack(
        "<8s16s5H6s9L",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x3E, 3, 0xFFFE, 9, 6, bytes(6),
        0, fat_sectors, fat_sectors, 0, 4096, end, 0, end, 0,
    )  # fmt: skip
    difat = [*range(fat_sectors), *[free] * (109 - fat_sectors)]
    header += struct.pack("<109L", *difat)
    body = struct.pack(f"<{len(fat)}L", *fat) + directory
    body += b"".join(
        data.ljust(count * sector, b"\0")
        for data, count in zip(streams.values(), data_sectors, strict=True)
    )
    return header + body


def _directory_entry(
    name: str, kind: int, *, child: int = 0xFFFFFFFF, right: int = 0xFFFFFFFF, start: int, size: int
) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return struct.pack(
        "<64sH2B3L16sL16sLQ",
        encoded, len(encoded), kind, 1, 0xFFFFFFFF, right, child, bytes(16), 0, bytes(16),
        start, size,
    )  # fmt: skip


def xlsb_record(kind: int, data: bytes = b"") -> bytes:
    """An Excel binary (.xlsb) record: its type and size as 7-bit groups, then its data."""

    def groups(value: int) -> bytes:
        out = bytearray()
        while True:
            out.append(value & 0x7F | (0x80 if value > 0x7F else 0))
            value >>= 7
            if not value:
                return bytes(out)

    return groups(kind) + groups(len(data)) + data


def xlsb_row(row: int) -> bytes:
    return xlsb_record(0x0000, struct.pack("<LL", row, 0) + bytes(9))


def xlsb_number(column: int, value: float) -> bytes:
    return xlsb_record(0x0005, struct.pack("<LLd", column, 0, value))


def xlsb_shared(column: int, index: int) -> bytes:
    return xlsb_record(0x0007, struct.pack("<LLL", column, 0, index))


def _wide(text: str) -> bytes:
    return struct.pack("<L", len(text)) + text.encode("utf-16-le")


def xlsb(
    path: Path,
    cells: Sequence[bytes],
    strings: Sequence[str] = (),
    dimension: tuple[int, int, int, int] = (0, 0, 0, 0),
    name: str = "Лист1",
) -> Path:
    """An Excel binary workbook of one sheet holding `cells` (records made by `xlsb_row`,
    `xlsb_number`, `xlsb_shared`), `strings` as its shared strings, claiming `dimension`
    (first row, last row, first column, last column)."""
    first_row, last_row, first_column, last_column = dimension
    book = (
        xlsb_record(0x0083)
        + xlsb_record(0x008F)
        + xlsb_record(0x009C, struct.pack("<LL", 0, 1) + _wide("rId1") + _wide(name))
        + xlsb_record(0x0090)
        + xlsb_record(0x009D, bytes(26))
        + xlsb_record(0x0084)
    )
    sheet = (
        xlsb_record(0x0081)
        + xlsb_record(0x0094, struct.pack("<4L", first_row, last_row, first_column, last_column))
        + xlsb_record(0x0091)
        + b"".join(cells)
        + xlsb_record(0x0092)
        + xlsb_record(0x0082)
    )
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            b'.org/package/2006/content-types"><Default Extension="bin" ContentType="application/'
            b'vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>'
        ),
        "xl/workbook.bin": book,
        "xl/_rels/workbook.bin.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            b'//schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            b'Target="worksheets/sheet1.bin"/></Relationships>'
        ),
        "xl/worksheets/sheet1.bin": sheet,
    }
    if strings:
        items = b"".join(xlsb_record(0x0013, b"\0" + _wide(text)) for text in strings)
        count = struct.pack("<LL", len(strings), len(strings))
        parts["xl/sharedStrings.bin"] = xlsb_record(0x009F, count) + items + xlsb_record(0x00A0)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    return path


#: The namespaces of a transitional package, and of a Strict OOXML one.
TRANSITIONAL = {
    "main": MAIN_NS,
    "relationships": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
STRICT = {
    "main": "http://purl.oclc.org/ooxml/spreadsheetml/main",
    "relationships": "http://purl.oclc.org/ooxml/officeDocument/relationships",
}
PACKAGE_ROWS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1"><v>1</v></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>b</t></is></c><c r="B2"><v>2</v></c></row>'
)


def package(
    path: Path,
    workbook_part: str = "xl/workbook.xml",
    *,
    rows_xml: str = PACKAGE_ROWS,
    namespaces: Mapping[str, str] = TRANSITIONAL,
    target: str | None = None,
    separator: str = "/",
    strings: Sequence[str] = (),
) -> Path:
    """A minimal valid .xlsx package written part by part: content types, the package's
    relationships naming `workbook_part` (as `target`, its name by default), the workbook,
    its relationships, one sheet "Data" holding `rows_xml` beside it in `worksheets/`,
    and `strings` as the shared strings beside it; member names joined by `separator`."""
    folder, name = workbook_part.rsplit("/", 1)
    main, relationships = namespaces["main"], namespaces["relationships"]
    package_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
            '/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/{workbook_part}" '
            f'ContentType="{kind}.sheet.main+xml"/><Override PartName="/{folder}/worksheets/'
            f'sheet1.xml" ContentType="{kind}.worksheet+xml"/><Override PartName="/{folder}/'
            f'sharedStrings.xml" ContentType="{kind}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package_ns}">'
            f'<Relationship Id="rId1" Type="{relationships}/officeDocument" '
            f'Target="{target or workbook_part}"/></Relationships>'
        ),
        workbook_part: (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="'
            f'{relationships}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>"
        ),
        f"{folder}/_rels/{name}.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package_ns}">'
            f'<Relationship Id="rId1" Type="{relationships}/worksheet" '
            'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{relationships}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        f"{folder}/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>'
            f"{rows_xml}</sheetData></worksheet>"
        ),
        f"{folder}/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}">'
            + "".join(f"<si><t>{text}</t></si>" for text in strings)
            + "</sst>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, xml in parts.items():
            archive.writestr(part.replace("/", separator), xml)
    return path
