"""Roles are groups with permissions; district roles are bound to one district."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command

from learning_platform.accounts.roles import DISTRICT_ROLES, Role
from learning_platform.accounts.selectors import user_acting_district_id, user_roles
from learning_platform.accounts.services import roles_sync, user_role_assign

pytestmark = pytest.mark.django_db

# role -> (may use the Wagtail admin, may edit district figures, may view districts)
MATRIX = {
    Role.CITIZEN: (False, False, False),
    Role.ITEM_AUTHOR: (True, False, False),
    Role.ITEM_REVIEWER: (True, False, False),
    Role.ITEM_FAIRNESS_REVIEWER: (True, False, False),
    Role.ITEM_PSYCHOMETRIC_REVIEWER: (True, False, False),
    Role.RESEARCHER: (True, False, True),
    Role.DISTRICT_OFFICER: (False, False, True),
    Role.DISTRICT_STATISTICIAN: (False, True, True),
    Role.DISTRICT_LIAISON: (False, False, True),
    Role.DISTRICT_HEAD: (False, False, True),
    Role.INSTITUTION: (False, False, False),
    Role.ORGANISATION: (False, False, False),
    Role.EXPERT: (False, False, False),
    Role.ADMINISTRATOR: (True, True, True),
}


def test_the_matrix_covers_every_role():
    assert set(MATRIX) == set(Role)


def test_every_role_has_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_permission_matrix(make_user, districts, role):
    district = districts[0] if role in DISTRICT_ROLES else None
    user = make_user(role, district=district)
    admin, edit_figures, view_districts = MATRIX[role]
    assert user.has_perm("wagtailadmin.access_admin") is admin
    assert user.has_perm("districts.change_districtyearfigure") is edit_figures
    assert user.has_perm("districts.view_district") is view_districts
    assert user.is_staff is admin
    assert user_roles(user=user) == [role]


def test_district_role_requires_a_district(make_user):
    with pytest.raises(ValidationError) as info:
        make_user(Role.DISTRICT_OFFICER)
    assert "district" in info.value.message_dict


def test_district_role_acts_for_its_district_only(make_user, districts):
    officer = make_user(Role.DISTRICT_OFFICER, district=districts[3])
    citizen = make_user(Role.CITIZEN, district=districts[3])
    assert user_acting_district_id(user=officer) == districts[3].pk
    assert user_acting_district_id(user=citizen) is None


def test_unknown_role_is_refused(make_user):
    user = make_user()
    with pytest.raises(ValidationError, match="未知角色“wizard”"):
        user_role_assign(user=user, role="wizard")


def test_roles_sync_is_idempotent():
    first = roles_sync()
    before = {
        g.name: sorted(g.permissions.values_list("codename", flat=True))
        for g in Group.objects.all()
    }
    second = roles_sync()
    call_command("migrate", "accounts", verbosity=0)  # already applied: changes nothing
    after = {
        g.name: sorted(g.permissions.values_list("codename", flat=True))
        for g in Group.objects.all()
    }
    assert first == second
    assert before == after
    assert Group.objects.filter(name__in=Role.values).count() == len(Role.values)
