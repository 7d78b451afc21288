"""``python -m server.network ...`` runs the ``dawr network`` commands on their own."""

import sys

from server.network.cli import main

sys.exit(main())
