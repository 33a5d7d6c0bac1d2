"""The vault: encrypted storage of everything personal a session produces."""

# Staff login, pure building blocks. Generic names stay in their modules, read qualified:
# lockout.check / after_failure / after_success, totp.totp / new_secret (a function named
# totp here would also hide the kiosk.vault.totp module).
from kiosk.vault.lockout import LockoutPolicy, LoginRecord
from kiosk.vault.passwords import (
    Argon2Params,
    check_pin_policy,
    derive_key,
    hash_pin,
    needs_rehash,
    verify_pin,
)
from kiosk.vault.roles import Permission, Principal, Role, authorize, is_allowed, permissions
from kiosk.vault.totp import provisioning_uri, verify_totp

__all__ = [
    "Argon2Params",
    "LockoutPolicy",
    "LoginRecord",
    "Permission",
    "Principal",
    "Role",
    "authorize",
    "check_pin_policy",
    "derive_key",
    "hash_pin",
    "is_allowed",
    "needs_rehash",
    "permissions",
    "provisioning_uri",
    "verify_pin",
    "verify_totp",
]
