"""Reads of the 统一身份认证 sign-in: the schools offering it, and the one account an identity may open."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Max

from core.models import Role, School, Student, User
from sso.models import SSOFailure

STAFF_ROLES = (Role.SCHOOL_ADMIN, Role.COLLEGE_ADMIN)


def schools_with_sso() -> list[School]:
    """The schools configured in SSO_SCHOOLS that exist, in 院校代码 order (the login page's buttons)."""
    codes = list(settings.SSO_SCHOOLS)
    return list(School.objects.filter(code__in=codes).order_by("code")) if codes else []


def school_by_code(code: str) -> School | None:
    return School.objects.filter(code=code).first()


def account_for_identity(school: School, identifier: str) -> User | None:
    """The account that `identifier` (as the school's own server asserted it) names within that school: the
    roster student with that 学号, else the school's or one of its colleges' admins with that username. Never an
    account of another school, an employer's or a platform administrator's; never one created on the way."""
    student = Student.objects.filter(school=school, student_no=identifier).select_related("user").first()
    if student is not None:
        return student.user
    return User.objects.filter(school=school, username=identifier, role__in=STAFF_ROLES).first()


def failures_since(address: str, since: datetime.datetime) -> tuple[int, datetime.datetime | None]:
    """How many refused sign-ins came from `address` after `since`, and when the last one was."""
    found = SSOFailure.objects.filter(address=address, at__gt=since).aggregate(n=Count("pk"), last=Max("at"))
    return found["n"], found["last"]
