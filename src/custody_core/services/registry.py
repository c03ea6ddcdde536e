"""Order registry import (загрузка реестров): a spreadsheet of orders, checked, then created.

The file is read once, as a stream: rows are parsed by the template's
columns, consecutive rows with one external order number are gathered into
one order, and orders are checked in batches, each against the storage in a
short read-only unit of work, so memory holds a batch, not the file, and no
writer waits while the file is read. An external number met again after
other orders is an error naming both rows; grouping therefore never needs to
look back.

A dry run decides each batch as it is checked and stores nothing. A real run
checks the whole file first, keeping the checked batches in a temporary file
(`_Spill`), then stores them in one writing unit of work that parses
nothing: all or nothing by default, or (`partial=True`) every valid order
with the rest reported. Orders are keyed by (counterparty, external number):
rows whose number the counterparty already has are skipped, so uploading a
registry twice creates nothing twice (with a notice for an order whose rows
have changed since).
"""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Self, TypedDict

from attrs import evolve, frozen

from custody_core.domain import cells, codes
from custody_core.domain.checks import Checks
from custody_core.domain.errors import (
    Problem,
    SpreadsheetError,
    ValidationError,
    echoed,
    invalid,
    unreadable,
)
from custody_core.domain.imports import (
    ImportResult,
    OrderOutcome,
    OutcomeKind,
    RegistryImport,
    RegistryRejected,
    RowSpan,
    Shortage,
)
from custody_core.domain.ledger import ZERO, StockKey
from custody_core.domain.lines import LineDraft
from custody_core.domain.messages import expect
from custody_core.domain.orders import CargoDraft, DeliveryOrder, OrderChange, OrderDraft
from custody_core.domain.parties import Counterparty
from custody_core.domain.registry import (
    FIELDS,
    ColumnMapping,
    FieldType,
    Level,
    RegistryTemplate,
    RowSettings,
    column_index,
    column_letter,
)
from custody_core.domain.text import escaped
from custody_core.ports.spreadsheets import Cell, ReadLimits, SheetRequest, SheetRows
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context
from custody_core.services.order_building import CheckedOrder, OrderBuilder
from custody_core.services.seen_numbers import SeenNumbers
from custody_core.services.stock_moves import record_movements
from custody_core.services.templates import template_for

Progress = Callable[[int, int | None], None]
OutcomeListener = Callable[[OrderOutcome], None]

#: Orders checked and stored together: one query per batch for SKUs and external numbers,
#: one block of order numbers per batch.
BATCH = 500
#: Bytes of checked batches a real run keeps in memory before it spills them to disk.
SPILL_IN_MEMORY = 4 * 1024 * 1024
#: Columns searched for header titles when a template finds columns by title.
HEADER_WIDTH = 100
#: Progress is reported every this many rows (and once at the end).
PROGRESS_EVERY = 1000


class ImportOptions(TypedDict, total=False):
    """The keyword options of `import_registry`, for the desks that pass them on."""

    rows: RowRange | None
    dry_run: bool
    partial: bool
    warehouse: str | None
    reader: str | None
    limits: ReadLimits | None
    max_problems: int
    progress: Progress | None
    on_order: OutcomeListener | None


@frozen
class RowRange:
    """Rows to read, overriding the template's: `last` None reads to the end of the data."""

    first: int
    last: int | None = None


def import_registry(
    ctx: Context,
    path: Path | str,
    template: str | RegistryTemplate,
    counterparty: str | None = None,
    *,
    rows: RowRange | None = None,
    dry_run: bool = False,
    partial: bool = False,
    warehouse: str | None = None,
    reader: str | None = None,
    limits: ReadLimits | None = None,
    max_problems: int = 1000,
    progress: Progress | None = None,
    on_order: OutcomeListener | None = None,
) -> ImportResult:
    """Import the registry at `path` for `counterparty` (a client's own when None).

    `on_order` hears of each order in file order as it is decided: a dry run's as
    its batch is checked, a real run's as its batch is stored. A real run's
    orders exist only once this function returns; an all-or-nothing run with
    problems announces every order once the file is checked (planned, skipped
    or rejected), raises RegistryRejected and stores nothing.
    """
    authorize(ctx.principal, Action.MANAGE_ORDERS)
    if isinstance(max_problems, bool) or not isinstance(max_problems, int) or max_problems < 1:
        raise invalid(
            codes.Value.INVALID, "max_problems", max_problems, expect("whole_from", low=1)
        )
    source = Path(path)
    limits = limits or ReadLimits()
    spreadsheet = ctx.reader(reader, source.suffix.lower())
    with ctx.storage.unit_of_work(read_only=True) as uow:
        owner = ctx.counterparty(uow, counterparty)
        layout = _layout(ctx, uow, template, owner, rows)
        digest = _file_hash(source, limits)
        earlier = tuple(uow.imports.with_hash(ctx.account_id, owner.id, digest))
        run = _Run(
            ctx,
            OrderBuilder(ctx, uow, owner),
            layout,
            _default_warehouse(ctx, uow, layout, warehouse),
            dry_run=dry_run,
            partial=partial,
            max_problems=max_problems,
            on_order=on_order,
        )
    # A file's name is the uploader's text: recorded and shown with its controls escaped.
    summary = _Summary(escaped(source.name), digest, owner.code, earlier)
    sheet = spreadsheet.open(source, run.request(), limits)
    if dry_run:
        run.check(sheet, progress, run.plan)
        return run.result(summary)
    with _Spill() as spill:
        run.check(sheet, progress, lambda _, batch: spill.add(batch))
        if run.problems and not partial:
            for batch in spill:
                with ctx.storage.unit_of_work(read_only=True) as uow:
                    run.plan(uow, batch)
            raise RegistryRejected(run.result(summary))
        return _store(ctx, run, spill, summary)


def _store(ctx: Context, run: _Run, spill: _Spill, summary: _Summary) -> ImportResult:
    """The store pass of a real run: the checked batches in one unit of work, with the
    import's record and audit entry. It parses nothing, so it holds the write lock (on
    SQLite) for the storing alone. It first takes the counterparty's import lock, so a
    second import of the same rows waits, then finds them made and its earlier import;
    and, when the orders reserve stock, the counterparty's stock whole (batches meet items
    in file order, writers lock balances in key order: a deadlock otherwise). Orders are
    numbered per batch apart from the unit (`orders.next_numbers_apart`), so writers
    creating orders meanwhile wait for one batch's numbers, not for the whole import."""
    owner = run.counterparty
    with ctx.storage.unit_of_work() as uow:
        uow.imports.lock(ctx.account_id, owner.id)
        if run.layout.reserves_stock:
            uow.ledger.lock_counterparty(ctx.account_id, owner.id)
        earlier = tuple(uow.imports.with_hash(ctx.account_id, owner.id, summary.file_hash))
        for batch in spill:
            run.store(uow, batch)
        result = run.result(evolve(summary, earlier=earlier))
        record = RegistryImport(
            id=ctx.new_id(),
            account_id=ctx.account_id,
            counterparty_id=owner.id,
            template=run.layout.name,
            file_name=summary.file_name,
            file_hash=summary.file_hash,
            imported_at=ctx.now(),
            imported_by=ctx.principal.user,
            orders_created=result.orders,
        )
        uow.imports.add(record)
        target = f"registry {summary.file_name}: {result.orders} orders"
        ctx.commit(uow, "registry.import", counterparty_id=owner.id, target=target)
    return evolve(result, import_id=record.id)


@frozen
class _Summary:
    """What the result says about the file, besides what the run counted."""

    file_name: str
    file_hash: str
    counterparty: str
    earlier: tuple[RegistryImport, ...]


def _layout(
    ctx: Context,
    uow: UnitOfWork,
    template: str | RegistryTemplate,
    owner: Counterparty,
    rows: RowRange | None,
) -> RegistryTemplate:
    layout = template_for(ctx, uow, template, owner)
    if rows is not None:
        layout = evolve(layout, rows=evolve(layout.rows, first_row=rows.first, last_row=rows.last))
    problems = layout.problems()
    if problems:
        raise ValidationError(problems)
    return layout


def _file_hash(source: Path, limits: ReadLimits) -> str:
    """SHA-256 of the file's content, read in blocks; the size limit is checked first."""
    try:
        size = source.stat().st_size
        if size > limits.max_file_bytes:
            raise SpreadsheetError(
                codes.File.TOO_LARGE,
                file=source.name,
                size=size,
                limit=limits.max_file_bytes,
                setting="max_file_bytes",
            )
        digest = hashlib.sha256()
        with source.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise unreadable(source.name, error) from None
    return digest.hexdigest()


def _default_warehouse(
    ctx: Context, uow: UnitOfWork, layout: RegistryTemplate, code: str | None
) -> object:
    """The warehouse of rows that name none: the argument, the template's default, or the
    account's only warehouse. Without any of them and without a warehouse column no row
    could name one: one problem for the file (`registry.warehouse_required`), not one
    per order."""
    if code is not None:
        return code
    if "warehouse" in layout.defaults:
        return layout.defaults["warehouse"]
    warehouses = uow.warehouses.find_all(ctx.account_id)
    if len(warehouses) == 1:
        return warehouses[0].code
    if layout.mapping("warehouse") is None:
        raise ValidationError([Problem(codes.Registry.WAREHOUSE_REQUIRED, "warehouse")])
    return None


@frozen
class _Column:
    """A template column placed in the sheet: where it is, what it is called, how it reads."""

    mapping: ColumnMapping
    index: int
    letter: str
    header: str | None
    read: Callable[[Cell], object]
    default: object


class _Group:
    """The rows of one order, gathered until a row with another external number comes."""

    __slots__ = (
        "cargo",
        "external",
        "faulty",
        "first_row",
        "last_row",
        "lines",
        "omitted",
        "oversize",
        "problems",
        "values",
    )

    def __init__(self, external: str, row: int, values: dict[str, object]) -> None:
        #: "" for a row without an order number: an order of its own, rejected.
        self.external = external
        self.first_row = self.last_row = row
        self.values = values
        self.lines: list[tuple[int, LineDraft]] = []
        self.cargo: list[tuple[int, CargoDraft]] = []
        #: The order's row problems, at most the import's `max_problems`; `omitted` counts
        #: the rest, so an order of a million bad rows holds no more than the result would.
        self.problems: list[Problem] = []
        self.omitted = 0
        #: Whether the order outgrew the account's order limits: its later rows are not kept.
        self.oversize = False
        #: Order fields whose first-row cell was a problem: later rows are not compared.
        self.faulty: set[str] = set()

    def keep(self, problems: list[Problem], cap: int) -> None:
        """Keep `problems` while the order holds fewer than `cap`; count the rest."""
        room = max(cap - len(self.problems), 0)
        self.problems.extend(problems[:room])
        self.omitted += max(len(problems) - room, 0)


@frozen
class _Decided:
    """An order of the file as checked: its rows, and what it is to become (a checked
    order, to be made; the number of the counterparty's order that has its external
    number, to be skipped; None, rejected for its problems)."""

    external: str
    first_row: int
    last_row: int
    built: CheckedOrder | int | None


Batch = list[_Decided]


class _Spill:
    """The checked batches of a real run, in file order, kept off the heap until the store
    pass reads them back: a 100,000-order file must not hold every checked order in
    memory. Pickled into a temporary file that stays in memory while it is small; it only
    ever holds what this process wrote, and is gone when closed."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=SPILL_IN_MEMORY)  # noqa: SIM115

    def add(self, batch: Batch) -> None:
        pickle.dump(batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def __iter__(self) -> Iterator[Batch]:
        self._file.seek(0)
        while True:
            try:
                batch: Batch = pickle.load(self._file)  # noqa: S301 (written by add)
            except EOFError:
                return
            yield batch

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._file.close()


#: What the check pass does with each checked batch, in the read-only unit it was checked in.
Decide = Callable[[UnitOfWork, Batch], None]


class _Run:
    """One registry import: the check pass (parse rows, group them, check the orders batch
    by batch), then deciding each checked batch (planned in a dry run, stored in a real
    one), counting what happened."""

    def __init__(
        self,
        ctx: Context,
        builder: OrderBuilder,
        layout: RegistryTemplate,
        warehouse: object,
        *,
        dry_run: bool,
        partial: bool,
        max_problems: int,
        on_order: OutcomeListener | None,
    ) -> None:
        self._ctx = ctx
        self._builder = builder
        self.layout = layout
        self._warehouse = warehouse
        self._dry_run = dry_run
        self._partial = partial
        self._max_problems = max_problems
        self._on_order = on_order
        self._columns: list[_Column] = []
        #: Parsed defaults of the fields no column gives.
        self._defaults: dict[str, object] = {}
        self._order_columns: list[_Column] = []
        self._line_columns: list[_Column] = []
        self._external: _Column | None = None
        self._group: _Group | None = None
        self._batch: list[_Group] = []
        #: external number -> first row of its order, to catch a number met again later.
        self._seen = SeenNumbers()
        self._problems: list[Problem] = []
        self._omitted = 0
        #: Orders already stored whose rows changed since: skipped, each with a notice.
        self._notices: list[Problem] = []
        self._notices_omitted = 0
        self._rows = self._orders = self._lines = self._skipped = self._rejected = 0
        #: [first row, last row, orders] of each span, grown in place order by order.
        self._spans: list[list[int]] = []
        self._requested: dict[StockKey, Decimal] = {}
        self._free: dict[StockKey, Decimal] = {}
        #: Whether the last order announced was made (or planned): spans run on while so.
        self._contiguous = False
        self._decide: Decide = self.plan

    @property
    def counterparty(self) -> Counterparty:
        return self._builder.counterparty

    @property
    def problems(self) -> bool:
        """Whether the check pass found a problem (an all-or-nothing run then stores nothing)."""
        return bool(self._problems)

    # Reading ------------------------------------------------------------------------

    def request(self) -> SheetRequest:
        settings: RowSettings = self.layout.rows
        first = settings.header_row or settings.first_row
        letters = [column_index(c.column) for c in self.layout.columns if c.column]
        width = max(letters, default=1)
        if any(column.header for column in self.layout.columns):
            width = max(width, HEADER_WIDTH)
        return SheetRequest(settings.sheet, first, settings.last_row, width)

    def check(self, sheet: SheetRows, progress: Progress | None, decide: Decide) -> None:
        """Read and check every row of `sheet`, handing each checked batch to `decide`."""
        self._decide = decide
        settings = self.layout.rows
        with sheet:
            hint = sheet.total_hint
            total = None if hint is None else max(hint - settings.first_row + 1, 0)
            placed = False
            for number, row in sheet:
                if number < settings.first_row:
                    if number == settings.header_row:
                        self._place_columns(_titles(row))
                        placed = True
                    continue
                if not placed:  # no header row, or an empty one
                    self._place_columns({})
                    placed = True
                self._row(number, row)
                if progress is not None and self._rows % PROGRESS_EVERY == 0:
                    progress(self._rows, total)
            if not placed:
                self._place_columns({})
            self._close_group()
            self._flush()
        if self._rows == 0:
            last = "" if settings.last_row is None else str(settings.last_row)
            self._problem(Problem(codes.Registry.EMPTY, "rows", f"{settings.first_row}:{last}"))
        if progress is not None:
            progress(self._rows, total if total is None else max(total, self._rows))

    def _place_columns(self, titles: dict[str, tuple[int, str]]) -> None:
        """Find every column: by letter, or by its title in the header row. A title that is
        missing is an error for a required column; otherwise the field is left unmapped."""
        problems = []
        for mapping in self.layout.columns:
            if mapping.column is not None:
                index = column_index(mapping.column) - 1
                header = _title_at(titles, index)
            else:
                assert mapping.header is not None
                found = titles.get(_title_key(mapping.header))
                if found is None:
                    if mapping.required:
                        row = self.layout.rows.header_row
                        problems.append(
                            Problem(
                                codes.Registry.HEADER_MISSING,
                                mapping.field,
                                mapping.header,
                                row=row,
                            )
                        )
                    continue
                index, header = found
            self._columns.append(
                _Column(
                    mapping,
                    index,
                    column_letter(index + 1),
                    header,
                    _reader(mapping),
                    _default(mapping, self.layout),
                )
            )
        if problems:
            raise ValidationError(problems)
        mapped = {column.mapping.field for column in self._columns}
        self._defaults = {
            name: _default(ColumnMapping(name, column="A"), self.layout)
            for name in self.layout.defaults
            if name not in mapped and name != "warehouse"
        }
        for column in self._columns:
            if column.mapping.field == "external_number":
                self._external = column
            elif column.mapping.level is Level.ORDER:
                self._order_columns.append(column)
            else:
                self._line_columns.append(column)

    def _row(self, number: int, row: tuple[Cell, ...]) -> None:
        self._rows += 1
        problems: list[Problem] = []
        external_column = self._external
        assert external_column is not None
        external = self._cell(external_column, row, number, problems)
        if external is None:  # a row of no order: rejected, as an order of its own
            self._close_group()
            self._group = _Group("", number, {})
            self._group.keep(
                problems or [self._required(external_column, number)], self._max_problems
            )
            self._close_group()
            return
        external = str(external).strip()
        group = self._group
        if group is None or group.external != external:
            self._close_group()
            first = self._seen.remember(external, number)
            if first is not None:
                self._problem(
                    Problem(
                        codes.Registry.NUMBER_REPEATED,
                        "external_number",
                        external,
                        expect("row", row=first),
                        row=number,
                        column=external_column.letter,
                        header=external_column.header,
                    )
                )
                return
            values = dict(self._defaults)
            for column in self._order_columns:
                values[column.mapping.field] = self._cell(column, row, number, problems)
            group = self._group = _Group(external, number, values)
            group.faulty = {problem.field for problem in problems}
        else:
            group.last_row = number
            for column in self._order_columns:
                value = self._cell(column, row, number, problems, default=False)
                problem = self._differs(group, column.mapping.field, value)
                if problem is not None:
                    problems.append(self._at(problem, column, number))
        self._line(group, row, number, problems)
        group.keep(problems, self._max_problems)

    @staticmethod
    def _differs(group: _Group, field: str, value: object) -> Problem | None:
        """The problem of a later row giving order field `field` as `value`, if any. Not
        when the first row's cell of the field was already a problem: that one says it."""
        first = group.values.get(field)
        if value is None or value == first or field in group.faulty:
            return None
        if first is None:
            return Problem(
                codes.Registry.ORDER_FIELD_UNSET,
                field,
                _shown(value),
                expect("row", row=group.first_row),
            )
        expected = expect("in_row", value=_shown(first), row=group.first_row)
        return Problem(codes.Registry.ORDER_FIELD_DIFFERS, field, _shown(value), expected)

    def _line(
        self, group: _Group, row: tuple[Cell, ...], number: int, problems: list[Problem]
    ) -> None:
        """The row's line of custody items or free cargo, kept in its order if it has room."""
        line = dict(self._defaults)
        for column in self._line_columns:
            line[column.mapping.field] = self._cell(column, row, number, problems)
        sku = line.get("sku")
        if sku is not None:
            if self._room(group, "lines", number):
                quantity = line.get("quantity")
                draft = LineDraft(str(sku), 1 if quantity is None else quantity)
                group.lines.append((number, draft))
        elif line.get("description") is not None:
            if self._room(group, "cargo", number):
                group.cargo.append(
                    (
                        number,
                        CargoDraft(
                            line["description"],
                            line.get("places") or 1,
                            line.get("weight"),
                            line.get("declared_value"),
                            line.get("fragile") is True,
                        ),
                    )
                )
        elif not {"sku", "description"} & {problem.field for problem in problems}:
            # (a required SKU or description left empty already says why there is none)
            problems.append(Problem(codes.Registry.NO_CARGO, "sku", row=number))

    def _room(self, group: _Group, field: str, number: int) -> bool:
        """Whether the order has room for one more line (`field` "lines") or cargo entry
        ("cargo") within the account's order limits. The first row beyond is the order's
        problem, at the column of its SKU or description; no later row of the order is
        kept, so however long an order runs it holds no more than the limit in memory."""
        limits = self._builder.limits
        if field == "lines":
            kept, limit, column = len(group.lines), limits.max_lines, "sku"
        else:
            kept, limit, column = len(group.cargo), limits.max_cargo, "description"
        if kept < limit:
            return True
        if not group.oversize:
            group.oversize = True
            problem = Problem(
                codes.Lines.TOO_MANY, field, expected=expect("at_most", limit=limit), row=number
            )
            placed = self._column(column)
            located = problem if placed is None else self._at(problem, placed, number)
            group.keep([located], self._max_problems)
        return False

    def _column(self, name: str) -> _Column | None:
        return next((column for column in self._columns if column.mapping.field == name), None)

    def _cell(
        self,
        column: _Column,
        row: tuple[Cell, ...],
        number: int,
        problems: list[Problem],
        *,
        default: bool = True,
    ) -> object:
        cell = row[column.index] if column.index < len(row) else None
        try:
            value = column.read(cell)
        except cells.BadCell as bad:
            problems.append(
                self._at(
                    Problem(bad.code, column.mapping.field, _shown(cell), bad.expected),
                    column,
                    number,
                )
            )
            return None
        if value is None and default:
            value = column.default
            if value is None and column.mapping.required:
                problems.append(self._required(column, number))
        return value

    def _required(self, column: _Column, number: int) -> Problem:
        return self._at(Problem(codes.Registry.REQUIRED, column.mapping.field), column, number)

    @staticmethod
    def _at(problem: Problem, column: _Column, number: int) -> Problem:
        return evolve(problem, row=number, column=column.letter, header=column.header)

    def _problem(self, problem: Problem) -> None:
        if len(self._problems) < self._max_problems:
            self._problems.append(problem)
        else:
            self._omitted += 1

    # Orders -------------------------------------------------------------------------

    def _close_group(self) -> None:
        if self._group is not None:
            self._batch.append(self._group)
            self._group = None
            if len(self._batch) >= BATCH:
                self._flush()

    def _flush(self) -> None:
        """Check the gathered batch in a read-only unit of work of its own, then decide it."""
        groups, self._batch = self._batch, []
        if not groups:
            return
        with self._ctx.storage.unit_of_work(read_only=True) as uow:
            builder = self._builder
            builder.uow = uow
            taken = builder.look_up_external_numbers(
                group.external for group in groups if group.external
            )
            builder.look_up_skus(sku.sku for group in groups for _, sku in group.lines)
            if taken:
                self._compare(uow, [group for group in groups if group.external in taken])
            batch = [
                _Decided(
                    group.external,
                    group.first_row,
                    group.last_row,
                    taken[group.external] if group.external in taken else self._check(group),
                )
                for group in groups
            ]
            self._decide(uow, batch)

    def _compare(self, uow: UnitOfWork, groups: list[_Group]) -> None:
        """A notice for each order of `groups` (the counterparty has their external numbers)
        whose rows now make another order than the stored one: it is skipped all the same,
        its fields named. Rows with problems make no order to compare, and say nothing."""
        stored = uow.orders.with_external_numbers(
            self._ctx.account_id, self.counterparty.id, [group.external for group in groups]
        )
        for group in groups:
            order = stored.get(group.external)
            if order is None or group.problems:
                continue
            draft = evolve(self._draft(group), external_number=None)
            checked = self._builder.check(Checks(), draft)
            changed = [] if checked is None else checked.differences(order)
            if changed:
                notice = Problem(
                    codes.Registry.ORDER_CHANGED,
                    "external_number",
                    group.external,
                    expect("fields", fields=changed),
                )
                external = self._external
                assert external is not None
                self._notice(self._at(notice, external, group.first_row))

    def _notice(self, notice: Problem) -> None:
        if len(self._notices) < self._max_problems:
            self._notices.append(notice)
        else:
            self._notices_omitted += 1

    def _draft(self, group: _Group) -> OrderDraft:
        values = group.values
        return OrderDraft(
            warehouse=values.get("warehouse") or self._warehouse,  # type: ignore[arg-type]
            lines=[line for _, line in group.lines],
            recipient=values.get("recipient"),  # type: ignore[arg-type]
            address=values.get("address"),  # type: ignore[arg-type]
            comment=values.get("comment"),  # type: ignore[arg-type]
            external_number=group.external,
            phone=values.get("phone"),  # type: ignore[arg-type]
            delivery_date=values.get("delivery_date"),  # type: ignore[arg-type]
            cash_on_delivery=values.get("cash_on_delivery"),
            cargo=[cargo for _, cargo in group.cargo],
            zone=values.get("zone"),  # type: ignore[arg-type]
        )

    def _check(self, group: _Group) -> CheckedOrder | None:
        if not group.external:  # a row without an order number: its problem says why
            self._reject(group.problems, group)
            return None
        checks = Checks()
        draft = self._draft(group)
        if draft.warehouse is None:
            column = self._column("warehouse")
            if column is not None and "warehouse" not in group.faulty:
                group.problems.append(self._required(column, group.first_row))
        order = self._builder.check(checks, draft)
        # The checks run on a row with problems too: their problems are reported with the
        # row's, but for those that only follow from a row's (the field of a cell already
        # reported; no lines, when each row already said why it has none).
        reported = {(problem.row, problem.field) for problem in group.problems}
        located = (self._located(problem, group) for problem in checks.problems)
        problems = group.problems + [
            problem
            for problem in located
            if problem.code != codes.Lines.EMPTY and (problem.row, problem.field) not in reported
        ]
        if problems:
            self._reject(problems, group)
            return None
        return order

    def _reject(self, problems: list[Problem], group: _Group) -> None:
        for problem in problems:
            self._problem(problem)
        self._omitted += group.omitted

    def _located(self, problem: Problem, group: _Group) -> Problem:
        """A builder's problem placed at the row and column its value came from."""
        head, _, rest = problem.field.partition("[")
        row, name = group.first_row, head
        if rest:
            position, _, name = rest.partition("].")
            lines = group.lines if head == "lines" else group.cargo
            index = int(position) - 1
            if 0 <= index < len(lines):
                row = lines[index][0]
        column = self._column(name)
        if column is None:
            return evolve(problem, row=row, field=name)
        return evolve(problem, field=name, row=row, column=column.letter, header=column.header)

    # Deciding ----------------------------------------------------------------------

    def plan(self, uow: UnitOfWork, batch: Batch) -> None:
        """Count a checked batch's orders and their reserve, and announce them, storing
        nothing: a dry run's, or a rejected all-or-nothing run's."""
        for decided in batch:
            self._count(decided)
        self._remember_free(uow)

    def store(self, uow: UnitOfWork, batch: Batch) -> None:
        """Make a checked batch's orders in the writing unit `uow`, in file order: skipped
        now if the counterparty took their external numbers since they were checked,
        numbered with one block apart from the unit, confirmed if the template says so."""
        account_id, counterparty_id = self._ctx.account_id, self.counterparty.id
        checked = {d.external for d in batch if isinstance(d.built, CheckedOrder)}
        taken = (
            uow.orders.by_external_numbers(account_id, counterparty_id, checked) if checked else {}
        )
        batch = [evolve(d, built=taken[d.external]) if d.external in taken else d for d in batch]
        count = sum(isinstance(decided.built, CheckedOrder) for decided in batch)
        numbers = iter(uow.orders.next_numbers_apart(account_id, count) if count else ())
        confirm = self.layout.confirm
        now = self._ctx.now()
        day = self._ctx.account(uow).business_date(now)
        orders: list[DeliveryOrder] = []
        movements = []
        for decided in batch:
            built = decided.built
            if not isinstance(built, CheckedOrder):
                self._count(decided)
                continue
            order = self._builder.make(built, next(numbers))
            if confirm:
                order, moved = order.change(OrderChange.CONFIRM, now, day)
                movements.extend(moved)
            orders.append(order)
            self._count(decided, order.number, day)
        uow.orders.add_many(orders)
        self._remember_free(uow)
        if movements:
            record_movements(uow, account_id, movements)

    def _count(
        self, decided: _Decided, number: int | None = None, made_on: date | None = None
    ) -> None:
        """Count and announce one order: made (as `number`, on business date `made_on`),
        planned, skipped or rejected."""
        built = decided.built
        if not isinstance(built, CheckedOrder):
            kind = OutcomeKind.REJECTED if built is None else OutcomeKind.SKIPPED
            self._outcome(decided, kind, built)
            return
        self._orders += 1
        self._lines += len(built.lines) + len(built.cargo)
        for line in built.lines if self.layout.confirm else ():
            key = StockKey(
                self._ctx.account_id, self.counterparty.id, built.warehouse.id, line.item_id
            )
            self._requested[key] = self._requested.get(key, ZERO) + line.quantity
        if number is None:
            self._outcome(decided, OutcomeKind.PLANNED)
        else:
            self._outcome(decided, OutcomeKind.CREATED, number, made_on)

    def _remember_free(self, uow: UnitOfWork) -> None:
        """Free stock of each newly met item before this import reserves any."""
        new = [key for key in self._requested if key not in self._free]
        if not new:
            return
        balances = uow.ledger.balances(self._ctx.account_id, new)
        for key in new:
            balance = balances.get(key)
            self._free[key] = balance.on_hand - balance.reserved if balance else ZERO

    def _outcome(
        self,
        order: _Decided,
        kind: OutcomeKind,
        number: int | None = None,
        made_on: date | None = None,
    ) -> None:
        if kind is OutcomeKind.SKIPPED:
            self._skipped += 1
        elif kind is OutcomeKind.REJECTED:
            self._rejected += 1
        else:
            last = self._spans[-1] if self._spans else None
            if last is not None and self._contiguous and last[1] < order.first_row:
                last[1] = order.last_row
                last[2] += 1
            else:
                self._spans.append([order.first_row, order.last_row, 1])
        self._contiguous = kind in (OutcomeKind.CREATED, OutcomeKind.PLANNED)
        if self._on_order is not None:
            self._on_order(
                OrderOutcome(kind, order.external, order.first_row, order.last_row, number, made_on)
            )

    # Summary ------------------------------------------------------------------------

    def result(self, summary: _Summary) -> ImportResult:
        reserved: dict[str, Decimal] = {}
        shortages = []
        items, warehouses = self._builder.items_by_id, self._builder.warehouses_by_id
        for key, quantity in self._requested.items():
            sku = items[key.item_id].sku
            reserved[sku] = reserved.get(sku, ZERO) + quantity
            free = self._free[key]
            if quantity > max(free, ZERO):
                shortages.append(Shortage(sku, warehouses[key.warehouse_id].code, quantity, free))
        return ImportResult(
            file_name=summary.file_name,
            file_hash=summary.file_hash,
            template=self.layout.name,
            counterparty=summary.counterparty,
            dry_run=self._dry_run,
            partial=self._partial,
            rows_read=self._rows,
            orders=self._orders,
            lines=self._lines,
            skipped=self._skipped,
            rejected=self._rejected,
            spans=tuple(RowSpan(*span) for span in self._spans),
            reserved=reserved,
            shortages=tuple(sorted(shortages, key=lambda s: (s.sku, s.warehouse))),
            problems=tuple(self._problems),
            problems_omitted=self._omitted,
            notices=tuple(self._notices),
            notices_omitted=self._notices_omitted,
            earlier=summary.earlier,
        )


def _reader(mapping: ColumnMapping) -> Callable[[Cell], object]:
    kind = FIELDS[mapping.field].type
    if kind is FieldType.INTEGER:
        return cells.read_integer
    if kind is FieldType.DECIMAL:
        return partial(cells.read_decimal, separator=mapping.decimal_separator)
    if kind is FieldType.DATE:
        return partial(cells.read_date, formats=mapping.formats)
    if kind is FieldType.BOOLEAN:
        return cells.read_boolean
    return cells.read_text


def _default(mapping: ColumnMapping, layout: RegistryTemplate) -> object:
    value = mapping.default if mapping.default is not None else layout.defaults.get(mapping.field)
    if value is None:
        return None
    try:
        return _reader(mapping)(value)  # type: ignore[arg-type]
    except cells.BadCell as bad:
        raise ValidationError(
            [Problem(bad.code, f"defaults.{mapping.field}", value, bad.expected)]
        ) from None


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _titles(row: tuple[Cell, ...]) -> dict[str, tuple[int, str]]:
    """Header titles, compared without case or extra spaces -> (0-based column, title)."""
    titles: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(row):
        if isinstance(cell, str):
            titles.setdefault(_title_key(cell), (index, cell))
    return titles


def _title_at(titles: dict[str, tuple[int, str]], index: int) -> str | None:
    return next((title for at, title in titles.values() if at == index), None)


def _shown(value: object) -> object:
    """A cell value as a message shows it (cut, as a problem echoes text)."""
    return echoed(str(value) if isinstance(value, Decimal) else value)
