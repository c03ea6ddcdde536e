"""One typed error hierarchy for everything the library refuses.

Every error carries a stable machine `code`, structured `details` and, for
validation errors, the list of `problems` (field, row, column, value, expected).
Human messages are looked up by code in `messages.py`, in Russian or English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from attrs import frozen

from custody_core.domain.messages import place, render


@frozen
class Problem:
    """One thing wrong with the input, and where it is."""

    code: str
    field: str
    value: Any = None
    expected: str | None = None
    row: int | None = None
    #: A spreadsheet column letter, and `header` the title of that column, if any.
    column: str | None = None
    header: str | None = None

    def message(self, locale: str = "en") -> str:
        """The message, after "Row 5, column C «Телефон»: " when the problem has a place."""
        text = render(self.code, locale, self.details())
        return place(locale, self.row, self.column, self.header) + text

    def details(self) -> dict[str, Any]:
        found = {
            "field": self.field,
            "value": self.value,
            "expected": self.expected,
            "row": self.row,
            "column": self.column,
            "header": self.header,
        }
        return {key: value for key, value in found.items() if value is not None}


class CustodyError(Exception):
    """Base of every error the library raises on purpose."""

    code = "error"
    #: Set (never shown) when the input named an object of a counterparty the principal
    #: may not see: the error reads as if it did not exist, the audit log records a denial.
    hidden_owner: UUID | None = None

    def __init__(self, code: str | None = None, /, **details: Any) -> None:
        self.code = code or type(self).code
        self.details: Mapping[str, Any] = details
        super().__init__(self.message("en"))

    def message(self, locale: str = "en") -> str:
        return render(self.code, locale, self.details)


class NotFound(CustodyError):
    """The object does not exist, or the principal may not know that it does."""

    code = "not_found"


class PermissionDenied(CustodyError):
    code = "permission_denied"


class ValidationError(CustodyError):
    """The input is wrong; `problems` lists every fault found, not just the first."""

    code = "validation"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("a ValidationError needs at least one problem")
        super().__init__(self.code, problems=len(self.problems))

    def message(self, locale: str = "en") -> str:
        lines = [problem.message(locale) for problem in self.problems]
        return "; ".join(lines)


class Conflict(CustodyError):
    """The request is well-formed but clashes with the current state."""

    code = "conflict"


class DuplicateDocument(Conflict):
    code = "document.duplicate"


class AlreadyReversed(Conflict):
    code = "document.already_reversed"


class IllegalTransition(Conflict):
    code = "order.illegal_transition"


class InsufficientStock(Conflict):
    code = "stock.insufficient"


class StorageError(CustodyError):
    code = "storage"


class SchemaTooNew(StorageError):
    code = "storage.schema_too_new"


class CorruptStorage(StorageError):
    code = "storage.corrupt"


class StorageBusy(StorageError):
    code = "storage.busy"


class StorageReadOnly(StorageError):
    """A write tried in a read-only unit of work: a mistake of the caller, refused by the
    backend before anything changed."""

    code = "storage.read_only"


class UnknownBackend(StorageError):
    code = "storage.unknown_backend"


class AuthenticationFailed(CustodyError):
    """Base of the login refusals."""

    code = "auth.invalid_credentials"


class InvalidCredentials(AuthenticationFailed):
    """Wrong password or unknown login: the two are never told apart."""

    code = "auth.invalid_credentials"


class LoginLocked(AuthenticationFailed):
    code = "auth.locked"


class UserDisabled(AuthenticationFailed):
    code = "auth.disabled"


class NotConnected(AuthenticationFailed):
    code = "auth.not_connected"


class SpreadsheetError(CustodyError):
    """A file the spreadsheet readers cannot or will not read; `code` says why
    (`file.not_a_workbook`, `file.encrypted`, `file.unpacked_too_large`, ...)."""

    code = "file.unreadable"


class PluginError(CustodyError):
    code = "plugin.failed"


def invalid(
    code: str, field: str, value: Any = None, expected: str | None = None
) -> ValidationError:
    """Shorthand for a validation error with a single problem."""
    return ValidationError([Problem(code, field, value=value, expected=expected)])


class RequisitesMissing(ValidationError):
    """A form needs requisites the parties have not filled in; one problem per field."""

    code = "requisites.incomplete"


class RenderError(CustodyError):
    """A form could not be rendered: no renderer for the format, or it cannot draw the kind."""

    code = "form.unsupported"
