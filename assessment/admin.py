"""Django admin screens for researchers: instruments and campaigns; sessions read-only."""

from django.contrib import admin

from assessment.models import Campaign, Instrument, Invitation, Result, Session


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "kind", "mode", "domain_code")
    list_filter = ("kind", "mode")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = (
        "name_zh",
        "kind",
        "instrument",
        "audience",
        "opens_at",
        "closes_at",
    )
    list_filter = ("kind", "audience")
    search_fields = ("name_zh", "name_en")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("code", "campaign", "district_code", "used_at")
    list_filter = ("campaign",)
    readonly_fields = ("used_by", "used_at")


class ResultInline(admin.TabularInline):
    model = Result
    extra = 0
    can_delete = False
    readonly_fields = (
        "domain_code",
        "theta",
        "se",
        "level_code",
        "parameter_set_id",
        "n_items",
    )


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "campaign",
        "status",
        "n_answered",
        "started_at",
        "finished_at",
    )
    list_filter = ("status", "campaign")
    inlines = [ResultInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
