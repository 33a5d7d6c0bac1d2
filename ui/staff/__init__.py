"""The staff side of the kiosk app: login, recruiter mode and IT admin mode."""
