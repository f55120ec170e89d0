"""`python -m prempti_hook`: same as the `prempti-hook` command."""

import sys

from prempti_hook.cli import main

sys.exit(main())
