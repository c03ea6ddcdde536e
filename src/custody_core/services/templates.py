"""Registry templates: the built-in ones, an account's stored ones, and template files.

Built-in templates are TOML files shipped in `custody_core/templates`, the
same format a user writes; a stored template may not take a built-in name,
so a name always means one layout.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

from custody_core.domain.errors import NotFound, Problem, ValidationError
from custody_core.domain.registry import RegistryTemplate, template_from_data
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import Action, authorize
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
    """Built-in templates, then the account's own, each group by name."""
    authorize(ctx.principal, Action.MANAGE_ORDERS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        stored = uow.templates.find_all(ctx.account_id)
    return [*built_in_templates().values(), *stored]


def find_template(ctx: Context, uow: UnitOfWork, name: str) -> RegistryTemplate:
    template = built_in_templates().get(name) or uow.templates.get(ctx.account_id, name)
    if template is None:
        raise NotFound(entity="registry template", key=name)
    return template


def save_template(ctx: Context, template: RegistryTemplate) -> RegistryTemplate:
    """Store (or replace) one of the account's templates, after checking it whole."""
    authorize(ctx.principal, Action.MANAGE_TEMPLATES)
    if not isinstance(template, RegistryTemplate):
        raise ValidationError(
            [Problem("value.invalid", "template", template, "a RegistryTemplate")]
        )
    problems = template.problems()
    if template.name in built_in_templates():
        problems.append(Problem("reference.duplicate", "name", template.name))
    if problems:
        raise ValidationError(problems)
    with ctx.storage.unit_of_work() as uow:
        uow.templates.put(ctx.account_id, template)
        ctx.commit(uow, "registry_template.save", target=f"registry template {template.name}")
    return template
