"""``python -m revisitkit`` runs the command-line interface."""

import sys

from revisitkit.cli import main

sys.exit(main())
