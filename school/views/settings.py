"""学校设置: review levels, 解约 limits and window, invitation validity, number format, 报到证 fields; each
change goes through core.services.schools.school_update_settings, which checks it against the settings'
description (core.fields.SCHOOL_SETTINGS_FIELDS) as the API does, and records it."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from core.calendar import current_graduation_year
from core.errors import InvalidInput
from core.fields import SCHOOL_SETTINGS_FIELDS, Kind
from core.models import School
from core.selectors import settings_changes_of
from core.services.schools import SETTING_FIELDS, TIME_ZONE_CHOICES, school_update_settings
from school.access import current_school, school_admin_required
from school.views.common import page
from web.request import AuthenticatedRequest

BOOLEAN_FIELDS = tuple(name for name, spec in SCHOOL_SETTINGS_FIELDS.items() if spec.kind == Kind.BOOL)
# Settings added after the form first shipped: a form of an earlier version leaves them as they are.
OPTIONAL_IN_FORM = ("activation_code_validity_days", "time_zone")


def _form_values(school: School) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in SETTING_FIELDS:
        value = getattr(school, field)
        if field in BOOLEAN_FIELDS:
            values[field] = bool(value)
        elif value is None:
            values[field] = ""
        elif isinstance(value, datetime.date):
            values[field] = value.isoformat()
        else:
            values[field] = str(value)
    return values


def parse_settings(post: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the changes as typed, for the service to check; what was typed, to show again). A switch is on when its
    box is posted; a setting an earlier version of the form did not have is left as it is."""
    changes: dict[str, Any] = {}
    for field in BOOLEAN_FIELDS:
        changes[field] = post.get(field) == "on"
    for field in SETTING_FIELDS:
        if field in BOOLEAN_FIELDS or (field in OPTIONAL_IN_FORM and field not in post):
            continue
        changes[field] = post.get(field, "")
    return changes, dict(changes)


def _history(request: AuthenticatedRequest, school: School) -> Any:
    history = Paginator(settings_changes_of(school), 20).get_page(request.GET.get("page"))
    for change in history.object_list:
        change.rows = [  # type: ignore[attr-defined]
            (SETTING_FIELDS.get(field, field), _shown(field, old), _shown(field, new))
            for field, (old, new) in change.changes.items()
        ]
    return history


def _shown(field: str, value: Any) -> str:
    if field in BOOLEAN_FIELDS:
        return "开启" if value else "关闭"
    if value is None or value == "":
        return "不限" if field == "max_terminations" else "未设置"
    return str(value)


def _time_zones(current: str) -> list[tuple[str, str]]:
    """The usual zones, and the school's own when it was set to another one (in the admin or by the API)."""
    choices = list(TIME_ZONE_CHOICES)
    if current not in dict(choices):
        choices.append((current, current))
    return choices


@require_http_methods(["GET", "POST"])
@school_admin_required
def school_settings(request: AuthenticatedRequest) -> HttpResponse:
    school = current_school(request)
    errors: dict[str, Any] = {}
    values = _form_values(school)
    if request.method == "POST":
        changes, values = parse_settings(request.POST)
        try:
            school_update_settings(school, changes, acting_user=request.user)
        except InvalidInput as exc:
            errors = dict(exc.errors) or {"all": exc.detail}
        else:
            messages.success(request, "学校设置已保存，新的设置对此后的操作生效")
            return redirect("school:settings")
    context = {
        "school": school,
        "values": values,
        "errors": errors,
        "labels": SETTING_FIELDS,
        "history": _history(request, school),
        "query": "",
        "number_sample": _sample(school),
        "time_zones": _time_zones(values.get("time_zone") or school.time_zone),
    }
    return page(
        request,
        "school/settings.html",
        context,
        menu="settings",
        crumbs=[("学校设置", "")],
        status=400 if errors else 200,
    )


def _sample(school: School) -> str:
    try:
        return school.number_format.format(year=current_graduation_year(), school_code=school.code, seq=1)
    except (KeyError, IndexError, ValueError):
        return ""
