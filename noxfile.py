"""Development sessions: `nox -s tests lint typecheck layers` is what CI runs."""

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck", "layers"]

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit, property and integration tests (the deterministic `ci` hypothesis profile)."""
    session.install("-e", ".[testing]")
    session.run("pytest", *session.posargs, env={"HYPOTHESIS_PROFILE": "ci"})


@nox.session(python=PYTHON, name="tests-long")
def tests_long(session: nox.Session) -> None:
    """The same tests with hypothesis exploring many more, random examples."""
    session.install("-e", ".[testing]")
    session.run("pytest", *session.posargs, env={"HYPOTHESIS_PROFILE": "long"})


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[testing]", "mypy")
    session.run("mypy", "--strict", "src")


@nox.session(python=PYTHON)
def layers(session: nox.Session) -> None:
    session.install("-e", ".", "import-linter")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks; `nox -s bench -- --quick` checks invariants on small sizes only.

    The PostgreSQL benchmark needs a server: CUSTODY_POSTGRES_URL, by default
    postgresql://postgres@127.0.0.1:5432/test.
    """
    session.install("-e", ".[calamine,postgres]")
    session.run("python", "-m", "benchmarks", *session.posargs)
