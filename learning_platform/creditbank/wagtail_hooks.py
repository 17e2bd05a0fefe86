"""Link the credit bank's administrator screens from the Wagtail admin menu."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request) -> bool:
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def register_creditbank_menu_item():
    return PermissionMenuItem(
        _("Credit conversion rules"),
        reverse("admin:creditbank_conversionrule_changelist"),
        icon_name="list-ul",
        order=900,
        permission="creditbank.change_conversionrule",
    )
