"""``python -m semigrad`` runs the ``semigrad`` command."""

import sys

from .cli import main

sys.exit(main())
