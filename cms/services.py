"""Writes of the cms app."""

from __future__ import annotations

from django.db import transaction
from wagtail.models import Locale, Page, Site

from cms.models import HomePage

HOME_TITLE = "市民终身学习监测"
SITE_NAME = "市民终身学习监测平台"


@transaction.atomic
def home_site_ensure() -> HomePage:
    """Return the home page, creating the page tree root, home page and default site if missing.

    Migrations create them; a database emptied by a flush (transactional tests,
    a restored dump without pages) gets them back here.
    """
    home = HomePage.objects.first()
    if home is None:
        Locale.objects.get_or_create(language_code="zh-hans")
        root = Page.get_first_root_node()
        if root is None:
            root = Page.add_root(title="Root", slug="root", locale=Locale.get_default())
        home = HomePage(title=HOME_TITLE, slug="home", locale=Locale.get_default())
        root.add_child(instance=home)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True,
            site_name=SITE_NAME,
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save(update_fields=["root_page"])
    return home
