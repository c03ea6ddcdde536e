"""The `custody` commands of cabinet access: `user`, `card` and `login`, run in-process.

Each test gets a fresh demo database (src/custody_core/demo.py): account `default`, counterparty
ROMASHKA (phone +79123456789, main contract ОХ-2026/01) and VASILEK, and no cabinet users yet.
Passwords are hashed with scrypt (`--password-hasher scrypt`), which is cheap enough for tests;
one test keeps the default, argon2.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import custody_core
from custody_core.cli import main
from custody_core.domain.errors import NotFound
from custody_core.domain.principal import Principal, Role
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice
from custody_core.testing.hashing import fast_hasher

PASSWORD = "Secret-2026x"
#: The name fields every `user add` below types.
NAMES = ("--last-name", "Орлова", "--first-name", "Нина")
WRONG = "custody: Wrong login or password\n"


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No defaults from the developer's shell: English, no colours, no CUSTODY_* settings."""
    for name in (
        "CUSTODY_DB",
        "CUSTODY_ACCOUNT",
        "CUSTODY_PASSWORD_HASHER",
        "FORCE_COLOR",
        "TTY_COMPATIBLE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A fresh demo database this test may change."""
    assert main(["--lang", "en", "demo", str(tmp_path / "demo")]) == 0
    capsys.readouterr()
    return tmp_path / "demo" / "custody.sqlite"


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set what the command reads from standard input."""

    def feed(text: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    return feed


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """Answer `getpass.getpass` with the given passwords, one per call; the prompts it was
    given are collected in the returned list."""

    def answer(*passwords: str | type[BaseException]) -> list[str]:
        prompts: list[str] = []
        answers = list(passwords)

        def getpass(prompt: str = "Password: ", stream: object = None) -> str:
            prompts.append(prompt)
            answer = answers.pop(0)
            if isinstance(answer, type):
                raise answer
            return answer

        monkeypatch.setattr("getpass.getpass", getpass)
        return prompts

    return answer


def run(
    capsys: pytest.CaptureFixture[str], database: Path, *argv: str, lang: str = "en"
) -> tuple[int, str, str]:
    code = main(["--lang", lang, "--db", str(database), "--password-hasher", "scrypt", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], database: Path, *argv: str) -> Any:
    code, out, err = run(capsys, database, *argv, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def fails(capsys: pytest.CaptureFixture[str], database: Path, *argv: str, code: int = 1) -> str:
    """Run a command that must fail; its stderr, after the common checks."""
    exit_code, out, err = run(capsys, database, *argv)
    assert exit_code == code, err
    assert out == ""
    assert "Traceback" not in err
    return err


@contextmanager
def app_of(database: Path) -> Iterator[Application]:
    """The library on the database, to check what the CLI stored."""
    with custody_core.open(
        f"sqlite:///{database}", entry_points=False, password_hasher=fast_hasher()
    ) as app:
        yield app


@contextmanager
def admin_of(database: Path) -> Iterator[BackOffice]:
    with app_of(database) as app:
        yield app.back_office(Principal.administrator(app.account("default").id, "test"))


def add_user(
    capsys: pytest.CaptureFixture[str],
    stdin: Callable[[str], None],
    database: Path,
    login: str = "orlova",
    *roles: str,
) -> None:
    """A user added through the CLI with PASSWORD, then granted `roles`."""
    stdin(f"{PASSWORD}\n")
    assert run(capsys, database, "user", "add", login, *NAMES, "--password-stdin")[0] == 0
    if roles:
        assert run(capsys, database, "user", "grant", login, *roles)[0] == 0


def client_with_card(
    capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None], database: Path
) -> None:
    """orlova: a client-cabinet user connected to ROMASHKA with the card's default login."""
    add_user(capsys, stdin, database, "orlova", "client_cabinet")
    argv = ("card", "create", "--counterparty", "ROMASHKA", "--user", "orlova")
    assert run(capsys, database, *argv)[0] == 0


# user add ------------------------------------------------------------------------------------


def test_user_add_reads_the_password_from_stdin_and_prints_the_user(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    stdin(f"{PASSWORD}\n{PASSWORD}\n")

    data = run_json(
        capsys,
        database,
        "user", "add", "Orlova", *NAMES, "--middle-name", "Викторовна",
        "--phone", "8 (912) 345-67-80", "--email", "n.orlova@example.com", "--password-stdin",
    )  # fmt: skip

    assert {key: data[key] for key in data if key not in ("id", "created_at")} == {
        "login": "orlova",
        "last_name": "Орлова",
        "first_name": "Нина",
        "middle_name": "Викторовна",
        "phone": "+79123456780",
        "email": "n.orlova@example.com",
        "roles": [],
        "disabled": False,
        "external_id": None,
        "version": 1,
    }
    assert not any("password" in key for key in data)
    with app_of(database) as app:
        office = app.back_office(Principal.administrator(app.account("default").id, "test"))
        stored = office.user("orlova")
        assert str(stored.id) == data["id"]
        assert stored.password_hash is not None
        assert stored.password_hash.startswith("scrypt$")
        assert PASSWORD not in stored.password_hash
        # The password read from stdin is the one that logs in.
        assert app.log_in("default", "orlova", PASSWORD).user == "orlova"


@pytest.mark.parametrize(
    "text",
    [f"{PASSWORD}\n", PASSWORD, f"{PASSWORD}\r\n{PASSWORD}\r\n"],
    ids=["one line", "no line ending", "CRLF"],
)
def test_one_line_is_its_own_confirmation_and_line_endings_are_not_the_password(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None], text: str
) -> None:
    stdin(text)

    code, _, err = run(capsys, database, "user", "add", "orlova", *NAMES, "--password-stdin")

    assert (code, err) == (0, "")
    with app_of(database) as app:
        assert app.log_in("default", "orlova", PASSWORD).user == "orlova"


def test_the_user_is_printed_as_a_card(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    stdin(f"{PASSWORD}\n")
    argv = ("user", "add", "orlova", *NAMES, "--phone", "+7 912 345 67 80", "--password-stdin")

    code, out, err = run(capsys, database, *argv)

    assert (code, err) == (0, "")
    assert "User orlova" in out
    for label, value in [
        ("Login", "orlova"),
        ("Last name", "Орлова"),
        ("First name", "Нина"),
        ("Phone", "+79123456780"),
        ("Roles", "none"),
        ("Status", "active"),
    ]:
        assert any(label in line and value in line for line in out.splitlines()), label
    # Empty fields are left out.
    assert "Middle name" not in out
    assert "E-mail" not in out
    assert PASSWORD not in out


def test_a_password_mismatch_is_refused_and_adds_no_one(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    stdin(f"{PASSWORD}\nSecret-2026y\n")

    err = fails(capsys, database, "user", "add", "orlova", *NAMES, "--password-stdin")

    assert err == "custody: password confirmation: the confirmation differs from the password\n"
    with admin_of(database) as office, pytest.raises(NotFound):
        office.user("orlova")


def test_an_empty_second_line_is_a_confirmation_that_differs(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    stdin(f"{PASSWORD}\n\n")
    err = fails(capsys, database, "user", "add", "orlova", *NAMES, "--password-stdin")
    assert err.startswith("custody: password confirmation:")


def test_a_duplicate_login_names_the_field(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database, "orlova")
    stdin(f"{PASSWORD}\n")

    err = fails(capsys, database, "user", "add", " ORLOVA ", *NAMES, "--password-stdin")

    assert err == "custody: login: 'orlova' already exists\n"
    with admin_of(database) as office:
        assert [user.login for user in office.users().items] == ["orlova"]


def test_a_bad_phone_names_the_phone(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    stdin(f"{PASSWORD}\n")
    argv = ("user", "add", "orlova", *NAMES, "--phone", "12ab", "--password-stdin")

    err = fails(capsys, database, *argv)

    [line] = err.splitlines()
    assert line.startswith("custody: phone: '12ab' is not a phone number")


def test_every_problem_is_one_line_in_the_chosen_language(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    stdin("short\n")
    argv = ("user", "add", "orlova", *NAMES, "--email", "nowhere", "--password-stdin")

    code, out, err = run(capsys, database, *argv, lang="ru")

    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert all(line.startswith("custody: ") for line in lines)
    assert any(line.startswith("custody: эл. почта:") for line in lines)
    assert any("пароль слишком короткий" in line for line in lines)
    assert any("хотя бы одна цифра" in line for line in lines)


def test_empty_stdin_is_no_password(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    stdin("")
    err = fails(capsys, database, "user", "add", "orlova", *NAMES, "--password-stdin")
    assert err == "custody: --password-stdin: standard input is empty\n"


def test_without_stdin_the_password_is_typed_twice_without_echo(
    database: Path, capsys: pytest.CaptureFixture[str], typed: Callable[..., list[str]]
) -> None:
    prompts = typed(PASSWORD, PASSWORD)

    data = run_json(capsys, database, "user", "add", "orlova", *NAMES)

    assert prompts == ["Password: ", "Repeat the password: "]
    assert data["login"] == "orlova"
    with app_of(database) as app:
        assert app.log_in("default", "orlova", PASSWORD).user == "orlova"


def test_typed_passwords_that_differ_are_refused(
    database: Path, capsys: pytest.CaptureFixture[str], typed: Callable[..., list[str]]
) -> None:
    prompts = typed(PASSWORD, "Secret-2026y")

    code, out, err = run(capsys, database, "user", "add", "orlova", *NAMES, lang="ru")

    assert prompts == ["Пароль: ", "Повторите пароль: "]
    assert (code, out) == (1, "")
    assert err == "custody: подтверждение пароля: подтверждение не совпадает с паролем\n"


def test_the_end_of_input_at_the_prompt_is_no_password(
    database: Path, capsys: pytest.CaptureFixture[str], typed: Callable[..., list[str]]
) -> None:
    typed(EOFError)
    err = fails(capsys, database, "user", "add", "orlova", *NAMES)
    assert err == "custody: no password given\n"
    with admin_of(database) as office:
        assert office.users().items == ()


@pytest.mark.parametrize(
    "password_argv",
    [
        ["--password", PASSWORD],
        [f"--password={PASSWORD}"],
        ["--pass", PASSWORD],
        ["-p", PASSWORD],
    ],
)
@pytest.mark.parametrize("command", [["user", "add", "orlova", *NAMES], ["login", "orlova"]])
def test_a_password_is_never_taken_from_the_command_line(
    database: Path,
    capsys: pytest.CaptureFixture[str],
    typed: Callable[..., list[str]],
    command: list[str],
    password_argv: list[str],
) -> None:
    prompts = typed()  # any prompt would fail: no answer is queued

    err = fails(capsys, database, *command, *password_argv, code=2)

    assert "unrecognized arguments" in err
    assert prompts == []
    with admin_of(database) as office:
        assert office.users().items == ()


# user grant and user list ----------------------------------------------------------------------


def test_grant_sets_the_client_cabinet_role(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database)

    data = run_json(capsys, database, "user", "grant", "orlova", "client_cabinet")

    assert (data["login"], data["roles"], data["version"]) == ("orlova", ["client_cabinet"], 2)
    with admin_of(database) as office:
        assert office.user("orlova").roles == {Role.CLIENT}


def test_grant_sets_exactly_the_roles_given(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database, "orlova", "manager", "administrator")
    with admin_of(database) as office:
        assert office.user("orlova").roles == {Role.MANAGER, Role.ADMINISTRATOR}

    code, out, err = run(capsys, database, "user", "grant", "orlova", "manager")

    assert (code, err) == (0, "")
    assert any("Roles" in line and "manager" in line for line in out.splitlines())
    assert "administrator" not in out
    with admin_of(database) as office:
        assert office.user("orlova").roles == {Role.MANAGER}


def test_the_client_cabinet_role_stands_alone(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database, "orlova", "manager")

    err = fails(capsys, database, "user", "grant", "orlova", "client_cabinet", "manager")

    assert err == (
        "custody: roles: the client cabinet role cannot be combined with others"
        " (client_cabinet, manager)\n"
    )
    with admin_of(database) as office:
        assert office.user("orlova").roles == {Role.MANAGER}


def test_an_unknown_role_is_a_usage_error(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database)
    err = fails(capsys, database, "user", "grant", "orlova", "superuser", code=2)
    assert "invalid choice: 'superuser'" in err
    with admin_of(database) as office:
        assert office.user("orlova").roles == frozenset()


def test_granting_to_an_unknown_user_is_not_found(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = fails(capsys, database, "user", "grant", "nobody", "manager")
    assert err == "custody: user nobody not found\n"


def test_users_are_listed_by_login_and_filtered_by_role(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database, "petrov", "manager")
    add_user(capsys, stdin, database, "orlova", "client_cabinet")

    everyone = run_json(capsys, database, "user", "list")
    managers = run_json(capsys, database, "user", "list", "--role", "manager")
    code, out, err = run(capsys, database, "--lang", "ru", "user", "list")

    assert [user["login"] for user in everyone["items"]] == ["orlova", "petrov"]
    assert everyone["next_after"] is None
    assert [(user["login"], user["roles"]) for user in managers["items"]] == [
        ("petrov", ["manager"])
    ]
    assert all("password_hash" not in user for user in everyone["items"])
    assert (code, err) == (0, "")
    assert "Пользователи" in out
    assert "личный кабинет клиента" in out
    assert "Орлова Нина" in out


def test_users_are_listed_by_state_and_paged(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    for login in ("ivanov", "orlova", "petrov"):
        add_user(capsys, stdin, database, login)
    with admin_of(database) as office:
        office.disable_user("petrov")

    def logins(*options: str) -> list[str]:
        return [
            user["login"] for user in run_json(capsys, database, "user", "list", *options)["items"]
        ]

    first = run_json(capsys, database, "user", "list", "--limit", "2")
    rest = run_json(
        capsys, database, "user", "list", "--limit", "2", "--after", first["next_after"]
    )
    code, out, _ = run(capsys, database, "user", "list", "--disabled")

    assert logins("--disabled") == ["petrov"]
    assert logins("--enabled") == ["ivanov", "orlova"]
    assert [user["login"] for user in first["items"] + rest["items"]] == [
        "ivanov",
        "orlova",
        "petrov",
    ]
    assert rest["next_after"] is None
    assert [user["disabled"] for user in rest["items"]] == [True]
    assert code == 0
    assert any("petrov" in line and "disabled" in line for line in out.splitlines())
    assert "ivanov" not in out
    assert fails(capsys, database, "user", "list", "--disabled", "--enabled", code=2)


# card create ---------------------------------------------------------------------------------


def test_a_card_takes_the_counterparty_phone_and_main_contract_by_default(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database, "orlova", "client_cabinet")

    data = run_json(
        capsys, database, "card", "create", "--counterparty", "ROMASHKA", "--user", "ORLOVA"
    )

    assert {key: data[key] for key in ("counterparty", "contract", "login", "user", "url")} == {
        "counterparty": "ROMASHKA",
        "contract": "ОХ-2026/01",
        "login": "+79123456789",
        "user": "orlova",
        "url": None,
    }
    with admin_of(database) as office:
        [card] = office.cards("ROMASHKA")
        romashka = next(c for c in office.counterparties() if c.code == "ROMASHKA")
        assert str(card.id) == data["id"]
        assert str(card.counterparty_id) == data["counterparty_id"] == str(romashka.id)
        assert str(card.contract_id) == data["contract_id"]
        assert card.login == "+79123456789"
        assert str(card.user_id) == data["user_id"] == str(office.user("orlova").id)


def test_a_card_with_every_option_is_printed(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database, "orlova", "client_cabinet")
    with admin_of(database) as office:
        office.add_contract("ROMASHKA", "ОХ-2026/09")

    code, out, err = run(
        capsys,
        database,
        "card", "create", "--counterparty", "ROMASHKA", "--user", "orlova",
        "--contract", "ОХ-2026/09", "--url", "https://cabinet.example.com",
        "--login", "8 (912) 000-11-22",
    )  # fmt: skip

    assert (code, err) == (0, "")
    assert "Connection card of orlova" in out
    for label, value in [
        ("Counterparty", "ROMASHKA"),
        ("Contract", "ОХ-2026/09"),
        ("Cabinet URL", "https://cabinet.example.com"),
        ("Login", "+79120001122"),
        ("User", "orlova"),
    ]:
        assert any(label in line and value in line for line in out.splitlines()), label
    with admin_of(database) as office:
        [card] = office.cards("ROMASHKA")
        assert (card.login, card.url) == ("+79120001122", "https://cabinet.example.com")


def test_a_card_needs_a_client_cabinet_user(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database, "petrov", "manager")

    err = fails(
        capsys, database, "card", "create", "--counterparty", "ROMASHKA", "--user", "petrov"
    )

    assert err == "custody: user: user 'petrov' does not hold the client cabinet role\n"
    with admin_of(database) as office:
        assert office.cards("ROMASHKA") == []


def test_a_card_of_an_unknown_counterparty_is_not_found(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database, "orlova", "client_cabinet")
    err = fails(capsys, database, "card", "create", "--counterparty", "NOPE", "--user", "orlova")
    assert err == "custody: counterparty NOPE not found\n"


# login ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["orlova", "+79123456789", "8 912 345-67-89"])
def test_a_client_logs_in_with_its_login_or_the_card_login(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None], login: str
) -> None:
    client_with_card(capsys, stdin, database)
    stdin(f"{PASSWORD}\n")

    data = run_json(capsys, database, "login", login, "--password-stdin")

    with admin_of(database) as office:
        romashka = next(c for c in office.counterparties() if c.code == "ROMASHKA")
        account_id = office.principal.account_id
    assert data == {
        "user": "orlova",
        "account": "default",
        "account_id": str(account_id),
        "roles": ["client_cabinet"],
        "counterparty": "ROMASHKA",
        "counterparty_id": str(romashka.id),
    }


def test_a_staff_login_prints_its_roles_and_no_counterparty(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database, "petrov", "manager", "administrator")
    stdin(f"{PASSWORD}\n")

    code, out, err = run(capsys, database, "login", "PETROV", "--password-stdin")

    assert (code, err) == (0, "")
    assert "Logged in: petrov" in out
    lines = out.splitlines()
    assert any("Account" in line and "default" in line for line in lines)
    assert any("Roles" in line and "administrator, manager" in line for line in lines)
    assert not any("Counterparty" in line for line in lines)

    stdin(f"{PASSWORD}\n")
    data = run_json(capsys, database, "login", "petrov", "--password-stdin")
    assert (data["roles"], data["counterparty"], data["counterparty_id"]) == (
        ["administrator", "manager"],
        None,
        None,
    )


def test_the_login_password_is_typed_once_without_echo(
    database: Path,
    capsys: pytest.CaptureFixture[str],
    stdin: Callable[[str], None],
    typed: Callable[..., list[str]],
) -> None:
    client_with_card(capsys, stdin, database)
    prompts = typed(PASSWORD)

    data = run_json(capsys, database, "login", "orlova")

    assert prompts == ["Password: "]
    assert data["counterparty"] == "ROMASHKA"


@pytest.mark.parametrize(("login", "password"), [("orlova", "Wrong-2026x"), ("nobody", PASSWORD)])
def test_a_wrong_password_or_unknown_login_fails_alike(
    database: Path,
    capsys: pytest.CaptureFixture[str],
    stdin: Callable[[str], None],
    login: str,
    password: str,
) -> None:
    client_with_card(capsys, stdin, database)
    stdin(f"{password}\n")

    err = fails(capsys, database, "login", login, "--password-stdin")

    assert err == WRONG
    stdin(f"{password}\n")
    code, out, err = run(capsys, database, "login", login, "--password-stdin", "--json", lang="ru")
    assert (code, out, err) == (1, "", "custody: Неверный логин или пароль\n")


def test_a_client_without_a_card_cannot_log_in(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    add_user(capsys, stdin, database, "orlova", "client_cabinet")
    stdin(f"{PASSWORD}\n")

    err = fails(capsys, database, "login", "orlova", "--password-stdin")

    assert err == (
        "custody: User orlova has no connection card; the cabinet is not connected yet\n"
    )


def test_a_login_in_an_unknown_account_is_not_found(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    client_with_card(capsys, stdin, database)
    stdin(f"{PASSWORD}\n")
    err = fails(capsys, database, "--account", "nope", "login", "orlova", "--password-stdin")
    assert err == "custody: account nope not found\n"


# hashers, the acting administrator, help -------------------------------------------------------


def test_by_default_passwords_are_hashed_with_argon2(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    def custody(*argv: str) -> tuple[int, str, str]:
        code = main(["--lang", "en", "--db", str(database), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    stdin(f"{PASSWORD}\n")
    assert custody("user", "add", "orlova", *NAMES, "--password-stdin")[0] == 0
    stdin(f"{PASSWORD}\n")
    code, out, err = custody("login", "orlova", "--password-stdin", "--json")

    assert (code, err) == (0, "")
    assert json.loads(out)["user"] == "orlova"
    with admin_of(database) as office:
        stored = office.user("orlova").password_hash
    assert stored is not None
    assert stored.startswith("$argon2id$")


def test_the_hasher_can_come_from_the_environment(
    database: Path,
    capsys: pytest.CaptureFixture[str],
    stdin: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CUSTODY_PASSWORD_HASHER", "scrypt")
    stdin(f"{PASSWORD}\n")
    argv = ["--db", str(database), "user", "add", "orlova", *NAMES, "--password-stdin"]

    assert main(argv) == 0

    capsys.readouterr()
    with admin_of(database) as office:
        stored = office.user("orlova").password_hash
    assert stored is not None
    assert stored.startswith("scrypt$")


def test_user_and_card_commands_act_as_the_administrator_cli(
    database: Path, capsys: pytest.CaptureFixture[str], stdin: Callable[[str], None]
) -> None:
    client_with_card(capsys, stdin, database)

    with admin_of(database) as office:
        entries = office.audit_log(actor="cli").items

    actions = [(entry.action, entry.target) for entry in entries]
    assert ("user.add", "user orlova") in actions
    assert ("user.grant", "user orlova: client_cabinet") in actions
    assert ("card.create", "card of user orlova") in actions


def test_the_password_hasher_option_is_hidden_and_checked(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("user", "card", "login"):
        assert word in out
    assert "--password-hasher" not in out

    err = fails(capsys, database, "--password-hasher", "md5", "user", "list", code=2)
    assert "argument --password-hasher: invalid choice: 'md5'" in err


@pytest.mark.parametrize(
    "command",
    [["user", "add"], ["user", "grant"], ["user", "list"], ["card", "create"], ["login"]],
)
def test_every_access_command_has_help_and_a_json_option(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: custody {' '.join(command)}")
    assert "--json" in out
    if command in (["user", "add"], ["login"]):
        assert "--password-stdin" in out
