"""Migration 0010: schools that had 显示报到证信息 on only because it was the old default get the new default (off);
a school that set it in 学校设置 (its change log says so) keeps its choice."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from core.models import School, SchoolSettingsChange
from testsupport import make_school

pytestmark = pytest.mark.django_db
migration = importlib.import_module("core.migrations.0010_dispatch_fields_hidden_by_default")


def test_only_a_chosen_setting_survives() -> None:
    default = make_school("甲大学", "90001", show_dispatch_fields=True)
    chose = make_school("乙大学", "90002", show_dispatch_fields=True)
    SchoolSettingsChange.objects.create(school=chose, changes={"show_dispatch_fields": [False, True]})
    other_change = make_school("丙大学", "90003", show_dispatch_fields=True)
    SchoolSettingsChange.objects.create(school=other_change, changes={"max_terminations": [None, 2]})
    migration.hide_unless_chosen(apps, None)
    shown = dict(
        School.objects.filter(pk__in=[default.pk, chose.pk, other_change.pk]).values_list(
            "code", "show_dispatch_fields"
        )
    )
    assert shown == {"90001": False, "90002": True, "90003": False}
