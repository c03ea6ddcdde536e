"""Where an Office Open XML package (.xlsx, .xlsm) keeps its workbook, found as the
standard has it: through the package's relationships (`_rels/.rels`), its officeDocument
relationship naming the workbook part, wherever it is.

A package's member names are read with `\\` as `/` (some writers keep Windows paths;
python-calamine reads them so). A Strict OOXML package (saved by Excel as "Strict Open
XML Spreadsheet") names its relationships, and every part its elements, under
`http://purl.oclc.org/ooxml/` rather than `http://schemas.openxmlformats.org/`:
openpyxl reads none of it, python-calamine (matching local names) reads it all.
"""

from __future__ import annotations

import posixpath
import zipfile

from attrs import frozen
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

#: The workbook's place when a package has no relationships part (openpyxl reads it so).
DEFAULT_WORKBOOK = "xl/workbook.xml"
RELATIONSHIPS = "_rels/.rels"
_OFFICE_DOCUMENT = "/officeDocument"
_STRICT = "http://purl.oclc.org/ooxml/"
#: More than any package's relationships part (a few hundred bytes); it is parsed whole.
_RELATIONSHIPS_BYTES = 1 << 20


@frozen
class Package:
    """The workbook part's name (with `/`), and whether the package is Strict OOXML."""

    workbook: str
    strict: bool


def part_name(member: zipfile.ZipInfo) -> str:
    """A member's part name, with `\\` read as `/`."""
    return member.filename.replace("\\", "/")


def find_workbook(archive: zipfile.ZipFile) -> Package:
    """The package's workbook part, named by `_rels/.rels` (`xl/workbook.xml` without it).

    Raises ValueError, naming what is wrong, for a relationships part that names no
    workbook or is too large to be one.
    """
    members = {part_name(member): member for member in archive.infolist()}
    relationships = members.get(RELATIONSHIPS)
    if relationships is None:
        return Package(DEFAULT_WORKBOOK, strict=False)
    if relationships.file_size > _RELATIONSHIPS_BYTES:
        raise ValueError(f"its {RELATIONSHIPS} is over {_RELATIONSHIPS_BYTES:,} bytes")
    for element in fromstring(archive.read(relationships)).iter():
        kind = element.get("Type", "")
        target = element.get("Target")
        if element.tag.endswith("Relationship") and kind.endswith(_OFFICE_DOCUMENT) and target:
            workbook = posixpath.normpath(target.replace("\\", "/").lstrip("/"))
            return Package(workbook, strict=kind.startswith(_STRICT))
    raise ValueError(f"its {RELATIONSHIPS} names no workbook part")
