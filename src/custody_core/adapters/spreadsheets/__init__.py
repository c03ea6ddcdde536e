"""Built-in spreadsheet readers: openpyxl and csv always, python-calamine when installed.

Registration order matters: when no reader is named, `Plugins.reader` takes the
first streaming reader of a suffix, so openpyxl reads .xlsx and calamine reads
the types only it knows (.xls, .xlsb, .ods). Each module is imported when its
reader is first made, so calamine's absence costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.util import find_spec
from typing import Any

from custody_core.plugins import ReaderRegistry, hookimpl, reject_unknown_options
from custody_core.ports.spreadsheets import SpreadsheetReader


def _openpyxl(options: Mapping[str, Any]) -> SpreadsheetReader:
    from custody_core.adapters.spreadsheets.openpyxl_reader import OpenpyxlReader

    reject_unknown_options(options, ())
    return OpenpyxlReader()


def _csv(options: Mapping[str, Any]) -> SpreadsheetReader:
    from custody_core.adapters.spreadsheets.csv_reader import CsvReader

    reject_unknown_options(options, ())
    return CsvReader()


def _calamine(options: Mapping[str, Any]) -> SpreadsheetReader:
    from custody_core.adapters.spreadsheets.calamine_reader import CalamineReader

    reject_unknown_options(options, ())
    return CalamineReader()


class ReadersPlugin:
    @hookimpl
    def custody_register_readers(self, register: ReaderRegistry) -> None:
        register("openpyxl", _openpyxl)
        register("csv", _csv)
        if find_spec("python_calamine") is not None:
            register("calamine", _calamine)
