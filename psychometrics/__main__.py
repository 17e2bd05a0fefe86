"""``python -m psychometrics``: see :mod:`psychometrics.cli`."""

import sys

from psychometrics.cli import main

sys.exit(main())
