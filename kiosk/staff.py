"""What the staff screens work with: the accounts, the review desk, and who is logged in.

One :class:`StaffServices` per running kiosk, built on the kiosk's own store (so a login unlocks
the review key the store opens closed sessions with) and clock (so lockout waits follow the
same time as the interview). Front ends call it off their GUI thread: logins run argon2 and
reports are decrypted here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk.app import Kiosk
from kiosk.bank import QuestionBank
from kiosk.errors import ErrorKind, VaultError
from kiosk.review import ReviewDesk
from kiosk.vault.accounts import Accounts
from kiosk.vault.roles import Permission, Principal, authorize


@dataclass
class StaffServices:
    """The staff side of one assembled kiosk."""

    kiosk: Kiosk
    accounts: Accounts
    desk: ReviewDesk
    now: Callable[[], float]

    @classmethod
    def of(cls, kiosk: Kiosk, now: Callable[[], float]) -> StaffServices:
        """Build on ``kiosk``'s store, keys and bank; ``now`` gives seconds since the epoch."""
        store = kiosk.store
        accounts = Accounts(store, store.keyring, kiosk.config.data_dir / "keys", now)
        desk = ReviewDesk(store, lambda: kiosk.banks.current, now)
        return cls(kiosk, accounts, desk, now)

    @property
    def bank(self) -> QuestionBank:
        """The question bank in use (positions, competencies, questions)."""
        return self.kiosk.banks.current

    def who(self) -> Principal:
        """The logged-in staff member; :class:`VaultError` (``LOCKED``) if nobody is."""
        principal = self.accounts.current
        if principal is None:
            raise VaultError("log in first", kind=ErrorKind.LOCKED)
        return principal

    def require(self, permission: Permission, department: str | None = None) -> Principal:
        """The logged-in staff member, if their role holds ``permission`` (else VaultError)."""
        who = self.who()
        authorize(who, permission, department=department)
        return who

    def login(self, user_id: str, pin: str, second_factor: str) -> Principal:
        """Log in (see :meth:`Accounts.login`: lockout, one message for every wrong input)."""
        return self.accounts.login(user_id.strip(), pin, second_factor.strip())

    def logout(self) -> None:
        """Log out: the review key and every opened session key are forgotten."""
        self.accounts.logout()
