"""The audit log: who did what, when, on whose data, and what was refused.

An entry's texts come from input (a login tried, a file's name, a code), so
the entry itself makes them safe to show, whatever path built it: a control
character is written as its escape (a line break cannot forge a line, an
ANSI escape cannot recolour a terminal) and a text is cut at `MAX_TEXT`.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from attrs import field, frozen

from custody_core.domain.text import escaped

#: The longest text an entry keeps (in characters, after escaping); longer is cut.
MAX_TEXT = 1000


class Outcome(enum.StrEnum):
    DONE = "done"
    DENIED = "denied"


def shown(text: str) -> str:
    """`text` as an entry keeps it: control characters escaped, cut at `MAX_TEXT`."""
    safe = escaped(text)
    return safe if len(safe) <= MAX_TEXT else safe[: MAX_TEXT - 1] + "…"


def optional_shown(text: str | None) -> str | None:
    return None if text is None else shown(text)


@frozen
class AuditEntry:
    account_id: UUID
    at: datetime
    #: The acting user's login (for a failed login: the login that was tried).
    actor: str = field(converter=shown)
    #: What was done or tried, such as "order.confirm", "user.add", "login".
    action: str = field(converter=shown)
    outcome: Outcome
    #: Whose data it was: the counterparty, when the action concerns one.
    counterparty_id: UUID | None = None
    #: The object acted on, such as "order 12" or "user ivanov".
    target: str | None = field(default=None, converter=optional_shown)
    #: For a denial, the error code given.
    detail: str | None = field(default=None, converter=optional_shown)
    #: Position in the log, assigned by storage (0 before it is stored).
    seq: int = 0


@frozen
class AuditQuery:
    actor: str | None = None
    action: str | None = None
    outcome: Outcome | None = None
    counterparty_id: UUID | None = None
    #: Entries at or after this instant.
    since: datetime | None = None
    #: Entries before this instant.
    until: datetime | None = None
