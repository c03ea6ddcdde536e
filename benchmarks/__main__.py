"""Benchmarks of custody-core: report cost against history, and reservation throughput.

    python -m benchmarks            # full sizes: figures and target ratios (a few minutes)
    python -m benchmarks --quick    # small sizes: checks the invariants only (CI)

1. `benchmarks.reports`: the current and last month's stock report on SQLite
   with 10,000 and with 1,000,000 movements, the extra history lying before
   the reports' periods; target: the large one within 2x of the small one.
2. `benchmarks.reservations`: `confirm_order` on SQLite (1, 2, 4 writer
   processes) and memory:// (1, 2, 4 threads) against a raw sqlite3
   transaction doing the same insert and update (`benchmarks.baseline`),
   measured in the same run; target: within 3x of it with one writer.
3. `benchmarks.registry`: a 100,000-row registry import (dry run and real
   run, openpyxl and calamine readers) against bare reads of the same file,
   and the dry run's peak memory at 10,000 and 100,000 rows.
4. `benchmarks.postgres`: PostgreSQL against SQLite: `confirm_order` with 1, 4
   and 8 writer processes on each, and the stock report over the same
   1,000,000-movement ledger loaded into both. Needs the `postgres` extra and
   a server (CUSTODY_POSTGRES_URL, default postgres@127.0.0.1:5432/test).

Every run checks the invariants of each database it built; the exit status is
1 if any fails. A missed target is printed ("TARGET MISSED") but does not fail
the run: the ratios depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import registry, reports, reservations
from benchmarks.common import MISSED, Outcome, environment


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes; check the invariants, do not judge the ratios",
    )
    parser.add_argument(
        "--count",
        type=int,
        help="reservations per throughput run (default 5,000, postgres 2,000; quick 200, 100)",
    )
    parser.add_argument(
        "--only",
        choices=("reports", "reservations", "registry", "postgres"),
        help="run one of the benchmarks",
    )
    return parser.parse_args(argv)


def postgres_outcome(folder: Path, quick: bool, count: int | None) -> Outcome:
    """Benchmark 4, or the reason it could not run (which fails the run, as in the tests)."""
    try:
        from benchmarks import postgres
    except ImportError as error:
        return Outcome(problems=[f"postgres: install the postgres extra ({error})"])
    try:
        postgres.server_version()
    except Exception as error:  # any reason the server cannot be used
        return Outcome(
            problems=[f"postgres: no server at {postgres.SERVER} (CUSTODY_POSTGRES_URL): {error}"]
        )
    return postgres.run(folder, quick, count)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.count is not None and args.count < 1:
        print("benchmarks: --count must be positive", file=sys.stderr)
        return 2
    started = time.perf_counter()
    for line in environment():
        print(line)
    print("mode: quick (invariants only; timings indicative)" if args.quick else "mode: full")
    print()

    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="custody-bench-") as folder:
        if args.only in (None, "reports"):
            outcomes.append(reports.run(Path(folder), args.quick))
            print("\n".join(outcomes[-1].lines), end="\n\n", flush=True)
        if args.only in (None, "reservations"):
            outcomes.append(reservations.run(Path(folder), args.quick, args.count))
            print("\n".join(outcomes[-1].lines), end="\n\n", flush=True)
        if args.only in (None, "registry"):
            outcomes.append(registry.run(Path(folder), args.quick))
            print("\n".join(outcomes[-1].lines), end="\n\n", flush=True)
        if args.only in (None, "postgres"):
            outcomes.append(postgres_outcome(Path(folder), args.quick, args.count))
            print("\n".join(outcomes[-1].lines), end="\n\n", flush=True)

    missed = [target for outcome in outcomes for target in outcome.missed]
    problems = [problem for outcome in outcomes for problem in outcome.problems]
    if missed:
        print(f"{MISSED}:")
        for target in missed:
            print(f"  {target}")
    elif not args.quick:
        print("all targets met")
    print(f"finished in {time.perf_counter() - started:.1f} s")
    if problems:
        print("\nINVARIANTS FAILED:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("invariants hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
