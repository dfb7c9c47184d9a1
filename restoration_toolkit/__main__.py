"""``python -m restoration_toolkit`` is ``rtk`` (what the Nuke side and farms run)."""

import sys

from .cli import main

sys.exit(main())
