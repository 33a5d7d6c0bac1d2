"""The role matrix, checked cell by cell against a table written out again here."""

from __future__ import annotations

import pytest

from kiosk.errors import ErrorKind, VaultError
from kiosk.vault.roles import (
    GRANTS,
    Permission,
    Principal,
    Role,
    authorize,
    is_allowed,
    permissions,
)

# The expected matrix, in plain strings so it does not lean on the module's own enums:
# R = recruiter, D = department head (own departments only), I = IT admin.
EXPECTED = {
    "view_dashboard": "RD",
    "view_report": "RD",
    "override_score": "RD",
    "advance_status": "RD",
    "export_report": "RD",
    "print_report": "RD",
    "delete_session": "RD",
    "view_sync": "RDI",
    "purge": "I",
    "view_audit": "I",
    "verify_audit": "I",
    "manage_users": "I",
    "device_diagnostics": "I",
    "view_config": "I",
    "change_config": "I",
    "enrol_device": "I",
    "secure_wipe": "I",
}
LETTER = {"recruiter": "R", "department_head": "D", "it_admin": "I"}
# Permissions that show, change or hand out what candidates said and how they scored.
CANDIDATE_DATA = {
    "view_dashboard",
    "view_report",
    "override_score",
    "advance_status",
    "export_report",
    "print_report",
    "delete_session",
}

RECRUITER = Principal("u-rec", Role.RECRUITER)
HEAD = Principal("u-head", Role.DEPARTMENT_HEAD, frozenset({"sales", "support"}))
ADMIN = Principal("u-it", Role.IT_ADMIN)


def test_the_roles_and_permissions_are_the_expected_ones() -> None:
    assert {role.value for role in Role} == set(LETTER)
    assert {permission.value for permission in Permission} == set(EXPECTED)
    assert set(GRANTS) == set(Permission)  # every permission has a row in the table


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_every_cell_of_the_matrix(role: Role, permission: Permission) -> None:
    expected = LETTER[role.value] in EXPECTED[permission.value]
    principal = Principal("u", role, frozenset({"sales"}))
    assert (permission in permissions(role)) is expected
    assert is_allowed(principal, permission, department="sales") is expected
    if expected:
        authorize(principal, permission, department="sales")
    else:
        with pytest.raises(VaultError) as caught:
            authorize(principal, permission, department="sales")
        assert caught.value.kind is ErrorKind.FORBIDDEN


def test_the_it_admin_never_gets_candidate_data() -> None:
    granted = {permission.value for permission in permissions(Role.IT_ADMIN)}
    assert not granted & CANDIDATE_DATA
    for permission in CANDIDATE_DATA:
        for department in (None, "sales", "it"):
            assert not is_allowed(ADMIN, Permission(permission), department=department)


def test_recruiters_act_on_every_department_and_on_positions_without_one() -> None:
    for department in (None, "sales", "finance"):
        authorize(RECRUITER, Permission.VIEW_REPORT, department=department)
        authorize(RECRUITER, Permission.EXPORT_REPORT, department=department)


@pytest.mark.parametrize("permission", [*sorted(CANDIDATE_DATA), "view_sync"])
def test_a_department_head_acts_only_on_their_own_departments(permission: str) -> None:
    wanted = Permission(permission)
    authorize(HEAD, wanted, department="sales")
    authorize(HEAD, wanted, department="support")
    for department in ("finance", "Sales", "", None):
        assert not is_allowed(HEAD, wanted, department=department)
        with pytest.raises(VaultError) as caught:
            authorize(HEAD, wanted, department=department)
        assert caught.value.kind is ErrorKind.FORBIDDEN


def test_a_department_head_without_departments_may_do_nothing() -> None:
    nobody = Principal("u-new", Role.DEPARTMENT_HEAD)
    for permission in Permission:
        for department in (None, "sales"):
            assert not is_allowed(nobody, permission, department=department)


def test_a_department_does_not_widen_a_role() -> None:
    with pytest.raises(VaultError, match="may not secure_wipe"):
        authorize(HEAD, Permission.SECURE_WIPE, department="sales")
    with pytest.raises(VaultError, match="may not view_report"):
        authorize(ADMIN, Permission.VIEW_REPORT, department="it")


def test_refusals_name_role_and_permission_but_not_the_user() -> None:
    with pytest.raises(VaultError) as caught:
        authorize(Principal("Wang Wei", Role.RECRUITER), Permission.SECURE_WIPE)
    assert "recruiter" in str(caught.value) and "secure_wipe" in str(caught.value)
    assert "Wang Wei" not in str(caught.value)
    assert caught.value.safe_message("zh") == "此账户无权执行该操作。"


def test_the_grants_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        GRANTS[Permission.VIEW_REPORT] = frozenset(Role)  # type: ignore[index]
