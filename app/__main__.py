"""``python -m app``: the same as the ``plumb`` command (the window when no command is given)."""

import sys

from app.cli import main

sys.exit(main())
