"""Every error and problem code the library raises, declared once.

A code is a member of one of the `Code` enums below: the part of the code before the dot
names its class (`value.invalid` is `Value.INVALID`), and a code without a dot is in
`General`. Errors and problems take a `Code`, never a loose string, so an undeclared code
is a type error; tests hold the catalogue (`custody_core/locales/*.toml`) to exactly these
codes, so every code has a message in every language. Adding a code is adding a member
here and its text to every locale file.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """Base of the code enums; a member is its code's text, so it compares, prints and
    serialises as the code itself."""


# Errors without a more precise code; each is the code of its error class.


class General(Code):
    ERROR = "error"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    VALIDATION = "validation"
    CONFLICT = "conflict"
    STORAGE = "storage"


# Custody: documents, orders, stock and the input their use cases take.


class Conflict(Code):
    CONCURRENT = "conflict.concurrent"
    STALE_VERSION = "conflict.stale_version"
    ORDER_CHANGED = "conflict.order_changed"
    USER_CHANGED = "conflict.user_changed"
    ORDER_NUMBER_TAKEN = "conflict.order_number_taken"
    EXTERNAL_NUMBER_TAKEN = "conflict.external_number_taken"
    SHIPMENT_NUMBER_TAKEN = "conflict.shipment_number_taken"
    FORM_ISSUED = "conflict.form_issued"
    LOGIN_TAKEN = "conflict.login_taken"
    EXTERNAL_ID_TAKEN = "conflict.external_id_taken"
    CARD_EXISTS = "conflict.card_exists"
    CARD_LOGIN_TAKEN = "conflict.card_login_taken"
    ID_TAKEN = "conflict.id_taken"


class Document(Code):
    DUPLICATE = "document.duplicate"
    ALREADY_REVERSED = "document.already_reversed"
    REVERSED = "document.reversed"


class Order(Code):
    ILLEGAL_TRANSITION = "order.illegal_transition"


class Stock(Code):
    INSUFFICIENT = "stock.insufficient"
    RESERVE_INSUFFICIENT = "stock.reserve_insufficient"


class Quantity(Code):
    NOT_A_NUMBER = "quantity.not_a_number"
    NOT_FINITE = "quantity.not_finite"
    NOT_POSITIVE = "quantity.not_positive"
    NEGATIVE = "quantity.negative"
    TOO_FINE = "quantity.too_fine"
    TOO_LARGE = "quantity.too_large"


class Text(Code):
    BLANK = "text.blank"
    TOO_LONG = "text.too_long"
    CONTROL_CHARACTERS = "text.control_characters"
    HIDDEN_CHARACTERS = "text.hidden_characters"


class Value(Code):
    INVALID = "value.invalid"
    WRONG_TYPE = "value.wrong_type"
    UNKNOWN_OPTION = "value.unknown_option"
    NOT_STORABLE = "value.not_storable"


class Reference(Code):
    UNKNOWN = "reference.unknown"
    FOREIGN = "reference.foreign"
    DUPLICATE = "reference.duplicate"


class Contract(Code):
    NO_MAIN = "contract.no_main"


class Lines(Code):
    EMPTY = "lines.empty"
    TOO_MANY = "lines.too_many"
    REPEATED = "lines.repeated"


class List(Code):
    TOO_LONG = "list.too_long"


class Delivery(Code):
    NOTHING_HANDED_OVER = "delivery.nothing_handed_over"


class Date(Code):
    FUTURE = "date.future"


class Period(Code):
    NOT_ENDED = "period.not_ended"


# Storage and plugins.


class Storage(Code):
    SCHEMA_TOO_NEW = "storage.schema_too_new"
    CORRUPT = "storage.corrupt"
    BUSY = "storage.busy"
    READ_ONLY = "storage.read_only"
    UNKNOWN_BACKEND = "storage.unknown_backend"
    BAD_URL = "storage.bad_url"
    UNAVAILABLE = "storage.unavailable"
    NEEDS_EXTRA = "storage.needs_extra"


class Plugin(Code):
    FAILED = "plugin.failed"


# Spreadsheet files and the registry loaded from them.


class File(Code):
    UNREADABLE = "file.unreadable"
    NOT_A_WORKBOOK = "file.not_a_workbook"
    ENCRYPTED = "file.encrypted"
    TOO_LARGE = "file.too_large"
    UNPACKED_TOO_LARGE = "file.unpacked_too_large"
    TOO_COMPRESSED = "file.too_compressed"
    NEEDS_TOO_MUCH_MEMORY = "file.needs_too_much_memory"
    MALFORMED = "file.malformed"
    STRICT_OOXML = "file.strict_ooxml"
    WORKBOOK_PART_NAME = "file.workbook_part_name"
    UNSUPPORTED = "file.unsupported"


class Sheet(Code):
    NOT_FOUND = "sheet.not_found"


class Reader(Code):
    UNKNOWN = "reader.unknown"


class Cell(Code):
    NOT_INTEGER = "cell.not_integer"
    NOT_DECIMAL = "cell.not_decimal"
    NOT_DATE = "cell.not_date"
    NOT_BOOLEAN = "cell.not_boolean"


class Registry(Code):
    REJECTED = "registry.rejected"
    PROBLEMS_OMITTED = "registry.problems_omitted"
    REQUIRED = "registry.required"
    HEADER_MISSING = "registry.header_missing"
    NUMBER_REPEATED = "registry.number_repeated"
    ORDER_FIELD_DIFFERS = "registry.order_field_differs"
    ORDER_FIELD_UNSET = "registry.order_field_unset"
    ORDER_CHANGED = "registry.order_changed"
    WAREHOUSE_REQUIRED = "registry.warehouse_required"
    EMPTY = "registry.empty"
    NO_CARGO = "registry.no_cargo"


class Template(Code):
    NEEDS_FIELD = "template.needs_field"
    COLUMN_OR_HEADER = "template.column_or_header"
    NEEDS_HEADER_ROW = "template.needs_header_row"


# Access: logins, users, passwords, connection cards, attachments.


class Auth(Code):
    INVALID_CREDENTIALS = "auth.invalid_credentials"
    LOCKED = "auth.locked"
    DISABLED = "auth.disabled"
    NOT_CONNECTED = "auth.not_connected"
    PROVIDER_FAILED = "auth.provider_failed"
    PROVIDER_IDENTITY_INVALID = "auth.provider_identity_invalid"


class Login(Code):
    MIXED_SCRIPTS = "login.mixed_scripts"


class Roles(Code):
    CLIENT_EXCLUSIVE = "roles.client_exclusive"


class Password(Code):
    TOO_SHORT = "password.too_short"
    TOO_LONG = "password.too_long"
    NEEDS_LETTER = "password.needs_letter"
    NEEDS_DIGIT = "password.needs_digit"
    CONTAINS_LOGIN = "password.contains_login"
    COMMON = "password.common"
    MISMATCH = "password.mismatch"


class Hasher(Code):
    TOO_WEAK = "hasher.too_weak"


class Phone(Code):
    INVALID = "phone.invalid"


class Email(Code):
    INVALID = "email.invalid"


class Card(Code):
    NOT_CLIENT = "card.not_client"
    NO_LOGIN = "card.no_login"


class Attachment(Code):
    TOO_LARGE = "attachment.too_large"


# Printed forms: requisites, tariffs, settings files.


class Requisites(Code):
    INCOMPLETE = "requisites.incomplete"
    MISSING = "requisites.missing"
    MALFORMED = "requisites.malformed"
    CHECKSUM = "requisites.checksum"


class Tariff(Code):
    MISSING = "tariff.missing"
    ZONE = "tariff.zone"
    REPEATED = "tariff.repeated"
    ZONE_UNKNOWN = "tariff.zone_unknown"


class Form(Code):
    FORMAT_UNKNOWN = "form.format_unknown"
    UNSUPPORTED = "form.unsupported"
    NEEDS_EXTRA = "form.needs_extra"
    NO_SERVICES = "form.no_services"


class Data(Code):
    INVALID = "data.invalid"


#: Every declared code.
CODES: frozenset[Code] = frozenset(code for area in Code.__subclasses__() for code in area)
