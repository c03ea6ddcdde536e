"""The lookups a client was refused during one desk call, kept beside the error.

A client naming another counterparty's object gets exactly the NotFound a
missing object gives: nothing on the error may tell the two apart. The audit
log still names whose object it was, so a refused lookup notes its owner here,
in a record the desk opens around each call (a context variable: every thread
and task has its own), and the desk writes both kinds of refusal to the log in
the same way, at the same cost.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Self
from uuid import UUID

from attrs import define, field


@define
class Refusals:
    """What one call's client was refused: whether a lookup was, and whose object it named.

    A context manager: lookups inside `with Refusals() as refused:` note into `refused`.
    """

    lookup_refused: bool = False
    #: The counterparty whose object the refused lookup named; None when it named nothing.
    owner: UUID | None = None
    _token: Token[Refusals | None] | None = field(default=None, init=False, repr=False)

    def __enter__(self) -> Self:
        self._token = _CURRENT.set(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._token is not None
        _CURRENT.reset(self._token)


_CURRENT: ContextVar[Refusals | None] = ContextVar("custody_refusals", default=None)


def note_refused_lookup(owner: UUID | None) -> None:
    """Note that the client was refused a lookup; `owner` when the object exists.

    Outside a desk call (a use case run directly) there is no record and nothing
    is noted.
    """
    refusals = _CURRENT.get()
    if refusals is not None:
        refusals.lookup_refused = True
        refusals.owner = owner
