"""Checks the readers run before a library parses a byte, and how they name a failure.

A workbook is refused, with the reason a user can act on, when it is too large,
is not what its name says, is password-protected, or unpacks to more than the
limit or to too many times its own size (a zip bomb).

Zip bombs: the guard sums the members' *declared* uncompressed sizes, which
bounds what the libraries inflate, because both stop at a member's declared
size when its deflate stream lies (checked with a member declaring 2,000 bytes
whose stream inflates to 10 MB):

- Python's zipfile (openpyxl) stops there: `ZipExtFile` counts `_left` down and
  reports end of file; the CRC-32 check then fails (unless forged for the
  prefix, and then the cut XML fails to parse);
- python-calamine 0.9 (Rust `zip` 9.2) raises "File is larger than its declared
  uncompressed size".

The compression ratio is judged on the whole archive (declared sizes over the
file's size): it bounds the work one uploaded byte can ask for, which padding
the archive with other members cannot dilute without uploading the padding.
"""

from __future__ import annotations

import mmap
import struct
import zipfile
from collections.abc import Collection
from pathlib import Path

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]

from custody_core.adapters.spreadsheets.package import Package, find_workbook, part_name
from custody_core.domain import codes
from custody_core.domain.errors import SpreadsheetError, unreadable
from custody_core.ports.spreadsheets import ReadLimits

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
#: Directory names in an OLE file: the workbook stream of .xls (BIFF8, BIFF5), and the
#: stream an encrypted OOXML package is kept in.
_XLS_STREAMS = tuple(name.encode("utf-16-le") for name in ("Workbook", "Book"))
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_KINDS = {
    ".xlsx": "Excel (.xlsx)",
    ".xlsm": "Excel (.xlsm)",
    ".xlsb": "Excel (.xlsb)",
    ".xls": "Excel 97-2003 (.xls)",
    ".ods": "OpenDocument (.ods)",
}
#: Parts a workbook has at fixed places (an .xlsx/.xlsm package's workbook is found, see
#: `package`).
_PARTS = {
    ".xlsx": ("[Content_Types].xml",),
    ".xlsm": ("[Content_Types].xml",),
    ".xlsb": ("[Content_Types].xml", "xl/workbook.bin"),
    ".ods": ("content.xml",),
}
_PACKAGES = frozenset({".xlsx", ".xlsm"})
_REASON_LENGTH = 200
#: An archive unpacking to no more than this is not judged by its compression ratio.
_RATIO_FREE = 1024 * 1024
#: The zip directory's size and members a workbook may declare (see `_check_directory`).
_DIRECTORY = 1024 * 1024
_MEMBERS = 10_000
#: The zip's end of central directory record, the ZIP64 locator, and the ZIP64 record.
_END = struct.Struct("<4s4H2LH")
_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")


def check_suffix(path: Path, suffixes: Collection[str]) -> str:
    """The lower-case suffix of `path`, refused when the reader does not read it."""
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise SpreadsheetError(
            codes.File.UNSUPPORTED, suffix=suffix, known=", ".join(sorted(suffixes))
        )
    return suffix


def check_size(path: Path, limits: ReadLimits, setting: str = "max_file_bytes") -> int:
    """The file's size, refused over `limits.max_file_bytes` (or the limit `setting` names)."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise unreadable(path.name, error) from None
    limit: int = getattr(limits, setting)
    if size > limit:
        raise SpreadsheetError(
            codes.File.TOO_LARGE, file=path.name, size=size, limit=limit, setting=setting
        )
    return size


def check_workbook(
    path: Path, suffix: str, limits: ReadLimits, loads_whole: bool
) -> Package | None:
    """Refuse a workbook whose size, magic bytes or zip directory is wrong; a reader that
    `loads_whole` files also refuses those over `limits.max_loaded_bytes`. An .xlsx or
    .xlsm package's workbook part is found (see `package`) and returned."""
    size = check_size(path, limits)
    if loads_whole:
        check_size(path, limits, "max_loaded_bytes")
    try:
        with path.open("rb") as stream:
            magic = stream.read(len(_OLE_MAGIC))
    except OSError as error:
        raise unreadable(path.name, error) from None
    if magic == _OLE_MAGIC:
        if suffix != ".xls":
            _refuse_ole(path, suffix)
        return None
    if suffix == ".xls":
        raise _not_a_workbook(path, suffix, "file.not_ole")
    if not magic.startswith(_ZIP_MAGIC):
        raise _not_a_workbook(path, suffix, "file.not_zip")
    try:
        _check_directory(path)
        with zipfile.ZipFile(path) as archive:
            return _check_archive(path, suffix, size, archive, limits)
    except _TooManyParts as error:
        raise _malformed(path, "file.too_many_parts", str(error)) from None
    except (zipfile.BadZipFile, OSError) as error:
        raise _malformed(path, "file.damaged", str(error)) from None


def _check_archive(
    path: Path, suffix: str, size: int, archive: zipfile.ZipFile, limits: ReadLimits
) -> Package | None:
    members = archive.infolist()
    names = {part_name(member).lower(): part_name(member) for member in members}
    if len(names) < len(members):
        raise _malformed(path, "file.same_names")
    for part in _PARTS[suffix]:
        if part.lower() not in names:
            raise _not_a_workbook(path, suffix, "file.part_missing", part=part)
    if any(member.flag_bits & 0x1 for member in members):
        raise SpreadsheetError(codes.File.ENCRYPTED, file=path.name)
    _check_unpacked(path, size, sum(member.file_size for member in members), limits)
    if suffix not in _PACKAGES:
        return None
    try:
        package = find_workbook(archive)
    except (DefusedXmlException, SyntaxError) as error:  # SyntaxError: expat's ParseError
        raise malformed(path, error) from None
    except ValueError as error:
        raise _not_a_workbook(path, suffix, "file.no_workbook_part", reason=str(error)) from None
    if package.workbook.lower() not in names:
        raise _not_a_workbook(path, suffix, "file.part_missing", part=package.workbook)
    return package


def _check_directory(path: Path) -> None:
    """Refuse a zip whose central directory declares more than `_DIRECTORY` bytes or
    `_MEMBERS` members, before a zip library reads it: zipfile keeps about 600 bytes
    per member (a 25 MB zip of 300,000 empty members took 170 MiB), Rust's zip an
    entry each too, and a workbook has a few dozen members."""
    with path.open("rb") as stream:
        size = stream.seek(0, 2)
        start = max(size - _END.size - 0xFFFF, 0)
        stream.seek(start)
        tail = stream.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + _END.size > len(tail):
            raise zipfile.BadZipFile("File is not a zip file")
        *_, members, directory, _, _ = _END.unpack_from(tail, at)
        if at >= _LOCATOR.size and tail[at - _LOCATOR.size :].startswith(b"PK\x06\x07"):
            # ZIP64, as zipfile reads it: the locator right before the end record.
            _, _, offset, _ = _LOCATOR.unpack_from(tail, at - _LOCATOR.size)
            stream.seek(offset)
            end64 = stream.read(_END64.size)
            if len(end64) < _END64.size or not end64.startswith(b"PK\x06\x06"):
                raise zipfile.BadZipFile("Corrupt ZIP64 end of central directory")
            *_, members, directory, _ = _END64.unpack(end64)
    if directory > _DIRECTORY or members > _MEMBERS:
        raise _TooManyParts(
            f"its zip directory declares {members:,} members in {directory:,} bytes,"
            f" over {_MEMBERS:,} or {_DIRECTORY:,}: no workbook has that many parts"
        )


def _check_unpacked(path: Path, size: int, unpacked: int, limits: ReadLimits) -> None:
    """Refuse an archive unpacking to more than `max_unpacked_bytes`, or (past 1 MiB) to
    more than `max_compression_ratio` times its own size: a small upload may not ask for
    much work."""
    if unpacked > limits.max_unpacked_bytes:
        raise SpreadsheetError(
            codes.File.UNPACKED_TOO_LARGE,
            file=path.name,
            size=unpacked,
            limit=limits.max_unpacked_bytes,
            setting="max_unpacked_bytes",
        )
    if unpacked > max(limits.max_compression_ratio * size, _RATIO_FREE):
        raise SpreadsheetError(
            codes.File.TOO_COMPRESSED,
            file=path.name,
            size=unpacked,
            ratio=unpacked // max(size, 1),
            limit=limits.max_compression_ratio,
            setting="max_compression_ratio",
        )


def _refuse_ole(path: Path, suffix: str) -> None:
    """An OLE file under a zip format's name is a password-protected package, unless it
    is plainly an .xls workbook renamed (a workbook stream, no encrypted package)."""
    with path.open("rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
        renamed = data.find(_ENCRYPTED_PACKAGE) < 0 and any(
            data.find(name) >= 0 for name in _XLS_STREAMS
        )
    if renamed:
        raise _not_a_workbook(path, suffix, "file.old_excel", suffix=suffix)
    raise SpreadsheetError(codes.File.ENCRYPTED, file=path.name)


def pick_sheet(path: Path, names: list[str], wanted: str | int) -> str:
    """The name of the sheet a request names, or of the one at its 1-based position."""
    if wanted in names or (isinstance(wanted, int) and 1 <= wanted <= len(names)):
        return wanted if isinstance(wanted, str) else names[wanted - 1]
    raise SpreadsheetError(
        codes.Sheet.NOT_FOUND, file=path.name, sheet=wanted, sheets=", ".join(names) or "none"
    )


class _TooManyParts(zipfile.BadZipFile):
    """A zip directory larger than any workbook's (see `_check_directory`)."""


def _not_a_workbook(path: Path, suffix: str, cause: str, /, **details: str) -> SpreadsheetError:
    return SpreadsheetError(
        codes.File.NOT_A_WORKBOOK, file=path.name, expected=_KINDS[suffix], cause=cause, **details
    )


def _malformed(path: Path, cause: str, reason: str | None = None) -> SpreadsheetError:
    """`file.malformed` for `cause`; `reason`, a library's own words, for the logs."""
    words = {} if reason is None else {"reason": reason}
    return SpreadsheetError(codes.File.MALFORMED, file=path.name, cause=cause, **words)


def malformed(path: Path, error: BaseException) -> SpreadsheetError:
    """A library's failure on `path` as the error users see: damaged, or unsafe XML; the
    root cause's words are the diagnostic reason."""
    while error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, DefusedXmlException):
        return _malformed(path, "file.unsafe_xml")
    text = str(error.args[0] if isinstance(error, KeyError) else error).strip().splitlines()
    return _malformed(
        path, "file.damaged", text[0][:_REASON_LENGTH] if text else type(error).__name__
    )
