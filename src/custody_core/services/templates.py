"""Registry templates: the built-in ones, an account's stored ones, and template files.

Built-in templates are TOML files shipped in `custody_core/templates`, the
same format a user writes; a stored template may not take a built-in name,
so a name always means one layout. A stored template may be one counterparty's
(`RegistryTemplate.counterparty`): a client never lists or uses another's.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

from custody_core.domain import codes
from custody_core.domain.checks import reference
from custody_core.domain.errors import NotFound, Problem, ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.parties import Counterparty
from custody_core.domain.registry import RegistryTemplate, template_from_data
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import Action, authorize, require_visible
from custody_core.services.context import Context
from custody_core.services.data_files import read_data_file

_PACKAGE = "custody_core.templates"


def built_in_templates() -> dict[str, RegistryTemplate]:
    """The templates shipped with the library, by name."""
    found = {}
    for entry in sorted(files(_PACKAGE).iterdir(), key=lambda entry: entry.name):
        if entry.name.endswith(".toml"):
            template = template_from_data(tomllib.loads(entry.read_text("utf-8")))
            found[template.name] = template
    return found


def load_template(path: Path | str) -> RegistryTemplate:
    """A template from a `.toml` or `.json` file; ValidationError naming what is wrong."""
    return template_from_data(read_data_file(path))


def list_templates(ctx: Context) -> list[RegistryTemplate]:
    """Built-in templates, then the account's own, each group by name; a client lists
    the account-wide ones and its own counterparty's."""
    authorize(ctx.principal, Action.MANAGE_ORDERS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        stored = uow.templates.find_all(ctx.account_id)
        if ctx.principal.is_client:
            own = ctx.counterparty(uow, None).code
            stored = [t for t in stored if t.counterparty is None or t.counterparty == own]
    return [*built_in_templates().values(), *stored]


def template_for(
    ctx: Context, uow: UnitOfWork, template: str | RegistryTemplate, owner: Counterparty
) -> RegistryTemplate:
    """The template named (or given) for a registry of `owner`. Another counterparty's
    template is NotFound to a client, as if it did not exist, and refused to staff."""
    if isinstance(template, RegistryTemplate):
        found: RegistryTemplate | None = template
    else:
        name = reference(template, "template")
        found = built_in_templates().get(name) or uow.templates.get(ctx.account_id, name)
    #: The code of the other counterparty the template belongs to, if it is another's.
    foreign = None if found is None or found.counterparty == owner.code else found.counterparty
    if ctx.principal.is_client and (found is None or foreign is not None):
        # A missing template and another client's are refused alike and at the same cost:
        # one lookup of a counterparty, one audited refusal.
        other = uow.counterparties.by_code(ctx.account_id, foreign or owner.code)
        victim = other.id if foreign is not None and other is not None else None
        key = template if found is None else found.name
        require_visible(ctx.principal, victim, "registry template", key)
    if found is None:
        raise NotFound(entity="registry template", key=template)
    if foreign is not None:
        expected = expect("own_template", counterparty=owner.code)
        raise ValidationError([Problem(codes.Reference.FOREIGN, "template", found.name, expected)])
    return found


def save_template(ctx: Context, template: RegistryTemplate) -> RegistryTemplate:
    """Store (or replace) one of the account's templates, after checking it whole."""
    authorize(ctx.principal, Action.MANAGE_TEMPLATES)
    problems = template.problems()
    if template.name in built_in_templates():
        problems.append(Problem(codes.Reference.DUPLICATE, "name", template.name))
    if problems:
        raise ValidationError(problems)
    with ctx.storage.unit_of_work() as uow:
        owner = None
        if template.counterparty is not None:
            owner = ctx.counterparty(uow, template.counterparty)
        uow.templates.put(ctx.account_id, template)
        ctx.commit(
            uow,
            "registry_template.save",
            counterparty_id=None if owner is None else owner.id,
            target=f"registry template {template.name}",
        )
    return template
