"""The Qt interface. Talks to the core through controllers and signals; never imports ``sync``."""
