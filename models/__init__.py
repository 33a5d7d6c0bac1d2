"""On-device inference (speech, voice, vision, content).

A leaf: imports no other first-party package but ``kiosk.errors``.
"""
