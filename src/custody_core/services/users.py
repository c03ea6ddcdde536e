"""Users and their roles: what an administrator does in the seed's "Пользователи" screen."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from custody_core.domain import codes
from custody_core.domain.checks import Checks
from custody_core.domain.errors import NotFound, Problem, ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.passwords import PasswordPolicy
from custody_core.domain.principal import Role
from custody_core.domain.users import User, UserDraft, role_problems
from custody_core.ports.access import UserQuery
from custody_core.ports.storage import UnitOfWork
from custody_core.services import contacts
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context


def add_user(ctx: Context, draft: UserDraft) -> User:
    """Create a user with no role; the password is kept only as a hash."""
    authorize(ctx.principal, Action.MANAGE_USERS)
    checks = Checks()
    login = contacts.login(checks, draft.login)
    last_name = checks.text(draft.last_name, "last_name")
    first_name = checks.text(draft.first_name, "first_name")
    middle_name = checks.optional_text(draft.middle_name, "middle_name")
    phone = contacts.phone(checks, draft.phone, "phone")
    email = contacts.email(checks, draft.email, "email")
    with ctx.storage.unit_of_work() as uow:
        policy = uow.settings.get(ctx.account_id).password_policy
        _check_password(checks, policy, draft.password, draft.password_confirmation, login)
        if login and login_taken(uow, ctx.account_id, login):
            checks.add(Problem(codes.Reference.DUPLICATE, "login", login))
        checks.done()
        user = User(
            id=ctx.new_id(),
            account_id=ctx.account_id,
            login=login,
            last_name=last_name,
            first_name=first_name,
            middle_name=middle_name,
            phone=phone,
            email=email,
            password_hash=ctx.identity.hasher.hash(draft.password),
            created_at=ctx.now(),
        )
        uow.users.add(user)
        ctx.commit(uow, "user.add", target=f"user {login}")
    return user


def grant_roles(ctx: Context, login: str, roles: Iterable[Role | str]) -> User:
    """Set the user's roles to exactly `roles` (the seed's role check boxes)."""
    authorize(ctx.principal, Action.MANAGE_USERS)
    wanted = _roles(roles)
    with ctx.storage.unit_of_work() as uow:
        user = existing_user(ctx, uow, login)
        changed = user.with_roles(wanted)
        uow.users.save(changed, user)
        ctx.commit(uow, "user.grant", target=f"user {user.login}: {_listed(wanted)}")
    return changed


def set_password(ctx: Context, login: str, password: str, confirmation: str) -> User:
    authorize(ctx.principal, Action.MANAGE_USERS)
    checks = Checks()
    with ctx.storage.unit_of_work() as uow:
        user = existing_user(ctx, uow, login)
        policy = uow.settings.get(ctx.account_id).password_policy
        _check_password(checks, policy, password, confirmation, user.login)
        checks.done()
        changed = user.with_password_hash(ctx.identity.hasher.hash(password))
        uow.users.save(changed, user)
        ctx.commit(uow, "user.set_password", target=f"user {user.login}")
    return changed


def set_disabled(ctx: Context, login: str, disabled: bool) -> User:
    """Disable a user (no more logins) or enable it again; nothing of its history goes."""
    authorize(ctx.principal, Action.MANAGE_USERS)
    if not isinstance(disabled, bool):
        raise ValidationError(
            [Problem(codes.Value.INVALID, "disabled", disabled, expect("yes_or_no"))]
        )
    with ctx.storage.unit_of_work() as uow:
        user = existing_user(ctx, uow, login)
        changed = user.with_disabled(disabled)
        uow.users.save(changed, user)
        action = "user.disable" if disabled else "user.enable"
        ctx.commit(uow, action, target=f"user {user.login}")
    return changed


def get_user(ctx: Context, login: str) -> User:
    authorize(ctx.principal, Action.MANAGE_USERS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        return existing_user(ctx, uow, login)


def list_users(
    ctx: Context,
    role: Role | str | None = None,
    disabled: bool | None = None,
    page: PageRequest | None = None,
) -> Page[User]:
    authorize(ctx.principal, Action.MANAGE_USERS)
    query = UserQuery(None if role is None else _roles([role]).pop(), disabled)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        return uow.users.find(ctx.account_id, query, page or PageRequest())


def existing_user(ctx: Context, uow: UnitOfWork, login: object, field: str = "login") -> User:
    """The user `login` names; a ValidationError, before any lookup, when it cannot be a login."""
    checks = Checks()
    key = contacts.login(checks, login, field)
    checks.done()
    user = uow.users.by_login(ctx.account_id, key)
    if user is None:
        raise NotFound(entity="user", key=login)
    return user


def login_taken(uow: UnitOfWork, account_id: UUID, login: str) -> bool:
    """A login names one person: another user's login or a card's login both take it."""
    return (
        uow.users.by_login(account_id, login) is not None
        or uow.cards.by_login(account_id, login) is not None
    )


def _check_password(
    checks: Checks, policy: PasswordPolicy, password: object, confirmation: object, login: str
) -> None:
    if not isinstance(password, str):
        checks.add(Problem(codes.Value.INVALID, "password", None, expect("text")))
        return
    for problem in policy.problems(password, login):
        checks.add(problem)
    if confirmation != password:
        checks.add(Problem(codes.Password.MISMATCH, "password_confirmation"))


def _roles(roles: Iterable[Role | str]) -> set[Role]:
    if isinstance(roles, str):
        roles = [roles]
    wanted: set[Role] = set()
    problems = []
    for role in roles:
        try:
            wanted.add(Role(role))
        except ValueError:
            problems.append(
                Problem(codes.Value.INVALID, "roles", role, expect("role", roles=tuple(Role)))
            )
    problems += role_problems(wanted)
    if problems:
        raise ValidationError(problems)
    return wanted


def _listed(roles: Iterable[Role]) -> str:
    return ", ".join(sorted(role.value for role in roles)) or "no role"
