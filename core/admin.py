"""Django admin for the platform operator: provinces and their schools (manage.py province_add is the contract;
here the operator can also change a province's schools), and the schools' list."""

from __future__ import annotations

from django.contrib import admin

from core.models import Province, School


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("schools",)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "time_zone", "second_factor_required")
    search_fields = ("code", "name")
    ordering = ("code",)
