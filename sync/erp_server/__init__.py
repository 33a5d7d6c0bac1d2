"""The reference HR ERP server: the sync contract (:mod:`sync.protocol`) on one SQLite file.

It is what a pilot site runs before its own ERP speaks the contract, what IT uses to check a
terminal end to end, and what the test suite pushes against (with deliberate faults). Run it
with ``python -m sync.erp_server serve --dir DIR`` after ``init``; see :mod:`.cli`.

Modules: :mod:`.keys` (directory and keys), :mod:`.store` (SQLite), :mod:`.validate` (body
shapes), :mod:`.api` and :mod:`.media` (the endpoints), :mod:`.faults` (fault injection),
:mod:`.http` (the HTTP(S) server), :mod:`.admin` (publish, show, decrypt, offline enrolment),
:mod:`.cli`.
"""

from sync.erp_server.admin import AdminError, ResultScores, open_result, publish_bundle
from sync.erp_server.faults import FaultPlan, FaultSpecError
from sync.erp_server.http import ErpServer
from sync.erp_server.keys import ServerDirError, ServerKeys, init_server_dir, load_server_keys
from sync.erp_server.store import ErpStore, ReceivedItem

__all__ = [
    "AdminError",
    "ErpServer",
    "ErpStore",
    "FaultPlan",
    "FaultSpecError",
    "ReceivedItem",
    "ResultScores",
    "ServerDirError",
    "ServerKeys",
    "init_server_dir",
    "load_server_keys",
    "open_result",
    "publish_bundle",
]
