"""`python -m custody_core.cli`: the same as the `custody` command."""

import sys

from custody_core.cli.running import main

sys.exit(main())
