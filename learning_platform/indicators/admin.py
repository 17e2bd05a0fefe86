"""Read-only Django admin screens for the framework editions (they change only by loading a file)."""

from django.contrib import admin

from learning_platform.indicators.models import (
    CollectionWindow,
    DataItem,
    FrameworkVersion,
    Indicator,
    ReviewEvent,
    Submission,
    Target,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnly):
    list_display = ["year", "data_year", "title_zh", "loaded_at"]


@admin.register(Indicator)
class IndicatorAdmin(ReadOnly):
    list_display = ["code", "name_zh", "level", "version"]
    list_filter = ["version", "level"]


@admin.register(DataItem)
class DataItemAdmin(ReadOnly):
    list_display = ["code", "name_zh", "kind", "unit", "formula", "version"]
    list_filter = ["version", "kind"]
    search_fields = ["code", "name_zh"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnly):
    list_display = ["district", "year", "status", "updated_at"]
    list_filter = ["year", "status"]


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnly):
    list_display = ["submission", "action", "from_status", "to_status", "actor", "at"]


@admin.register(Target)
class TargetAdmin(ReadOnly):
    list_display = [
        "code",
        "name_zh",
        "comparison",
        "threshold",
        "unit",
        "source_zh",
        "version",
    ]
    list_filter = ["version"]


@admin.register(CollectionWindow)
class CollectionWindowAdmin(admin.ModelAdmin):
    """The city sets each data year's filing window here (or with ``collection_window_set``)."""

    list_display = ["year", "opens_on", "closes_on", "note"]
