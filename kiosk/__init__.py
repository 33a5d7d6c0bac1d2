"""Interview Kiosk core: config, question banks, the interview engine and the composition root.

This package never imports Qt, HTTP clients or ML libraries (see the import-linter
contracts in pyproject.toml).
"""

__version__ = "0.1.0"
