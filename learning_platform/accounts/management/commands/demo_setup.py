"""Bring an empty database to the demo: districts, one user per role, then each app's demo data.

Every app that has demo data keeps it in a ``demo`` module with a
``load_demo(*, stdout)`` function that is safe to run twice. They run in
``DEMO_APPS`` order, because later apps build on earlier ones (delivery needs
the item bank; reports need the survey roll-up).
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from learning_platform.accounts.models import User
from learning_platform.accounts.roles import Role
from learning_platform.accounts.services import (
    roles_sync,
    user_create,
    user_role_assign,
)
from learning_platform.districts.models import District
from learning_platform.modules import app_module

DEMO_APPS = (
    "itembank",
    "learning_platform.creditbank",
    "learning_platform.indicators",
    "learning_platform.organisations",
    "assessment",
    "assessment.survey",
    "assessment.strands",
    "cms",
)

# username, role, district code (for district roles), display name
DEMO_USERS = (
    ("admin", Role.ADMINISTRATOR, None, "平台管理员"),
    ("researcher", Role.RESEARCHER, None, "监测中心研究员"),
    ("author", Role.ITEM_AUTHOR, None, "命题员"),
    ("reviewer", Role.ITEM_REVIEWER, None, "内容审核员"),
    ("fairness", Role.ITEM_FAIRNESS_REVIEWER, None, "语言与公平性审核员"),
    ("psychometrician", Role.ITEM_PSYCHOMETRIC_REVIEWER, None, "测量学审核员"),
    ("officer", Role.DISTRICT_OFFICER, "310101", "黄浦区教育局"),
    ("officer_xh", Role.DISTRICT_OFFICER, "310104", "徐汇区教育局"),
    ("statistician", Role.DISTRICT_STATISTICIAN, "310101", "黄浦区统计员"),
    ("liaison", Role.DISTRICT_LIAISON, "310101", "黄浦区联络员"),
    ("head", Role.DISTRICT_HEAD, "310101", "黄浦区负责人"),
    ("institution", Role.INSTITUTION, None, "上海开放大学"),
    ("citizen", Role.CITIZEN, None, "张市民"),
)

DEMO_PASSWORD = "demo-pass-2026"


class Command(BaseCommand):
    help = "Load the demo: districts, one user per role (password demo-pass-2026), each app's demo data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-apps", action="store_true", help="Only districts and users."
        )

    def handle(self, *args, skip_apps: bool = False, **options):
        call_command("load_districts", stdout=self.stdout)
        roles_sync()
        self._users()
        if not skip_apps:
            for name in DEMO_APPS:
                module = app_module(name, "demo")
                if module is None:
                    continue
                self.stdout.write(f"Demo data of {name} …")
                module.load_demo(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo ready. Sign in at http://127.0.0.1:8000/accounts/login/ "
                "(each role lands on its own start page) with:"
            )
        )
        for username, role, code, _name in DEMO_USERS:
            where = f" ({code})" if code else ""
            self.stdout.write(
                f"  {username:<16} {DEMO_PASSWORD}   {Role(role).label}{where}"
            )

    @transaction.atomic
    def _users(self) -> None:
        for username, role, code, display_name in DEMO_USERS:
            district = District.objects.get(code=code) if code else None
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create(
                    username=username,
                    password=DEMO_PASSWORD,
                    display_name=display_name,
                    roles=(),
                    district=district,
                )
            user_role_assign(user=user, role=role, district=district)
            if role == Role.ADMINISTRATOR and not user.is_superuser:
                user.is_superuser = True
                user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
