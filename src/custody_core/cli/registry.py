"""`custody registry templates` and `custody registry import`: the registry upload screen."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from custody_core.cli.output import plain, template_row
from custody_core.cli.phrases import TITLES
from custody_core.cli.session import Session
from custody_core.cli.usage import usage_text
from custody_core.domain.imports import (
    ImportResult,
    OrderOutcome,
    RegistryRejected,
    omitted_message,
)
from custody_core.domain.messages import moment
from custody_core.domain.registry import template_to_data
from custody_core.services.registry import RowRange

#: Orders listed one by one in the text output; the rest are only counted.
LISTED = 20


def registry_templates(session: Session) -> int:
    templates = session.desk.templates()

    def show() -> None:
        rows = [
            template_row(
                template.name,
                template.title,
                (column.field for column in template.columns),
                session.lang,
            )
            for template in templates
        ]
        session.table(TITLES[session.lang]["templates"], ["template", "title", "fields"], rows)

    session.emit([template_to_data(template) for template in templates], show)
    return 0


def registry_import(session: Session) -> int:
    args = session.args
    outcomes: list[OrderOutcome] = []
    refused = False
    with _progress(disabled=args.json) as bar:
        task = bar.add_task(args.file.name, total=None)
        try:
            result = session.desk.import_registry(
                args.file,
                args.template,
                args.counterparty,
                rows=args.rows,
                dry_run=args.dry_run,
                partial=args.partial,
                warehouse=args.warehouse,
                reader=args.reader,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                on_order=outcomes.append if args.json else _keep_first(outcomes),
            )
        except RegistryRejected as rejected:  # all or nothing: its summary is shown too
            result, refused = rejected.result, True
    data = plain(result) | {
        "refused": refused,
        "orders_made": [plain(outcome) for outcome in outcomes],
    }
    session.emit(data, lambda: _show(session, result, outcomes, refused=refused))
    if result.problems:
        for problem in result.problems:
            print(f"custody: {problem.message(session.lang)}", file=sys.stderr)
        omitted = omitted_message(result, session.lang)
        if omitted:
            print(f"custody: {omitted}", file=sys.stderr)
        return 1
    return 0


def rows_argument(text: str, lang: str = "en") -> RowRange:
    """`FIRST:LAST`, `FIRST:` or `FIRST`, as the seed's "строки считывания"."""
    first, _, last = text.partition(":")
    try:
        return RowRange(int(first), int(last) if last.strip() else None)
    except ValueError:
        raise argparse.ArgumentTypeError(usage_text(lang, "not_rows", value=text)) from None


def _keep_first(outcomes: list[OrderOutcome]) -> Callable[[OrderOutcome], None]:
    def keep(outcome: OrderOutcome) -> None:
        if len(outcomes) < LISTED:
            outcomes.append(outcome)

    return keep


def _progress(*, disabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=disabled or not sys.stderr.isatty(),
    )


def _show(
    session: Session, result: ImportResult, outcomes: list[OrderOutcome], *, refused: bool
) -> None:
    """The orders, earlier imports, shortages and the summary; a refused all-or-nothing
    run's valid orders are told apart from those a run would create."""
    for outcome in outcomes:
        session.console.print(outcome.message(session.lang, refused=refused), soft_wrap=True)
    listed = result.orders + result.skipped + result.rejected
    if listed > len(outcomes):
        session.say("more_orders", count=listed - len(outcomes))
    for notice in result.notices:
        session.console.print(notice.message(session.lang), soft_wrap=True)
    if result.notices_omitted:
        session.say("more_changed", count=result.notices_omitted)
    for record in result.earlier:
        session.say(
            "registry_earlier",
            at=moment(record.imported_at, session.lang, session.zone),
            user=record.imported_by,
            orders=record.orders_created,
        )
    for shortage in result.shortages:
        session.say(
            "registry_shortage",
            sku=shortage.sku,
            warehouse=shortage.warehouse,
            requested=shortage.requested,
            missing=shortage.missing,
        )
    summary = "registry_summary"
    if refused:
        summary = "registry_refused_summary"
    elif result.dry_run:
        summary = "registry_dry_summary"
    session.say(
        summary,
        rows=result.rows_read,
        orders=result.orders,
        skipped=result.skipped,
        rejected=result.rejected,
        problems=len(result.problems) + result.problems_omitted,
    )
