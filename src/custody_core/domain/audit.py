"""The audit log: who did what, when, on whose data, and what was refused."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from attrs import frozen


class Outcome(enum.StrEnum):
    DONE = "done"
    DENIED = "denied"


@frozen
class AuditEntry:
    account_id: UUID
    at: datetime
    #: The acting user's login (for a failed login: the login that was tried).
    actor: str
    #: What was done or tried, such as "order.confirm", "user.add", "login".
    action: str
    outcome: Outcome
    #: Whose data it was: the counterparty, when the action concerns one.
    counterparty_id: UUID | None = None
    #: The object acted on, such as "order 12" or "user ivanov".
    target: str | None = None
    #: For a denial, the error code given.
    detail: str | None = None
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
