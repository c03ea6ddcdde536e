"""One typed error hierarchy for everything the library refuses.

Every error carries a stable machine `code`, structured `details` and, for
validation errors, the list of `problems` (field, row, column, value, expected).
Human messages are looked up by code in `messages.py`, in Russian or English.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from attrs import frozen

from custody_core.domain import codes
from custody_core.domain.codes import Code
from custody_core.domain.messages import Expected, place, render

#: Characters of a text a problem echoes back: enough to find the cell, never a whole
#: cell of a hostile file (a 50 MiB cell would otherwise make a 50 MiB message).
ECHOED = 100


def echoed(value: Any) -> Any:
    """`value` as a problem echoes it: text over ECHOED characters cut, an ellipsis at the cut."""
    if isinstance(value, str) and len(value) > ECHOED:
        return value[: ECHOED - 1] + "…"
    return value


@frozen
class Problem:
    """One thing wrong with the input, and where it is; the input's own text (`value`,
    `header`) is kept cut to ECHOED characters."""

    code: Code
    field: str
    value: Any = attrs.field(default=None, converter=echoed)
    #: What was expected, in the catalogue's words (`expect("on_or_before", date=...)`).
    expected: Expected | None = None
    row: int | None = None
    #: A spreadsheet column letter, and `header` the title of that column, if any.
    column: str | None = None
    header: str | None = attrs.field(default=None, converter=echoed)
    #: Why, as one of the catalogue's `causes` ("email.no_at"): the message words it.
    cause: str | None = None
    #: A third-party library's own words, for logs only: never in `details` or a message.
    detail: str | None = None

    def message(self, locale: str = "en", zone: str | None = None) -> str:
        """The message, after "Row 5, column C «Телефон»: " when the problem has a place;
        its instants on the clock of `zone` (UTC by default)."""
        text = render(self.code, locale, self.details(), zone)
        return place(locale, self.row, self.column, self.header) + text

    def details(self) -> dict[str, Any]:
        found = {
            "field": self.field,
            "value": self.value,
            "expected": self.expected,
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "cause": self.cause,
        }
        return {key: value for key, value in found.items() if value is not None}


class CustodyError(Exception):
    """Base of every error the library raises on purpose.

    The details a class names in `_DIAGNOSTIC` are for the operator, not the user:
    they are kept in `diagnostic` and as a note on the exception, which tracebacks and
    logs show, never in `details` or in the message, which may reach any user.
    """

    code: Code = codes.General.ERROR
    _DIAGNOSTIC: tuple[str, ...] = ()

    def __init__(self, code: Code | None = None, /, **details: Any) -> None:
        diagnostic = {key: details.pop(key) for key in self._DIAGNOSTIC if key in details}
        self.code = code or type(self).code
        self.details: Mapping[str, Any] = details
        self.diagnostic: Mapping[str, Any] = diagnostic
        super().__init__(self.message("en"))
        if diagnostic:
            self.add_note("; ".join(f"{key}: {value}" for key, value in diagnostic.items()))

    def message(self, locale: str = "en", zone: str | None = None) -> str:
        """The message in `locale`; its instants on the clock of `zone`, else of the
        `time_zone` detail an error raised for an account carries, else in UTC."""
        return render(self.code, locale, self.details, zone)


class NotFound(CustodyError):
    """The object does not exist, or the principal may not know that it does."""

    code: Code = codes.General.NOT_FOUND


class PermissionDenied(CustodyError):
    code: Code = codes.General.PERMISSION_DENIED


class ValidationError(CustodyError):
    """The input is wrong; `problems` lists every fault found, not just the first."""

    code: Code = codes.General.VALIDATION

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("a ValidationError needs at least one problem")
        super().__init__(self.code, problems=len(self.problems))

    def message(self, locale: str = "en", zone: str | None = None) -> str:
        lines = [problem.message(locale, zone) for problem in self.problems]
        return "; ".join(lines)


class Conflict(CustodyError):
    """The request is well-formed but clashes with the current state."""

    code: Code = codes.General.CONFLICT


class DuplicateDocument(Conflict):
    code: Code = codes.Document.DUPLICATE


class AlreadyReversed(Conflict):
    code: Code = codes.Document.ALREADY_REVERSED


class DocumentReversed(Conflict):
    """A form of a reversed document was asked for by a client: it is void. Staff print
    it marked as annulled."""

    code: Code = codes.Document.REVERSED


class IllegalTransition(Conflict):
    code: Code = codes.Order.ILLEGAL_TRANSITION


class InsufficientStock(Conflict):
    code: Code = codes.Stock.INSUFFICIENT


class StorageError(CustodyError):
    """Storage failed, or cannot be used.

    Where (`location`: a file, or user@host:port/database) and why (`reason`:
    often the driver's words, which name tables, indexes and values) are for
    the operator: they are diagnostic (see CustodyError).
    """

    code: Code = codes.General.STORAGE
    _DIAGNOSTIC = ("location", "reason", "url")


class SchemaTooNew(StorageError):
    code: Code = codes.Storage.SCHEMA_TOO_NEW


class CorruptStorage(StorageError):
    code: Code = codes.Storage.CORRUPT


class StorageBusy(StorageError):
    code: Code = codes.Storage.BUSY


class StorageReadOnly(StorageError):
    """A write tried in a read-only unit of work: a mistake of the caller, refused by the
    backend before anything changed."""

    code: Code = codes.Storage.READ_ONLY


class UnknownBackend(StorageError):
    code: Code = codes.Storage.UNKNOWN_BACKEND


class AuthenticationFailed(CustodyError):
    """Base of the login refusals."""

    code: Code = codes.Auth.INVALID_CREDENTIALS


class InvalidCredentials(AuthenticationFailed):
    """Wrong password or unknown login: the two are never told apart."""

    code: Code = codes.Auth.INVALID_CREDENTIALS


class LoginLocked(AuthenticationFailed):
    code: Code = codes.Auth.LOCKED


class UserDisabled(AuthenticationFailed):
    code: Code = codes.Auth.DISABLED


class NotConnected(AuthenticationFailed):
    code: Code = codes.Auth.NOT_CONNECTED


class SpreadsheetError(CustodyError):
    """A file the spreadsheet readers cannot or will not read; `code` says why
    (`file.not_a_workbook`, `file.encrypted`, `file.unpacked_too_large`, ...), the
    detail `cause` how, and the diagnostic `reason` a library's own words."""

    code: Code = codes.File.UNREADABLE
    _DIAGNOSTIC = ("reason",)


#: The causes the system's error numbers give, in the catalogue's words; any other is an
#: input/output error. A denied permission is told apart for reading and writing.
_FILE_CAUSES = {
    errno.ENOENT: "file.missing",
    errno.EISDIR: "file.is_folder",
    errno.ENOTDIR: "file.not_folder",
    errno.ENOSPC: "file.no_space",
    getattr(errno, "EDQUOT", errno.ENOSPC): "file.no_space",
    errno.EROFS: "file.read_only",
    errno.ENAMETOOLONG: "file.name_too_long",
}
_DENIED = frozenset({errno.EACCES, errno.EPERM})


def file_cause(error: OSError, *, writing: bool = False) -> str:
    """Why a file could not be read or written, as one of the catalogue's `causes`
    ("file.missing", "file.no_write_access", "file.no_space", ...), from the error's
    number: the system's own words (OSError.strerror) may be in any language."""
    number = error.errno or 0
    if number in _DENIED:
        return "file.no_write_access" if writing else "file.no_access"
    return _FILE_CAUSES.get(number, "file.io_error")


def unreadable(file: str, error: OSError) -> SpreadsheetError:
    """`file` could not be read: the cause from the error's number, the system's words
    (which may be in any language) kept as the diagnostic reason."""
    return SpreadsheetError(
        codes.File.UNREADABLE,
        file=file,
        cause=file_cause(error),
        reason=error.strerror or str(error),
    )


class PluginError(CustodyError):
    """A plugin that cannot be loaded or used; the diagnostic `reason` holds the words of
    the library or plugin that failed."""

    code: Code = codes.Plugin.FAILED
    _DIAGNOSTIC = ("reason",)


def invalid(
    code: Code, field: str, value: Any = None, expected: Expected | None = None
) -> ValidationError:
    """Shorthand for a validation error with a single problem."""
    return ValidationError([Problem(code, field, value=value, expected=expected)])


def unstorable() -> ValidationError:
    """What a database's refusal of a value becomes when no check caught it before: the
    input was wrong, though which field is no longer known (the driver's words, which
    name tables and indexes, stay in `__cause__`)."""
    return invalid(codes.Value.NOT_STORABLE, "input")


class RequisitesMissing(ValidationError):
    """A form needs requisites the parties have not filled in; one problem per field."""

    code: Code = codes.Requisites.INCOMPLETE


class RenderError(CustodyError):
    """A form could not be rendered: no renderer for the format, or it cannot draw the kind."""

    code: Code = codes.Form.UNSUPPORTED
