"""Who among the staff may do what: the role matrix and the one check every action makes.

Three roles, on the principle that whoever looks after the machine never sees the candidates:

- **recruiter**: candidate data for every position: the dashboard, reading, overriding,
  advancing, exporting and printing reports, deleting a session when a candidate asks, and
  whether results have reached the HR system.
- **department head**: the same, but only for positions of their own department(s).
- **IT admin**: the device only: diagnostics, configuration, enrolment, sync, the audit trail
  and its verification, user accounts, purging data past its retention, secure wipe. No
  report, no score, no export: an admin can keep a kiosk running without reading a single
  answer.

The matrix is :data:`GRANTS`, one row per permission, so a review of who may do what reads one
table. Every staff action calls :func:`authorize` (or :func:`is_allowed` to filter a list).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from kiosk.errors import ErrorKind, VaultError


class Role(enum.Enum):
    """A staff member's role on this kiosk."""

    RECRUITER = "recruiter"
    DEPARTMENT_HEAD = "department_head"
    IT_ADMIN = "it_admin"


class Permission(enum.Enum):
    """One thing a staff screen or command can do."""

    VIEW_DASHBOARD = "view_dashboard"
    VIEW_REPORT = "view_report"
    OVERRIDE_SCORE = "override_score"
    ADVANCE_STATUS = "advance_status"
    EXPORT_REPORT = "export_report"
    PRINT_REPORT = "print_report"
    DELETE_SESSION = "delete_session"  # at the candidate's request
    PURGE = "purge"  # data past its retention period
    VIEW_AUDIT = "view_audit"
    VERIFY_AUDIT = "verify_audit"
    MANAGE_USERS = "manage_users"
    DEVICE_DIAGNOSTICS = "device_diagnostics"
    VIEW_CONFIG = "view_config"
    CHANGE_CONFIG = "change_config"
    ENROL_DEVICE = "enrol_device"
    SECURE_WIPE = "secure_wipe"
    VIEW_SYNC = "view_sync"


_R, _D, _I = Role.RECRUITER, Role.DEPARTMENT_HEAD, Role.IT_ADMIN

#: Which roles hold each permission: the whole matrix. Department heads hold theirs only for
#: positions of their own departments (see :func:`authorize`). The audit trail records who
#: did what to which session id, never personal data, so it belongs to the IT admin.
GRANTS: Mapping[Permission, frozenset[Role]] = MappingProxyType(
    {
        Permission.VIEW_DASHBOARD: frozenset({_R, _D}),
        Permission.VIEW_REPORT: frozenset({_R, _D}),
        Permission.OVERRIDE_SCORE: frozenset({_R, _D}),
        Permission.ADVANCE_STATUS: frozenset({_R, _D}),
        Permission.EXPORT_REPORT: frozenset({_R, _D}),
        Permission.PRINT_REPORT: frozenset({_R, _D}),
        Permission.DELETE_SESSION: frozenset({_R, _D}),
        Permission.VIEW_SYNC: frozenset({_R, _D, _I}),
        Permission.PURGE: frozenset({_I}),
        Permission.VIEW_AUDIT: frozenset({_I}),
        Permission.VERIFY_AUDIT: frozenset({_I}),
        Permission.MANAGE_USERS: frozenset({_I}),
        Permission.DEVICE_DIAGNOSTICS: frozenset({_I}),
        Permission.VIEW_CONFIG: frozenset({_I}),
        Permission.CHANGE_CONFIG: frozenset({_I}),
        Permission.ENROL_DEVICE: frozenset({_I}),
        Permission.SECURE_WIPE: frozenset({_I}),
    }
)


@dataclass(frozen=True, slots=True)
class Principal:
    """A logged-in staff member, as the authorization check sees them."""

    user_id: str
    role: Role
    # The departments whose positions a department head may act on; other roles ignore it.
    departments: frozenset[str] = field(default_factory=frozenset)


def permissions(role: Role) -> frozenset[Permission]:
    """Every permission ``role`` holds (for department heads, within their departments)."""
    return frozenset(permission for permission, roles in GRANTS.items() if role in roles)


def authorize(
    principal: Principal, permission: Permission, *, department: str | None = None
) -> None:
    """Raise :class:`VaultError` (``FORBIDDEN``) unless ``principal`` may use ``permission``.

    ``department`` is the department of the position the action concerns. A department head
    is refused when it is not one of theirs, and also when it is missing: an action whose
    department nobody stated must not fall through to "allowed".
    """
    refusal = _refusal(principal, permission, department)
    if refusal:
        raise VaultError(refusal, kind=ErrorKind.FORBIDDEN)


def is_allowed(
    principal: Principal, permission: Permission, *, department: str | None = None
) -> bool:
    """Whether :func:`authorize` would let this pass (for filtering lists, e.g. a dashboard)."""
    return _refusal(principal, permission, department) is None


def _refusal(principal: Principal, permission: Permission, department: str | None) -> str | None:
    # Messages name the role, the permission and the department, never the user: they are
    # logged, and a user id may be a name.
    role = principal.role.value
    if principal.role not in GRANTS.get(permission, frozenset()):
        return f"role {role} may not {permission.value}"
    if principal.role is Role.DEPARTMENT_HEAD:
        if not department:
            return f"role {role} may {permission.value} only for a position with a department"
        if department not in principal.departments:
            return f"role {role} may not {permission.value} for department {department!r}"
    return None
