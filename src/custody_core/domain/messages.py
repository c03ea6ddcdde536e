"""Human messages for error codes, in English and Russian.

Messages are templates over the error's details; a missing detail renders as
"?" rather than failing, so a message can never hide the error behind a
KeyError.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

LOCALES = ("en", "ru")

CATALOG: Mapping[str, Mapping[str, str]] = {
    "error": {"en": "Error", "ru": "Ошибка"},
    "not_found": {
        "en": "{entity} {key} not found",
        "ru": "{entity} {key} не найден(а)",
    },
    "permission_denied": {
        "en": "{actor} may not {action}",
        "ru": "{actor}: нет прав на действие «{action}»",
    },
    "validation": {"en": "Invalid input", "ru": "Неверные данные"},
    "conflict": {"en": "Conflict: {reason}", "ru": "Конфликт: {reason}"},
    "conflict.concurrent": {
        "en": "Another writer stored the same data at the same time; try again",
        "ru": "Другой процесс одновременно сохранил те же данные; повторите попытку",
    },
    "document.duplicate": {
        "en": "{kind} {number} of {year} for counterparty {counterparty} is already posted",
        "ru": "Документ {kind} № {number} за {year} год по контрагенту {counterparty} уже проведён",
    },
    "order.illegal_transition": {
        "en": "Order {order} is {state}: the change '{change}' is not allowed",
        "ru": "Заказ {order} в состоянии «{state}»: действие «{change}» недопустимо",
    },
    "stock.insufficient": {
        "en": "Cannot take {quantity} of item {item} off stock: only {on_hand} on hand",
        "ru": "Нельзя снять с остатка {quantity} товара {item}: на остатке только {on_hand}",
    },
    "storage": {"en": "Storage failed", "ru": "Сбой хранилища данных"},
    "storage.schema_too_new": {
        "en": "The database has schema version {found}; this version of custody-core "
        "knows up to {known}. Upgrade custody-core.",
        "ru": "База данных имеет версию схемы {found}, а эта версия библиотеки "
        "знает только до {known}. Обновите библиотеку.",
    },
    "storage.corrupt": {
        "en": "The database cannot be used: it is damaged or belongs to another application",
        "ru": "Базу данных нельзя использовать: она повреждена или принадлежит другой программе",
    },
    "storage.busy": {
        "en": "The database stayed locked by another writer; try again",
        "ru": "База данных занята другим процессом; повторите попытку",
    },
    "storage.read_only": {
        "en": "A read-only unit of work may not write",
        "ru": "Транзакция только для чтения не может изменять данные",
    },
    "storage.unknown_backend": {
        "en": "No storage backend for URL scheme {scheme!r}; installed: {installed}",
        "ru": "Нет хранилища для схемы {scheme!r}; установлены: {installed}",
    },
    "storage.bad_url": {
        "en": "The storage URL is malformed",
        "ru": "Адрес хранилища задан неверно",
    },
    "storage.unavailable": {
        "en": "The database cannot be reached or used",
        "ru": "База данных недоступна",
    },
    "storage.needs_extra": {
        "en": "Storage {scheme}:// needs {package}: pip install 'custody-core[{extra}]'",
        "ru": "Для хранилища {scheme}:// нужен {package}: pip install 'custody-core[{extra}]'",
    },
    "plugin.failed": {
        "en": "Plugin {plugin} failed: {reason}",
        "ru": "Ошибка плагина {plugin}: {reason}",
    },
    "file.unreadable": {
        "en": "{file} cannot be read: {reason}",
        "ru": "Файл {file} не читается: {reason}",
    },
    "file.not_a_workbook": {
        "en": "{file} is not an {expected} file: {reason}",
        "ru": "Файл {file} не является файлом {expected}: {reason}",
    },
    "file.encrypted": {
        "en": "{file} is protected by a password; save it without one and upload again",
        "ru": "Файл {file} защищён паролем; сохраните его без пароля и загрузите снова",
    },
    "file.too_large": {
        "en": "{file} is {size} bytes, over the limit of {limit}; "
        "to read it, raise ReadLimits.{setting}",
        "ru": "Файл {file} занимает {size} байт, больше допустимых {limit}; "
        "чтобы прочитать его, увеличьте {setting} в настройках чтения",
    },
    "file.unpacked_too_large": {
        "en": "{file} unpacks to {size} bytes, over the limit of {limit} "
        "(refused as a possible zip bomb); to read it, raise ReadLimits.{setting}",
        "ru": "Файл {file} распаковывается в {size} байт, больше допустимых {limit} "
        "(отклонён как возможная архивная бомба); чтобы прочитать его, увеличьте {setting} "
        "в настройках чтения",
    },
    "file.too_compressed": {
        "en": "{file} unpacks to {size} bytes, {ratio} times its own size, over the limit "
        "of {limit} times (refused as a possible zip bomb); to read it, raise "
        "ReadLimits.{setting}",
        "ru": "Файл {file} распаковывается в {size} байт, в {ratio} раз больше себя самого, "
        "а допустимо не больше чем в {limit} раз (отклонён как возможная архивная бомба); "
        "чтобы прочитать его, увеличьте {setting} в настройках чтения",
    },
    "file.needs_too_much_memory": {
        "en": "{file} would take about {size} bytes of memory to read, over the limit of "
        "{limit}; to read it, raise ReadLimits.{setting}",
        "ru": "Для чтения файла {file} нужно около {size} байт памяти, больше допустимых "
        "{limit}; чтобы прочитать его, увеличьте {setting} в настройках чтения",
    },
    "file.malformed": {
        "en": "{file} is damaged or unsafe: {reason}",
        "ru": "Файл {file} повреждён или небезопасен: {reason}",
    },
    "file.strict_ooxml": {
        "en": "{file} is a Strict Open XML workbook, which the {reader} reader does not read; "
        "read it with the {other} reader",
        "ru": "Файл {file} сохранён в формате Strict Open XML, его средство чтения {reader} "
        "не читает; прочитайте файл средством {other}",
    },
    "file.workbook_part_name": {
        "en": "{file} keeps its workbook in the part {part}; the {reader} reader reads a "
        "workbook only from a part named workbook.xml; read it with the {other} reader",
        "ru": "Файл {file} хранит книгу в части {part}; средство чтения {reader} читает книгу "
        "только из части с именем workbook.xml; прочитайте файл средством {other}",
    },
    "file.unsupported": {
        "en": "No reader for {suffix} files; the installed readers read {known}",
        "ru": "Нет средства чтения файлов {suffix}; установленные читают {known}",
    },
    "sheet.not_found": {
        "en": "{file} has no sheet {sheet}; its sheets: {sheets}",
        "ru": "В файле {file} нет листа {sheet}; листы файла: {sheets}",
    },
    "reader.unknown": {
        "en": "No spreadsheet reader {reader!r}; installed: {installed}{hint}",
        "ru": "Нет средства чтения {reader!r}; установлены: {installed}{hint}",
    },
    # Problems inside a ValidationError.
    "quantity.not_a_number": {
        "en": "{field}: {value!r} is not a number (expected {expected})",
        "ru": "{field}: {value!r} не является числом (ожидается {expected})",
    },
    "quantity.not_finite": {
        "en": "{field}: {value} is not a finite number",
        "ru": "{field}: {value} не является конечным числом",
    },
    "quantity.not_positive": {
        "en": "{field}: {value} must be greater than zero",
        "ru": "{field}: {value} должно быть больше нуля",
    },
    "quantity.negative": {
        "en": "{field}: {value} must not be negative",
        "ru": "{field}: {value} не может быть отрицательным",
    },
    "quantity.too_fine": {
        "en": "{field}: {value} has more decimal places than allowed ({expected})",
        "ru": "{field}: у {value} больше знаков после запятой, чем допустимо ({expected})",
    },
    "quantity.too_large": {
        "en": "{field}: {value} is too large (expected {expected})",
        "ru": "{field}: {value} слишком велико (ожидается {expected})",
    },
    "text.blank": {
        "en": "{field} must not be blank",
        "ru": "{field}: значение не может быть пустым",
    },
    "text.too_long": {
        "en": "{field} is too long (at most {expected} characters)",
        "ru": "{field}: слишком длинное значение (не больше {expected} символов)",
    },
    "text.control_characters": {
        "en": "{field} contains a control character (a line break, tab, escape or the like)",
        "ru": "{field}: значение содержит управляющий символ (перевод строки, табуляцию "
        "или подобный)",
    },
    "text.hidden_characters": {
        "en": "{field} holds an invisible character ({value}), such as a zero-width space",
        "ru": "{field}: значение содержит невидимый символ ({value}), например пробел нулевой"
        " ширины",
    },
    "value.invalid": {
        "en": "{field}: {value!r} is not valid (expected {expected})",
        "ru": "{field}: недопустимое значение {value!r} (ожидается {expected})",
    },
    "value.wrong_type": {
        "en": "{field}: {expected} expected, not {value}",
        "ru": "{field}: значение неподходящего типа",
    },
    "value.unknown_option": {
        "en": "{field}: no such option (options: {expected})",
        "ru": "{field}: такого параметра нет",
    },
    "value.not_storable": {
        "en": "The input holds a value the database cannot store (malformed or too long)",
        "ru": "Во входных данных есть значение, которое база данных не может сохранить: "
        "оно искажено или слишком длинное",
    },
    "reference.unknown": {
        "en": "{field}: {value!r} does not exist",
        "ru": "{field}: {value!r} не существует",
    },
    "reference.foreign": {
        "en": "{field}: {value!r} belongs to another counterparty (expected {expected})",
        "ru": "{field}: {value!r} принадлежит другому контрагенту (ожидается {expected})",
    },
    "reference.duplicate": {
        "en": "{field}: {value!r} already exists",
        "ru": "{field}: {value!r} уже существует",
    },
    "contract.no_main": {
        "en": "{field}: the counterparty has no main contract; name a contract",
        "ru": "{field}: у контрагента нет основного договора; укажите договор",
    },
    "lines.empty": {
        "en": "{field}: a document needs at least one line",
        "ru": "{field}: в документе должна быть хотя бы одна строка",
    },
    "lines.too_many": {
        "en": "{field}: one order may carry at most {expected} (the account's order limits)",
        "ru": "{field}: в одном заказе может быть не больше {expected} (ограничение аккаунта)",
    },
    "list.too_long": {
        "en": "{field}: {value} entries, more than the {expected} one call takes"
        " (custody_core.open(max_list_length=...) raises it)",
        "ru": "{field}: передано значений: {value}, а за один вызов допускается не больше"
        " {expected}",
    },
    "lines.repeated": {
        "en": "{field}: item {value!r} appears in more than one line",
        "ru": "{field}: товар {value!r} указан в нескольких строках",
    },
    "document.already_reversed": {
        "en": "{kind} {number} is already reversed",
        "ru": "Документ {kind} № {number} уже сторнирован",
    },
    "document.reversed": {
        "en": "{kind} {number} was reversed (reversal {reversal} of {date}): its forms are void"
        " and are not printed",
        "ru": "{kind} № {number} сторнирована (сторно № {reversal} от {date}): её печатные"
        " формы недействительны и не печатаются",
    },
    "delivery.nothing_handed_over": {
        "en": "{field}: the recipient refused everything; record a failed delivery instead",
        "ru": "{field}: получатель отказался от всего; оформите недоставку",
    },
    "date.future": {
        "en": "{field}: {value} is in the future (expected {expected})",
        "ru": "{field}: {value} ещё не наступила (ожидается {expected})",
    },
    "period.not_ended": {
        "en": "{field}: the month of {value} has not ended (expected {expected})",
        "ru": "{field}: месяц даты {value} ещё не закончился (ожидается {expected})",
    },
    "auth.invalid_credentials": {
        "en": "Wrong login or password",
        "ru": "Неверный логин или пароль",
    },
    "auth.locked": {
        "en": "Too many failed logins; try again after {until}",
        "ru": "Слишком много неудачных попыток входа; повторите после {until}",
    },
    "auth.disabled": {
        "en": "User {login} is disabled",
        "ru": "Пользователь {login} отключён",
    },
    "auth.not_connected": {
        "en": "User {login} has no connection card; the cabinet is not connected yet",
        "ru": "У пользователя {login} нет карточки подключения; кабинет ещё не подключён",
    },
    "auth.provider_failed": {
        "en": "Identity provider {plugin} failed ({error}); the login counts as failed",
        "ru": "Поставщик учётных записей {plugin} не смог проверить вход;"
        " попытка засчитана как неудачная",
    },
    "auth.provider_identity_invalid": {
        "en": "Identity provider {plugin} vouched for an identity that cannot be a user here"
        " (wrong: {fields})",
        "ru": "Поставщик учётных записей {plugin} подтвердил учётную запись, которая не может"
        " стать пользователем (неверно: {fields})",
    },
    "login.mixed_scripts": {
        "en": "{field}: {value!r} mixes letters of different scripts; write it in one",
        "ru": "{field}: в {value!r} смешаны буквы разных алфавитов; используйте один алфавит",
    },
    "roles.client_exclusive": {
        "en": "{field}: {value!r} combines roles (expected {expected})",
        "ru": "{field}: роль «Личный кабинет клиента» не совмещается с другими ({value!r})",
    },
    "password.too_short": {
        "en": "{field}: the password is too short (expected at least {expected} characters)",
        "ru": "{field}: пароль слишком короткий (нужно не меньше {expected} символов)",
    },
    "password.too_long": {
        "en": "{field}: the password is too long (expected at most {expected} characters)",
        "ru": "{field}: пароль слишком длинный (не больше {expected} символов)",
    },
    "password.needs_letter": {
        "en": "{field}: the password needs at least one letter",
        "ru": "{field}: в пароле должна быть хотя бы одна буква",
    },
    "password.needs_digit": {
        "en": "{field}: the password needs at least one digit",
        "ru": "{field}: в пароле должна быть хотя бы одна цифра",
    },
    "password.contains_login": {
        "en": "{field}: the password must not contain the login",
        "ru": "{field}: пароль не должен содержать логин",
    },
    "password.common": {
        "en": "{field}: the password is one of the most common ones; choose another",
        "ru": "{field}: этот пароль из числа самых распространённых; выберите другой",
    },
    "hasher.too_weak": {
        "en": "{field}: {value} is too weak for hashing passwords (at least {expected})",
        "ru": "{field}: значение {value} слишком слабое для хеширования паролей"
        " (нужно не меньше {expected})",
    },
    "password.mismatch": {
        "en": "{field}: the confirmation differs from the password",
        "ru": "{field}: подтверждение не совпадает с паролем",
    },
    "phone.invalid": {
        "en": "{field}: {value!r} is not a phone number (expected {expected})",
        "ru": "{field}: {value!r} не номер телефона (ожидается {expected})",
    },
    "email.invalid": {
        "en": "{field}: {value!r} is not an e-mail address ({expected})",
        "ru": "{field}: {value!r} не адрес электронной почты ({expected})",
    },
    "card.not_client": {
        "en": "{field}: user {value!r} does not hold the client cabinet role",
        "ru": "{field}: у пользователя {value!r} нет роли «Личный кабинет клиента»",
    },
    "card.no_login": {
        "en": "{field}: the counterparty has no phone; type the login",
        "ru": "{field}: у контрагента не указан телефон; введите логин вручную",
    },
    "registry.rejected": {"en": "The registry was not imported", "ru": "Реестр не загружен"},
    "registry.problems_omitted": {
        "en": "{count} more problems, not listed",
        "ru": "и ещё замечаний, не перечисленных здесь: {count}",
    },
    "registry.required": {
        "en": "{field}: a value is required",
        "ru": "{field}: нужно значение",
    },
    "registry.header_missing": {
        "en": "{field}: no column titled {value!r} in the header row",
        "ru": "{field}: в строке заголовков нет колонки «{value}»",
    },
    "registry.number_repeated": {
        "en": "{field}: order {value!r} appeared earlier, in {expected}, with other orders "
        "between; rows of one order must follow each other",
        "ru": "{field}: заказ {value!r} уже встречался выше ({expected}), между ними другие "
        "заказы; строки одного заказа должны идти подряд",
    },
    "registry.order_field_differs": {
        "en": "{field}: {value!r} differs from the order's first row: {expected}",
        "ru": "{field}: {value!r} отличается от первой строки заказа: {expected}",
    },
    "registry.order_field_unset": {
        "en": "{field}: {value!r} is given, but the order's first row (row {expected}) leaves "
        "the field empty; order fields come from the first row",
        "ru": "{field}: указано {value!r}, а в первой строке заказа (строка {expected}) поле "
        "пустое; поля заказа берутся из его первой строки",
    },
    "registry.order_changed": {
        "en": "{field}: order {value!r} is already loaded, and its rows differ from the stored "
        "order: {expected}; the stored order is kept",
        "ru": "{field}: заказ {value!r} уже загружен, а его строки отличаются от сохранённого "
        "заказа: {expected}; сохранённый заказ не изменён",
    },
    "registry.warehouse_required": {
        "en": "{field}: a warehouse is required: add a warehouse column or a template default",
        "ru": "{field}: нужен склад: добавьте колонку склада или склад по умолчанию в шаблон",
    },
    "registry.empty": {
        "en": "{field}: no data in rows {value} of the sheet",
        "ru": "{field}: в строках {value} листа нет данных",
    },
    "requisites.incomplete": {
        "en": "The form cannot be printed: requisites are missing",
        "ru": "Форму нельзя напечатать: не заполнены реквизиты",
    },
    "requisites.missing": {
        "en": "{field} is not filled in, and the form prints it",
        "ru": "{field}: реквизит не заполнен, а форма его печатает",
    },
    "requisites.malformed": {
        "en": "{field}: {value!r} is not valid (expected {expected})",
        "ru": "{field}: недопустимое значение {value!r} (ожидается {expected})",
    },
    "requisites.checksum": {
        "en": "{field}: {value!r} has a wrong check digit (expected {expected})",
        "ru": "{field}: в {value!r} неверное контрольное число (ожидается {expected})",
    },
    "data.invalid": {
        "en": "{field}: {expected}",
        "ru": "{field}: {expected}",
    },
    "tariff.missing": {
        "en": "{field}: there is no tariff for counterparty {value} and no default tariff",
        "ru": "{field}: нет тарифа для контрагента {value} и нет тарифа по умолчанию",
    },
    "tariff.zone": {
        "en": "{field}: a zone is given for, and only for, a rate by zone",
        "ru": "{field}: зона указывается у тарифа по зоне, и только у него",
    },
    "tariff.repeated": {
        "en": "{field}: {value!r} is priced twice",
        "ru": "{field}: {value!r} указан дважды",
    },
    "tariff.zone_unknown": {
        "en": "{field}: the tariff has no price for zone {value!r} (zones: {expected})",
        "ru": "{field}: в тарифе нет цены для зоны {value!r} (зоны: {expected})",
    },
    "form.format_unknown": {
        "en": "No renderer for format {format!r}; installed: {installed}",
        "ru": "Нет средства печати в формате {format!r}; установлены: {installed}",
    },
    "form.unsupported": {
        "en": "The {format} renderer cannot print {kind}",
        "ru": "Средство печати {format} не печатает форму {kind}",
    },
    "form.needs_extra": {
        "en": "Printing to {format} needs {package}: pip install 'custody-core[{extra}]'",
        "ru": "Для печати в {format} нужен {package}: pip install 'custody-core[{extra}]'",
    },
    "form.no_services": {
        "en": "{field}: the tariff prices nothing for {value}",
        "ru": "{field}: по тарифу для {value} нечего начислить",
    },
    "registry.no_cargo": {
        "en": "the row has neither a SKU nor a cargo description",
        "ru": "в строке нет ни артикула, ни описания груза",
    },
    "cell.not_integer": {
        "en": "{field}: {value!r} is not a whole number (expected a number like {expected})",
        "ru": "{field}: {value!r} не целое число (ожидается число вида {expected})",
    },
    "cell.not_decimal": {
        "en": "{field}: {value!r} is not a number (expected a number like {expected})",
        "ru": "{field}: {value!r} не число (ожидается число вида {expected})",
    },
    "cell.not_date": {
        "en": "{field}: {value!r} is not a date (expected {expected} or an Excel date)",
        "ru": "{field}: {value!r} не дата (ожидается {expected} или дата Excel)",
    },
    "cell.not_boolean": {
        "en": "{field}: {value!r} is not yes or no (expected one of {expected})",
        "ru": "{field}: {value!r} не «да» и не «нет» (ожидается одно из {expected})",
    },
    "template.needs_field": {
        "en": "{field}: the template must map {value}",
        "ru": "{field}: шаблон должен задавать колонку для {value}",
    },
    "template.column_or_header": {
        "en": "{field}: give the column of {value!r} by letter or by header title, not both",
        "ru": "{field}: укажите колонку поля {value!r} буквой или заголовком (одно из двух)",
    },
    "template.needs_header_row": {
        "en": "{field}: columns found by header title need a header row",
        "ru": "{field}: для поиска колонок по заголовкам нужна строка заголовков",
    },
    "attachment.too_large": {
        "en": "{field}: {value} bytes is more than {expected}",
        "ru": "{field}: {value} байт больше допустимых {expected}",
    },
}


#: Russian words for values that name things (entities, states, changes) inside messages.
TERMS_RU: Mapping[str, str] = {
    "account": "Аккаунт",
    "counterparty": "Контрагент",
    "warehouse": "Склад",
    "order": "Заказ",
    "receipt": "Приходная накладная",
    "shipment": "Расходная накладная",
    "reversal": "Сторно",
    "item": "Товар",
    "database": "База данных",
    "user": "Пользователь",
    "attachment": "Вложение",
    "connection card": "Карточка подключения",
    "draft": "черновик",
    "confirmed": "подтверждён",
    "delivered": "доставлен",
    "partially_delivered": "доставлен частично",
    "not_delivered": "не доставлен (резерв сохранён)",
    "failed": "не доставлен (резерв снят)",
    "cancelled": "отменён",
    "confirm": "подтвердить",
    "edit_lines": "изменить грузы",
    "deliver": "доставить",
    "deliver_partially": "доставить частично",
    "fail_keeping_reserve": "отметить недоставку с сохранением резерва",
    "fail_releasing_reserve": "отметить недоставку со снятием резерва",
    "cancel": "отменить",
    "reverse_delivery": "сторнировать доставку",
    "max_file_bytes": "предел размера файла",
    "max_loaded_bytes": "предел размера файла, читаемого целиком",
    "max_unpacked_bytes": "предел распакованного размера",
    "max_compression_ratio": "предел степени сжатия",
    "max_memory_bytes": "предел памяти на чтение файла",
}

#: Names of the failure reasons (custody_core.domain.orders.FAILURE_REASONS).
FAILURE_REASON_NAMES: Mapping[str, Mapping[str, str]] = {
    "recipient_absent": {"en": "Recipient absent", "ru": "Получателя нет на месте"},
    "rescheduled": {"en": "Rescheduled by the recipient", "ru": "Перенос по просьбе получателя"},
    "wrong_address": {"en": "Wrong address", "ru": "Неверный адрес"},
    "recipient_refused": {"en": "Recipient refused the order", "ru": "Получатель отказался"},
    "goods_damaged": {"en": "Goods damaged", "ru": "Товар повреждён"},
}
_TRANSLATED_KEYS = ("entity", "state", "change", "kind", "setting")


_PLACES = {
    "en": ("Row {row}", "column {column}", "«{header}»"),
    "ru": ("Строка {row}", "колонка {column}", "«{header}»"),
}


def place(locale: str, row: int | None, column: str | None, header: str | None) -> str:
    """Where a problem is in a spreadsheet, as a message prefix ("" when nowhere)."""
    row_text, column_text, header_text = _PLACES.get(locale, _PLACES["en"])
    parts = [
        text.format(row=row, column=column, header=header)
        for text, value in ((row_text, row), (column_text, column))
        if value is not None
    ]
    prefix = ", ".join(parts)
    if header is not None:
        prefix = f"{prefix} {header_text.format(header=header)}".strip()
    return f"{prefix}: " if prefix else ""


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def for_people(value: Any) -> Any:
    """`value` as a message shows it: a date as 2026-11-24 (in every language, as the
    problems' `expected` texts write dates), a number as written, never a Python repr
    (`datetime.date(2026, 11, 24)`, `Decimal('1.5')`) that `{value!r}` would otherwise make
    of it. Text, whole numbers and None are shown as they are."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, enum.Enum):
        return for_people(value.value)
    if isinstance(value, UUID):
        return str(value)
    return value


def render(code: str, locale: str, details: Mapping[str, Any]) -> str:
    """The message for `code` in `locale` (English when the locale is unknown)."""
    templates = CATALOG.get(code, CATALOG["error"])
    template = templates.get(locale, templates["en"])
    values = _Lenient({key: for_people(value) for key, value in details.items()})
    if locale == "ru":
        for key in _TRANSLATED_KEYS:
            if isinstance(values.get(key), str):
                values[key] = TERMS_RU.get(values[key], values[key])
    return template.format_map(values)
