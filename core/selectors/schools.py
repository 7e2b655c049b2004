"""Reads of a school's own records."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import Province, School, SchoolSettingsChange


def settings_changes_of(school: School) -> QuerySet[SchoolSettingsChange]:
    """学校设置's change log, newest first (the model's order), with who made each change."""
    return SchoolSettingsChange.objects.filter(school=school).select_related("actor")


def schools_of_province(province: Province) -> QuerySet[School]:
    """The schools assigned to a 省级主管部门, by 院校代码."""
    return province.schools.order_by("code")
