"""Synchronisation with the HR ERP. Never imports ``ui``."""
