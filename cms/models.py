from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The public home page: what the monitoring is, open tests and latest reports."""

    intro = models.CharField(
        _("introduction"),
        max_length=300,
        blank=True,
        default="了解自己的终身学习能力，参与上海市民终身学习监测。",
    )
    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
