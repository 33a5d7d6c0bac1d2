"""The candidate's screens, one per stage of the journey (see :mod:`ui.window` for the routing)."""
