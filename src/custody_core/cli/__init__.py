"""The `custody` command. Errors print one line and exit non-zero; a traceback is a bug.

Every command but `demo` acts on an existing database in one account: as its
manager "cli", and for users and connection cards as its administrator "cli";
`login` checks a cabinet user's password. `--json` prints machine-readable
output instead of a table.
"""

from custody_core.cli.errors import problem_text
from custody_core.cli.running import main

__all__ = ["main", "problem_text"]
