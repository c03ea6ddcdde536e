"""The weakest parameters a built-in hasher accepts, and the rule that a rehash never lowers
a stored hash's parameters."""

from __future__ import annotations

from collections.abc import Mapping

from custody_core.domain import codes
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect


def refuse_below(floor: Mapping[str, int] | None, given: Mapping[str, int]) -> None:
    """A ValidationError naming every parameter of `given` below `floor` (None: no floor,
    which only the testing kit's hashers have)."""
    if floor is None:
        return
    problems = [
        Problem(codes.Hasher.TOO_WEAK, name, given[name], expect("at_least", limit=minimum))
        for name, minimum in floor.items()
        if given[name] < minimum
    ]
    if problems:
        raise ValidationError(problems)


def stronger(mine: tuple[int, ...], stored: tuple[int, ...]) -> bool:
    """Whether a hash made with `mine` is stronger than one made with `stored`: no parameter
    lower, at least one higher. Parameters that trade against each other (more time, less
    memory) keep the stored hash as it is rather than lower one of them."""
    pairs = list(zip(mine, stored, strict=True))
    return all(m >= s for m, s in pairs) and any(m > s for m, s in pairs)
