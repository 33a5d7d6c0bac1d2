"""``python -m sync.erp_server ACTION …``: the reference ERP server's command line."""

import sys

from sync.erp_server.cli import main

sys.exit(main())
