"""Administrator screens: conversion rules with their history, accounts, the read-only ledger.

Every save goes through a service, so the admin behaves like the API.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from learning_platform.creditbank import services
from learning_platform.creditbank.models import (
    AccountStatus,
    ConversionRule,
    CreditEntry,
    IssuedCredential,
    LearningAccount,
    LearningOutcome,
)


class ConversionRuleForm(forms.ModelForm):
    change_comment = forms.CharField(
        label=_("What changed and why"), max_length=300, required=False
    )

    class Meta:
        model = ConversionRule
        fields = ["code", *services.RULE_FIELDS]


@admin.register(ConversionRule)
class ConversionRuleAdmin(admin.ModelAdmin):
    form = ConversionRuleForm
    list_display = [
        "code",
        "name",
        "outcome_kind",
        "domain_code",
        "credits",
        "points",
        "cap_period",
        "valid_months",
        "active",
        "version",
    ]
    list_filter = ["outcome_kind", "active", "cap_period"]
    search_fields = ["code", "name", "name_en"]
    readonly_fields = ["version", "history"]

    def get_readonly_fields(self, request, obj=None):
        return ["version", "code", "history"] if obj else ["version"]

    @admin.display(description=_("History"))
    def history(self, obj: ConversionRule) -> str:
        rows = format_html_join(
            "",
            "<tr><td>v{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            (
                (
                    v.version,
                    v.changed_at.strftime("%Y-%m-%d %H:%M"),
                    v.changed_by or "—",
                    v.comment,
                    json.dumps(v.data, ensure_ascii=False),
                )
                for v in obj.versions.select_related("changed_by").order_by("-version")
            ),
        )
        return format_html("<table>{}</table>", rows)

    def save_model(self, request, obj, form, change) -> None:
        data = {
            field: form.cleaned_data[field]
            for field in services.RULE_FIELDS
            if field in form.cleaned_data
        }
        saved = services.conversion_rule_save(
            code=obj.code,
            data=data,
            changed_by=request.user,
            comment=form.cleaned_data.get("change_comment", ""),
        )
        obj.pk, obj.version = saved.pk, saved.version

    def has_delete_permission(self, request, obj=None) -> bool:
        # Rules that credited outcomes stay, so ledger entries keep their meaning.
        return False


@admin.action(description=_("Close the selected accounts (revokes their credentials)"))
def close_accounts(modeladmin, request, queryset) -> None:
    closed = 0
    for account in queryset.exclude(status=AccountStatus.CLOSED):
        services.account_close(account=account, closed_by=request.user)
        closed += 1
    modeladmin.message_user(
        request, _("%(n)d accounts closed.") % {"n": closed}, messages.SUCCESS
    )


@admin.register(LearningAccount)
class LearningAccountAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "user",
        "district",
        "status",
        "opened_at",
        "closure_requested_at",
        "credits_balance",
        "points_balance",
    ]
    list_filter = ["status", "district", "opened_via"]
    search_fields = ["number", "user__username", "user__display_name"]
    readonly_fields = [f.name for f in LearningAccount._meta.fields]
    actions = [close_accounts]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: the admin lists and shows them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LearningOutcome)
class LearningOutcomeAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "account",
        "kind",
        "achieved_on",
        "source",
        "level_code",
        "revoked_at",
    ]
    list_filter = ["kind", "revoked_at"]
    search_fields = ["title", "account__number", "source", "source_ref", "evidence_ref"]
    readonly_fields = [f.name for f in LearningOutcome._meta.fields]


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "kind",
        "credits",
        "points",
        "rule",
        "rule_version",
        "period_key",
        "expires_on",
        "reason",
    ]
    list_filter = ["kind", "rule"]
    search_fields = ["account__number", "reason"]


@admin.register(IssuedCredential)
class IssuedCredentialAdmin(admin.ModelAdmin):
    list_display = ["id", "format", "account", "outcome", "issued_at", "revoked_at"]
    list_filter = ["format"]
    readonly_fields = [f.name for f in IssuedCredential._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
