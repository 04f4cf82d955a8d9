"""``python -m vpabot.bot.cli`` is ``vpabot``."""

import sys

from vpabot.bot.cli import main

sys.exit(main())
