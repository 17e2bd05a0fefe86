"""A Wagtail admin menu entry that takes the monitoring centre to the city overview."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from learning_platform.indicators.selectors import is_city_user


class CityOverviewItem(MenuItem):
    def is_shown(self, request):
        return is_city_user(request.user)


@hooks.register("register_admin_menu_item")
def register_city_overview():
    return CityOverviewItem(
        _("District indicators"),
        reverse("indicators:index"),
        icon_name="table",
        order=900,
    )


@hooks.register("register_admin_menu_item")
def register_field_monitoring():
    return CityOverviewItem(
        _("Field monitoring"),
        reverse("indicators:field_index"),
        icon_name="site",
        order=901,
    )
