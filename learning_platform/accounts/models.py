from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who uses the platform; roles are groups, district binds district roles."""

    district = models.ForeignKey(
        "districts.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("District of residence, or the district a district role acts for."),
    )
    display_name = models.CharField(_("display name"), max_length=150, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_username()


class TokenScope(models.TextChoices):
    """What a bearer token may do; a request needs every scope that applies to it.

    ``read`` covers GET/HEAD/OPTIONS and ``write`` every other method; ``survey`` and
    ``creditbank`` are needed in addition for the survey and credit-bank APIs, whose
    data (respondent files, learning records) are the most sensitive.
    """

    READ = "read", _("read")
    WRITE = "write", _("write")
    SURVEY = "survey", _("survey")
    CREDITBANK = "creditbank", _("credit bank")


ALL_TOKEN_SCOPES = " ".join(TokenScope.values)


class ApiToken(models.Model):
    """A bearer token for API clients; only a hash of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="personal_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    scopes = models.CharField(
        _("scopes"),
        max_length=100,
        default=ALL_TOKEN_SCOPES,
        help_text=_("Space-separated: read, write, survey, creditbank."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("minted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("The token that created this one, if a token did."),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
