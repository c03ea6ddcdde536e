"""`custody --lang ru`: every command's summary and its typical errors in Russian.

Each case runs one command (after the steps it needs) on a copy of a demo database and
checks what it printed: no English word once the values the command was given are taken
out (SKUs, codes, logins, files), no Python repr, no raw code, every date in the
Russian format and every instant on the account's clock (Moscow) with its zone, and the
Russian words the catalogue means for it. A usage error (argparse's) is checked on its
error line, its usage line only for its Russian heading: the command's names, options
and the values an option takes are what a person types.

The demo (src/custody_core/demo.py): orders №1 delivered (shipment №1), №2 and №3
confirmed (№3 short of 15 COF-002), №4 cancelled, №5 a draft; 40 TEA-001 free at MSK-1.
"""

from __future__ import annotations

import errno
import io
import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

import custody_core
from custody_core.cli import main
from custody_core.cli.errors import InputError
from custody_core.cli.usage import command_language
from custody_core.domain.codes import CODES
from custody_core.domain.errors import file_cause
from custody_core.domain.messages import LANGUAGES
from custody_core.domain.orders import OrderState
from custody_core.domain.principal import Principal, Role
from latin_words import latin_words

#: The demo's own values a Russian output shows as they are.
DEMO_VALUES = ("ROMASHKA", "VASILEK", "MSK-1", "TEA-001", "COF-002", "SUG-003", "BOOK-01")
#: Who the CLI's changes are recorded as, and the demo's account code.
CLI_NAMES = ("cli", "default")
#: Names that are not translated: the program, formats and standards.
NAMES = ("custody", "JSON", "SQLite", "E.164", "xlsx", "html", "pdf")
#: Codes a Russian output must name in words, never show.
RAW_CODES = {
    *LANGUAGES["en"].failure_reasons,
    *(state.value for state in OrderState),
    *(role.value for role in Role),
    *(str(code) for code in CODES if "." in str(code)),
}
REPR = re.compile(r"Decimal\(|datetime\.|\[Errno|'[^']*', '|\bNone\b|<\w+ object|Traceback")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
INSTANT = re.compile(r"\b\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}\b(?P<after>.{0,6})")
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")
CHOICES = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Case:
    """A command (with `{tmp}`, `{today}`, ... filled in), what it must print, its exit code."""

    argv: tuple[str, ...]
    expected: tuple[str, ...]
    code: int = 0
    stdin: str = ""
    #: Commands run first, each with its standard input.
    setup: tuple[tuple[tuple[str, ...], str], ...] = ()
    #: argparse refused the command line: a usage line, then one error line.
    usage: bool = False
    #: Other values the output may name as they are.
    values: tuple[str, ...] = field(default=())


PASSWORD = "Secret-pass-123\nSecret-pass-123\n"
ADD_IVANOV = (
    ("user", "add", "ivanov", "--last-name", "Иванов", "--first-name", "Иван"),
    ("--phone", "+79123456789", "--email", "ivanov@example.ru", "--password-stdin"),
)
IVANOV = (ADD_IVANOV[0] + ADD_IVANOV[1], PASSWORD)
CLIENT_IVANOV = (IVANOV, (("user", "grant", "ivanov", "client_cabinet"), ""))
CARD = ("card", "create", "--counterparty", "ROMASHKA", "--user", "ivanov")
REGISTRY = ("registry", "import", "{tmp}/r.xlsx", "--template", "courier-sku")
REGISTRY += ("--counterparty", "ROMASHKA")

CASES: dict[str, Case] = {
    # stock
    "stock report": Case(
        ("stock", "report", "--counterparty", "ROMASHKA", "--from", "{month_start}"),
        (
            "Запасы на хранении: ООО «Ромашка» (ROMASHKA), {month_start_ru} – {today_ru}",
            "Остаток",
            "Недостача",
            "№2 резерв 25",
            "(не хватает",
            "Заказу №3 не хватает: COF-002 −15",
        ),
    ),
    "stock report at an instant": Case(
        ("stock", "report", "--counterparty", "ROMASHKA", "--as-of", "{today} 23:30"),
        ("Запасы на хранении: ООО «Ромашка» (ROMASHKA) на {today_ru} 23:30 (МСК)",),
    ),
    "unknown counterparty": Case(
        ("stock", "report", "--counterparty", "NOPE"), ("Контрагент NOPE не найден",), 1
    ),
    "bad date": Case(
        ("stock", "report", "--counterparty", "ROMASHKA", "--as-of", "2026-13-01"),
        ("аргумент --as-of: ожидается дата ГГГГ-ММ-ДД, а не «2026-13-01»",),
        2,
        usage=True,
    ),
    "missing option": Case(
        ("stock", "report"),
        ("ошибка: не указаны обязательные аргументы: --counterparty",),
        2,
        usage=True,
    ),
    # receipts
    "receipt post": Case(
        ("receipt", "post", "{tmp}/receipt.json"),
        ("Приходная накладная ПН-0101", "{today_ru}", "TEA-001 × 5"),
    ),
    "receipt file missing": Case(
        ("receipt", "post", "{tmp}/missing.json"), ("missing.json: файл не найден",), 1
    ),
    "receipt not JSON": Case(
        ("receipt", "post", "{tmp}/broken.json"),
        ("ошибка JSON в строке 1, столбце 11: ожидается двоеточие",),
        1,
    ),
    "receipt is a folder": Case(("receipt", "post", "{tmp}"), ("файл не прочитан (это папка)",), 1),
    "receipt problems": Case(
        ("receipt", "post", "{tmp}/bad-lines.json"),
        (
            "строка 1 документа, артикул: «NOPE» не существует",
            "строка 2 документа, количество: -1 должно быть больше нуля",
        ),
        1,
        values=("NOPE",),
    ),
    "receipt twice": Case(
        ("receipt", "post", "{tmp}/receipt.json"),
        ("Приходная накладная № ПН-0101 за {year} год по контрагенту ROMASHKA уже проведён",),
        1,
        setup=((("receipt", "post", "{tmp}/receipt.json"), ""),),
    ),
    # orders
    "order create": Case(
        (
            "order",
            "create",
            "--counterparty",
            "ROMASHKA",
            "--warehouse",
            "MSK-1",
            "--line",
            "TEA-001=2",
        ),
        ("Заказ на доставку №6", "черновик", "TEA-001 × 2", "{today_ru}", "(МСК)"),
    ),
    "order create without lines": Case(
        ("order", "create", "--counterparty", "ROMASHKA", "--warehouse", "MSK-1"),
        ("не указаны обязательные аргументы: --line",),
        2,
        usage=True,
    ),
    "order line not SKU=QTY": Case(
        ("order", "create", "--counterparty", "ROMASHKA", "--warehouse", "MSK-1", "--line", "TEA"),
        ("аргумент --line: ожидается АРТИКУЛ=КОЛИЧЕСТВО, а не «TEA»",),
        2,
        usage=True,
    ),
    "order with an unknown SKU": Case(
        (
            "order",
            "create",
            "--counterparty",
            "ROMASHKA",
            "--warehouse",
            "MSK-1",
            "--line",
            "NOPE-1=2",
        ),
        ("строка 1 документа, артикул: «NOPE-1» не существует",),
        1,
        values=("NOPE-1",),
    ),
    "stale version": Case(
        ("order", "confirm", "5", "--expected-version", "9"),
        ("Заказ 5 уже изменён (версия 1, а не 9); обновите и повторите",),
        1,
    ),
    "order confirm": Case(("order", "confirm", "5"), ("Заказ на доставку №5", "подтверждён")),
    "illegal change": Case(
        ("order", "cancel", "1"),
        ("Заказ 1 в состоянии «доставлен»: действие «отменить» недопустимо",),
        1,
    ),
    "order deliver": Case(
        ("order", "deliver", "2", "--refused", "TEA-001=5"),
        ("доставлен частично", "Расходная накладная №2", "Отказ", "TEA-001 × 5", "cli"),
    ),
    "refused twice": Case(
        ("order", "deliver", "2", "--refused", "TEA-001=5", "TEA-001=1"),
        ("--refused: артикул TEA-001 указан больше одного раза",),
        1,
    ),
    "order fail": Case(
        ("order", "fail", "3", "--reason", "recipient_refused"),
        ("Причина недоставки", "Получатель отказался", "не доставлен (резерв"),
    ),
    "unknown reason": Case(
        ("order", "fail", "3", "--reason", "bogus"),
        ("аргумент --reason: недопустимое значение «bogus» (допустимые: goods_damaged",),
        2,
        usage=True,
    ),
    "reserve kept and released": Case(
        ("order", "fail", "3", "--reason", "rescheduled", "--keep-reserve", "--release-reserve"),
        ("аргумент --release-reserve: нельзя указывать вместе с --keep-reserve",),
        2,
        usage=True,
    ),
    "order list": Case(
        ("order", "list", "--limit", "2"),
        ("Заказы на доставку", "Состояние", "доставлен", "Есть ещё строки: повторите с"),
    ),
    "unknown order": Case(("order", "show", "99"), ("Заказ 99 не найден",), 1),
    "order number not a number": Case(
        ("order", "show", "x"),
        ("аргумент N: ожидается целое число, а не «x»",),
        2,
        usage=True,
    ),
    # shipments and periods
    "shipment list": Case(
        ("shipment", "list"), ("Расходные накладные", "Дата", "{today_ru}", "Иванов И. И.")
    ),
    "shipment list by a bad date": Case(
        ("shipment", "list", "--from", "вчера"),
        ("аргумент --from: ожидается дата ГГГГ-ММ-ДД, а не «вчера»",),
        2,
        usage=True,
    ),
    "period close": Case(
        ("period", "close", "--through", "{last_month_end}"),
        ("Закрыты месяцы, оканчивающиеся {last_month_end_ru}",),
    ),
    "nothing to close": Case(
        ("period", "close", "--through", "2020-01-31"), ("Закрывать нечего.",)
    ),
    # the database
    "db backup": Case(("db", "backup", "{tmp}/copy.sqlite"), ("Резервная копия записана в",)),
    "db backup over a file": Case(
        ("db", "backup", "{tmp}/receipt.json"), ("файл: «", "» уже существует"), 1
    ),
    "db migrate": Case(("db", "migrate"), ("Схема актуальна (версия",)),
    "missing database": Case(
        ("--db", "{tmp}/none.sqlite", "db", "migrate"), ("База данных", "не найдена"), 1
    ),
    # users, cards, logging in
    "user add": Case(
        ADD_IVANOV[0] + ADD_IVANOV[1],
        ("Пользователь ivanov", "Фамилия", "Эл. почта", "нет", "активен", "{today_ru}"),
        stdin=PASSWORD,
    ),
    "user add with bad fields": Case(
        (
            "user",
            "add",
            "petrov",
            "--last-name",
            "",
            "--first-name",
            "Пётр",
            "--email",
            "petrov.example.ru",
            "--password-stdin",
        ),
        (
            "фамилия: значение не может быть пустым",
            "эл. почта: «petrov.example.ru» не адрес электронной почты: нет знака @",
            "пароль: пароль слишком короткий (нужно не меньше 10 символов)",
        ),
        1,
        stdin="short\nshort\n",
    ),
    "password mismatch": Case(
        (
            "user",
            "add",
            "petrov",
            "--last-name",
            "Петров",
            "--first-name",
            "Пётр",
            "--password-stdin",
        ),
        ("подтверждение пароля: подтверждение не совпадает с паролем",),
        1,
        stdin="Secret-pass-123\nSecret-pass-456\n",
    ),
    "duplicate login": Case(
        IVANOV[0], ("логин: «ivanov» уже существует",), 1, stdin=PASSWORD, setup=(IVANOV,)
    ),
    "unknown role": Case(
        ("user", "grant", "ivanov", "superuser"),
        ("аргумент РОЛЬ: недопустимое значение «superuser»",),
        2,
        usage=True,
    ),
    "grant to no one": Case(
        ("user", "grant", "nobody", "manager"), ("Пользователь nobody не найден",), 1
    ),
    "user grant": Case(
        ("user", "grant", "ivanov", "client_cabinet"),
        ("Роли", "личный кабинет клиента"),
        setup=(IVANOV,),
    ),
    "user list": Case(
        ("user", "list"), ("Пользователи", "ФИО", "Иванов Иван", "активен"), setup=(IVANOV,)
    ),
    "no users": Case(("user", "list", "--role", "manager"), ("Ничего не найдено.",)),
    "card create": Case(
        CARD,
        ("Карточка подключения ivanov", "Договор", "ОХ-2026/01", "{today_ru}"),
        setup=CLIENT_IVANOV,
    ),
    "card of a staff user": Case(
        CARD, ("у пользователя «ivanov» нет роли «Личный кабинет клиента»",), 1, setup=(IVANOV,)
    ),
    "log in": Case(
        ("login", "ivanov", "--password-stdin"),
        ("Вход выполнен: ivanov", "Аккаунт", "личный кабинет клиента", "ROMASHKA"),
        stdin=PASSWORD,
        setup=(*CLIENT_IVANOV, (CARD, "")),
    ),
    "wrong password": Case(
        ("login", "ivanov", "--password-stdin"),
        ("Неверный логин или пароль",),
        1,
        stdin="wrong\n",
        setup=(IVANOV,),
    ),
    "no password": Case(
        ("login", "ivanov", "--password-stdin"), ("--password-stdin: стандартный ввод пуст",), 1
    ),
    # registries
    "registry templates": Case(
        ("registry", "templates"),
        ("Шаблоны загрузки реестров", "Шаблон", "номер клиента, дата доставки, получатель"),
        values=("courier-simple", "courier-sku"),
    ),
    "registry import": Case(
        (*REGISTRY, "--partial"),
        (
            "Заказ A-1 не создан (строка 2)",
            "Создан заказ на доставку №6 от {today_ru} (№ клиента A-2, строка 3)",
            "Прочитано строк: 2; создано заказов: 1; уже загружено: 0; с ошибками: 1; замечаний: 1",
            "Строка 2, колонка E «Количество»: количество: «много» не число",
        ),
        1,
        values=("A-1", "A-2"),
    ),
    "registry refused": Case(
        REGISTRY,
        (
            "Заказ A-2 без ошибок, но не создан: реестр отклонён (строка 3)",
            "Реестр отклонён, ничего не сохранено.",
        ),
        1,
        values=("A-1", "A-2"),
    ),
    "registry file missing": Case(
        (
            "registry",
            "import",
            "{tmp}/none.xlsx",
            "--template",
            "courier-sku",
            "--counterparty",
            "ROMASHKA",
        ),
        ("Файл none.xlsx не читается: такого файла нет",),
        1,
    ),
    "unknown template": Case(
        ("registry", "import", "{tmp}/r.xlsx", "--template", "nope", "--counterparty", "ROMASHKA"),
        ("Шаблон реестра nope не найден",),
        1,
    ),
    "bad rows": Case(
        (*REGISTRY, "--rows", "два"),
        ("аргумент --rows: ожидаются строки ПЕРВАЯ:ПОСЛЕДНЯЯ, а не «два»",),
        2,
        usage=True,
    ),
    # printed forms and what they are made of
    "print": Case(
        ("print", "mx3", "1", "-o", "{tmp}/mx3.xlsx"),
        ("№ 1 от {today_ru}: записан в",),
    ),
    "print over a file": Case(
        ("print", "mx3", "1", "-o", "{tmp}/receipt.json"),
        ("уже существует; чтобы заменить его, добавьте --force",),
        1,
    ),
    "print into no folder": Case(
        ("print", "mx3", "1", "-o", "{tmp}/нет/mx3.xlsx"), ("папка не найдена",), 1
    ),
    "print two of a one-document form": Case(
        ("print", "mx3", "1", "2"),
        ("эта форма печатается по одному документу; указано номеров: 2",),
        1,
    ),
    "print in an unknown format": Case(
        ("print", "mx3", "1", "--format", "doc"), ("Нет средства печати в формате «doc»",), 1
    ),
    "tariff set": Case(
        ("tariff", "set", "{tmp}/tariff.toml", "--counterparty", "ROMASHKA"),
        ("Тариф (ROMASHKA) сохранён: 1 расценка, в том числе НДС 20%",),
    ),
    # the command line itself
    "unknown command": Case(
        ("bogus",), ("аргумент КОМАНДА: недопустимое значение «bogus»",), 2, usage=True
    ),
    "extra argument": Case(
        ("order", "show", "1", "extra"), ("ошибка: лишние аргументы: extra",), 2, usage=True
    ),
    "option without its value": Case(
        ("--account",),
        ("аргумент --account: ожидается одно значение",),
        2,
        usage=True,
    ),
    "demo into a used folder": Case(("demo", "{tmp}"), ("— не пустая папка; выберите новую",), 2),
    # what a refused value was expected to be, in the catalogue's words
    "period close of a month not ended": Case(
        ("period", "close", "--through", "2099-01-01"),
        ("дата, по которую закрывать: месяц даты 01.01.2099 ещё не закончился", "не позже"),
        1,
    ),
    "receipt dated in the future": Case(
        ("receipt", "post", "{tmp}/future.json"),
        ("дата: 05.12.2099 ещё не наступила (ожидается не позже {today_ru})",),
        1,
    ),
    "receipt quantity too fine": Case(
        ("receipt", "post", "{tmp}/fine.json"),
        ("строка 1 документа, количество", "знаков после запятой", "не больше 0 знаков"),
        1,
    ),
    "order line not a number": Case(
        (
            *("order", "create", "--counterparty", "ROMASHKA"),
            *("--warehouse", "MSK-1", "--line", "TEA-001=abc"),
        ),
        ("«abc» не является числом (ожидается десятичное число)",),
        1,
        values=("abc",),
    ),
    "requisites with a key too many": Case(
        ("requisites", "set", "{tmp}/requisites.json"),
        ("requisites.json, наименование: не указано", "colour: такого ключа здесь нет"),
        1,
        values=("colour",),
    ),
    "tariff with a key too many": Case(
        ("tariff", "set", "{tmp}/bad-tariff.toml", "--counterparty", "ROMASHKA"),
        ("bad-tariff.toml, НДС, colour: такого ключа здесь нет",),
        1,
        values=("colour",),
    ),
}


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        for name in ("CUSTODY_DB", "CUSTODY_ACCOUNT", "FORCE_COLOR", "TTY_COMPATIBLE"):
            patch.delenv(name, raising=False)
        directory = tmp_path_factory.mktemp("russian") / "demo"
        assert main(["--lang", "en", "demo", str(directory)]) == 0
    return directory / "custody.sqlite"


@pytest.fixture
def database(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo database, with the files the cases read beside it."""
    for name in ("CUSTODY_DB", "CUSTODY_ACCOUNT", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    copy = tmp_path / "custody.sqlite"
    shutil.copy(demo_template, copy)
    today = demo_today(copy)
    line = {"sku": "TEA-001", "quantity": "5"}
    receipt = {"number": "ПН-0101", "date": today.isoformat(), "counterparty": "ROMASHKA"}
    receipt |= {"warehouse": "MSK-1", "lines": [line]}
    (tmp_path / "receipt.json").write_text(json.dumps(receipt), "utf-8")
    bad = [{"sku": "NOPE", "quantity": "1"}, {"sku": "TEA-001", "quantity": "-1"}]
    (tmp_path / "bad-lines.json").write_text(json.dumps(receipt | {"lines": bad}), "utf-8")
    (tmp_path / "broken.json").write_text('{"number" "ПН"}', "utf-8")
    future = receipt | {"number": "ПН-0102", "date": "2099-12-05"}
    (tmp_path / "future.json").write_text(json.dumps(future), "utf-8")
    fine = receipt | {"number": "ПН-0103", "lines": [{"sku": "TEA-001", "quantity": "1.5"}]}
    (tmp_path / "fine.json").write_text(json.dumps(fine), "utf-8")
    (tmp_path / "requisites.json").write_text('{"colour": "red"}', "utf-8")
    (tmp_path / "bad-tariff.toml").write_text(
        '[vat]\nmode = "included"\nrate = 20\ncolour = 1\n', "utf-8"
    )
    (tmp_path / "tariff.toml").write_text(
        '[vat]\nmode = "included"\nrate = 20\n\n'
        '[[rates]]\ncharge = "delivery_order"\nservice = "Доставка"\nprice = "600.00"\n',
        "utf-8",
    )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        ["Номер заказа", "Получатель", "Адрес", "Артикул", "Количество"],
        ["A-1", "Иванов", "Москва", "TEA-001", "много"],
        ["A-2", "Петров", "Тула", "TEA-001", 2],
    ):
        sheet.append(row)
    book.save(tmp_path / "r.xlsx")
    return copy


def demo_today(database: Path) -> date:
    """The demo's business date: the date of the shipment it posted when it delivered №1."""
    with custody_core.open(f"sqlite:///{database}", entry_points=False) as app:
        office = app.back_office(Principal.manager(app.account("default").id, "test"))
        return office.shipment(1).date


def dates(today: date, tmp: Path) -> dict[str, str]:
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    return {
        "tmp": str(tmp),
        "today": today.isoformat(),
        "today_ru": f"{today:%d.%m.%Y}",
        "year": str(today.year),
        "month_start": month_start.isoformat(),
        "month_start_ru": f"{month_start:%d.%m.%Y}",
        "last_month_end": last_month_end.isoformat(),
        "last_month_end_ru": f"{last_month_end:%d.%m.%Y}",
    }


def custody(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: Path,
    argv: tuple[str, ...],
    stdin: str,
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    capsys.readouterr()
    common = ["--lang", "ru", "--password-hasher", "scrypt", "--db", str(database)]
    code = main([*common, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def english(text: str, argv: tuple[str, ...], values: tuple[str, ...]) -> list[str]:
    """The English words of a Russian output: its Latin words once the values it was
    given, the demo's codes and SKUs, options to type and untranslated names are out."""
    given = [arg for arg in argv if len(arg) > 2 and not arg.startswith("-")]
    given += [Path(arg).name for arg in given if "/" in arg]
    text = OPTION.sub(" ", text)
    return latin_words(text, [*given, *values, *DEMO_VALUES, *CLI_NAMES], NAMES, shortest=2)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
def test_a_command_speaks_russian(
    case: Case,
    database: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    filled = dates(demo_today(database), database.parent)
    argv = fill_all(case.argv, filled)
    for step, stdin in case.setup:
        done = custody(capsys, monkeypatch, database, fill_all(step, filled), stdin)
        assert done[0] == 0, done

    code, out, err = custody(capsys, monkeypatch, database, argv, case.stdin)

    assert code == case.code, (out, err)
    text = out + err
    if case.usage:
        assert out == ""
        assert err.startswith("использование: custody"), err
        text = err.strip().splitlines()[-1]
        assert text.startswith("custody"), text
        assert ": ошибка: " in text
        text = CHOICES.sub(" ", text.split("(допустимые:")[0])
    for fragment in case.expected:
        assert fragment.format_map(filled) in out + err, (fragment, out, err)
    steps = [arg for step, _ in case.setup for arg in fill_all(step, filled)]
    assert english(text, (*argv, *steps), (*case.values, filled["tmp"])) == [], text
    assert not REPR.search(text), text
    shown = set(re.findall(r"[\w.-]+", text))
    assert shown & RAW_CODES == set(), text
    assert set(ISO_DATE.findall(text)) <= set(ISO_DATE.findall(" ".join(argv))), text
    for instant in INSTANT.finditer(text):
        assert instant["after"].startswith(" (МСК)"), text


def fill_all(argv: tuple[str, ...], values: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(arg.format_map(values) for arg in argv)


def test_every_command_has_a_russian_case() -> None:
    """Every leaf command of the command line is among the cases."""
    commands = {
        ("stock", "report"),
        ("receipt", "post"),
        *(("order", name) for name in ("create", "confirm", "cancel", "deliver", "fail")),
        *(("order", name) for name in ("list", "show")),
        ("shipment", "list"),
        ("period", "close"),
        ("db", "backup"),
        ("db", "migrate"),
        *(("user", name) for name in ("add", "grant", "list")),
        ("card", "create"),
        ("registry", "templates"),
        ("registry", "import"),
        ("tariff", "set"),
        ("print",),
        ("login",),
        ("demo",),
    }
    covered = {case.argv[: len(command)] for case in CASES.values() for command in commands}
    assert commands - covered == set()


# help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [(), ("order",), ("order", "create"), ("registry", "import")])
def test_help_is_russian(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert main(["--lang", "ru", *command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"использование: {' '.join(('custody', *command))}")
    for title in ("параметры:", "показать эту справку и выйти"):
        assert title in out
    words = CHOICES.sub(" ", OPTION.sub(" ", out))
    commands = ("demo", "stock", "receipt", "order", "shipment", "period", "db", "user", "card")
    commands += ("registry", "print", "requisites", "tariff", "login", "create", "confirm")
    commands += ("cancel", "deliver", "fail", "list", "show", "import")
    formats = ("openpyxl", "calamine", "csv", "xlsm")
    names = [*commands, *formats, "default", "CUSTODY_DB", "./custody.sqlite"]
    assert latin_words(words, names, NAMES, shortest=2) == []


def test_russian_help_names_every_command_in_russian(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "ru", "--help"]) == 0
    out = capsys.readouterr().out
    assert "позиционные аргументы:" in out
    assert "заказы на доставку" in out
    assert "--db БАЗА" in out


def test_english_help_keeps_argparse_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "order", "create", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: custody order create")
    assert "options:" in out
    assert "show this help message and exit" in out
    assert "--line SKU=QTY" in out


# the language known before parsing ---------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        (["--lang", "ru", "order", "show", "1"], {}, "ru"),
        (["--lang=ru", "order", "show", "1"], {}, "ru"),
        (["--la", "ru", "order", "show"], {}, "ru"),
        (["order", "show", "1"], {"LANG": "ru_RU.UTF-8"}, "ru"),
        (["--lang", "en", "order"], {"LANG": "ru_RU.UTF-8"}, "en"),
        (["--lang", "de", "order"], {"LANG": "ru_RU.UTF-8"}, "ru"),
        (["--lang"], {}, "en"),
        (["receipt", "post", "--", "--lang", "ru"], {}, "en"),
    ],
)
def test_the_language_is_read_before_parsing(
    argv: list[str], environ: dict[str, str], expected: str
) -> None:
    assert command_language(argv, environ) == expected


def test_an_unknown_language_is_refused_in_the_default_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert main(["--lang", "de", "order", "show", "1"]) == 2
    err = capsys.readouterr().err
    assert "аргумент --lang: недопустимое значение «de» (допустимые: en, ru)" in err


def test_argparse_is_left_as_it_was(capsys: pytest.CaptureFixture[str]) -> None:
    """The Russian words are argparse's only while the command line is parsed."""
    import argparse

    assert main(["--lang", "ru", "bogus"]) == 2
    capsys.readouterr()
    parser = argparse.ArgumentParser(prog="other")
    assert parser.format_usage().startswith("usage: other")


# file errors by cause --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "writing", "cause", "russian"),
    [
        (errno.ENOENT, False, "file.missing", "такого файла нет"),
        (errno.EACCES, False, "file.no_access", "нет прав на его чтение"),
        (errno.EACCES, True, "file.no_write_access", "нет прав на его запись"),
        (errno.ENOSPC, True, "file.no_space", "на диске нет места"),
        (errno.EISDIR, True, "file.is_folder", "это папка"),
        (errno.EROFS, True, "file.read_only", "файловая система доступна только для чтения"),
        (errno.EIO, False, "file.io_error", "ошибка ввода-вывода"),
    ],
)
def test_a_file_error_is_named_by_its_cause(
    number: int, writing: bool, cause: str, russian: str
) -> None:
    error = OSError(number, "the system's own words", "out.xlsx")
    assert file_cause(error, writing=writing) == cause
    message = InputError("cannot_write", path="out.xlsx", cause=cause).message("ru")
    assert message == f"out.xlsx: файл не записан ({russian})"


def test_a_full_disk_is_said_in_russian(
    database: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full(*_: object, **__: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("custody_core.cli.files._put_in_place", full)
    target = database.parent / "mx3.xlsx"
    code, out, err = custody(
        capsys, monkeypatch, database, ("print", "mx3", "1", "-o", str(target)), ""
    )
    assert (code, out) == (1, "")
    assert err == f"custody: {target}: файл не записан (на диске нет места)\n"
