"""Connectors that speak a vendor's API instead of our own contract (``sync/openapi.yaml``).

Each adapter implements :class:`sync.connector.Connector` for one HR system and is chosen by
the composition root. A vendor API takes scores in the clear, so adapters set
``needs_plaintext``; what that costs is in docs/sync-vendor.md.

- :mod:`sync.adapters.feishu`: Feishu Hire (飞书招聘) external interview assessments.
"""

from __future__ import annotations

from sync.adapters.feishu import FeishuHireConnector

__all__ = ["FeishuHireConnector"]
