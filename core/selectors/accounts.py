"""Reads about accounts: which account a sign-in names (every school's 学号 space is its own, core.usernames), the
failed logins (django-axes' log) of a school's accounts, the ones the throttle refuses now and the locks its admins
lifted."""

from __future__ import annotations

import dataclasses
import datetime

from axes.models import AccessFailureLog
from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from core.errors import InvalidInput
from core.models import LockLift, LoginFailure, School, Student, User
from core.usernames import login_name, student_username, typed_pair


def failed_logins_of_school(school_id: int) -> QuerySet[AccessFailureLog]:
    """Failures on the school's accounts (accounts_of_school), newest first (per account, axes keeps a bounded
    number)."""
    usernames = accounts_of_school(school_id).values("username")
    return AccessFailureLog.objects.filter(username__in=usernames).order_by("-attempt_time", "-id")


def display_names(usernames: list[str]) -> dict[str, str]:
    return dict(User.objects.filter(username__in=usernames).values_list("username", "display_name"))


def accounts_of_school(school_id: int) -> QuerySet[User]:
    """The school's students and admins, and the HR accounts of the employers its admins verified (单位资质审核):
    the accounts its 登录失败记录 shows and its admins may unlock."""
    return User.objects.filter(
        Q(school_id=school_id) | Q(student__school_id=school_id) | Q(employer__verified_by__school_id=school_id)
    )


@dataclasses.dataclass
class LockedAccount:
    user: User
    reasons: list[str]
    failures: int
    addresses: list[str]
    last: datetime.datetime


def locked_accounts_of_school(school_id: int) -> list[LockedAccount]:
    """The school's accounts the throttle refuses now (from some address, or on every new device), newest first."""
    now = timezone.now()
    recent = now - settings.AXES_COOLOFF_TIME
    since = now - max(settings.AXES_COOLOFF_TIME, datetime.timedelta(hours=settings.LOGIN_ACCOUNT_WINDOW_HOURS))
    kinds = [LoginFailure.Kind.LOGIN, LoginFailure.Kind.ACTIVATION]
    usernames = accounts_of_school(school_id).values("username")
    rows = (
        LoginFailure.objects.filter(at__gt=since, kind__in=kinds, known_device=False, username__in=usernames)
        .values("username", "kind", "address")
        .annotate(n=Count("id"), recent=Count("id", filter=Q(at__gt=recent)), last=Max("at"))
    )
    by_name: dict[str, list[dict]] = {}
    for row in rows:
        by_name.setdefault(row["username"], []).append(row)
    users = {u.username: u for u in accounts_of_school(school_id).filter(username__in=list(by_name))}
    found = []
    for name, groups in by_name.items():
        reasons = []
        for kind in kinds:
            mine = [g for g in groups if g["kind"] == kind]
            word = "登录" if kind == LoginFailure.Kind.LOGIN else "激活"
            limit = (
                settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
                if kind == LoginFailure.Kind.LOGIN
                else settings.ACTIVATION_FAILURE_LIMIT_PER_ACCOUNT
            )
            if limit and sum(g["n"] for g in mine) >= limit:
                reasons.append(f"{word}：多处失败共{sum(g['n'] for g in mine)}次，暂停在新设备上{word}")
            reasons += [
                f"{word}：来自 {g['address']} 失败{g['recent']}次，暂停该地址{word}"
                for g in mine
                if g["recent"] >= settings.AXES_FAILURE_LIMIT
            ]
        if reasons and name in users:
            ordered = sorted(groups, key=lambda g: -g["n"])
            found.append(
                LockedAccount(
                    user=users[name],
                    reasons=reasons,
                    failures=sum(g["n"] for g in groups),
                    addresses=list(dict.fromkeys(g["address"] for g in ordered)),
                    last=max(g["last"] for g in groups),
                )
            )
    return sorted(found, key=lambda a: a.last, reverse=True)


def lock_lifts_of_school(school_id: int) -> QuerySet[LockLift]:
    return (
        LockLift.objects.filter(user__in=accounts_of_school(school_id))
        .select_related("user", "lifted_by")
        .order_by("-at", "-id")
    )


class SchoolRequired(InvalidInput):
    """A bare 学号 that students of several schools have: the sign-in must name the school."""

    code = "school_required"


SCHOOL_REQUIRED = "该学号在多所院校都有，请选择学校（或填写“院校代码:学号”）后再试"


def login_username(typed: str, school_code: str = "", *, ambiguous: bool = True) -> str:
    """The account name a sign-in (login, /auth/token, activation, 忘记密码) names, or "" for none.

    With a school (`school_code`, the login page's school), `typed` is a 学号 of that school. Without one:
    `院校代码:学号` (or with a space) names a student; a name an employer or an admin has is theirs; a bare 学号
    that one school's student has is that student's, and one several schools' students have raises SchoolRequired
    (`ambiguous=False`: "" instead, for answers that must not differ). Anything else is returned as typed, so an
    unknown name fails (and is counted) like a wrong password.
    """
    name = login_name(typed.strip())
    code = (school_code or "").strip()
    if not name:
        return ""
    if code:
        if not School.objects.filter(code=code).exists():
            message = f"没有院校代码为 {code[:10]} 的学校，请从列表中选择"
            raise InvalidInput(message, errors={"school_code": message})
        pair = typed_pair(name)
        student = student_username(code, pair[1] if pair and pair[0] == code else name)
        # A school left chosen on a shared computer (the pages remember it) does not stop an employer or admin.
        if not User.objects.filter(username=student).exists() and User.objects.filter(username=name).exists():
            return name
        return student
    pair = typed_pair(name)
    if pair is not None:
        return student_username(*pair)
    if User.objects.filter(username=name).exists():
        return name
    schools = list(
        Student.objects.filter(student_no=name, user__isnull=False).values_list("school__code", flat=True)[:2]
    )
    if len(schools) == 1:
        return student_username(schools[0], name)
    if len(schools) > 1:
        if not ambiguous:
            return ""
        raise SchoolRequired(SCHOOL_REQUIRED, errors={"school_code": SCHOOL_REQUIRED})
    return name


def schools_to_sign_in() -> list[School]:
    """The login, 激活账号 and 忘记密码 pages' school list (every school on the platform), by name."""
    return list(School.objects.order_by("name").only("pk", "name", "code"))
