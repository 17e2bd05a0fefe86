from django.contrib import admin

from learning_platform.districts.models import District, DistrictYearFigure


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "sort_order")


@admin.register(DistrictYearFigure)
class DistrictYearFigureAdmin(admin.ModelAdmin):
    list_display = (
        "district",
        "year",
        "resident_population_10k",
        "population_60_plus_10k",
    )
    list_filter = ("year", "district")
