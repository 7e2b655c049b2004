"""Student account activation: the school issues one-time codes, the student sets their password with one.

Roster import creates students who cannot log in (an unusable password): nothing another party sees may serve
as a first password. A code is random (CODE_LENGTH characters of an alphabet without look-alikes), valid for
the school's 激活码有效期, used once, and stored as an HMAC keyed with SECRET_KEY: the codes of a whole school
are hashed in a moment (a slow password hash would take minutes), and a copy of the database alone reveals none.
Guessing is throttled in activation's own budget (core.throttle; a fresh code clears the account's count), so
CODE_LENGTH characters (60 bits) are far out of reach.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from core.errors import Forbidden, InvalidInput
from core.models import ActivationCode, LoginFailure, Role, School, Student, User
from core.selectors.accounts import login_username
from core.services.accounts import check_new_password, password_set
from core.throttle import guard, is_refused, record_failure, refusal, stored_name

# No 0/O, 1/I, so a code read from paper or a phone screen is typed right.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12


@dataclass(frozen=True)
class IssuedCode:
    student_number: str
    name: str
    college: str
    major: str
    code: str
    expires_at: datetime.datetime


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch not in " -\t")


def _code_hash(user_id: int, code: str) -> str:
    return salted_hmac("wangqian.activation", f"{user_id}:{normalize_code(code)}", algorithm="sha256").hexdigest()


def unactivated(students: QuerySet[Student]) -> QuerySet[Student]:
    """Students whose account has never had a password of its own (as roster import creates them)."""
    return students.filter(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)


def is_activated(user: User | None) -> bool:
    return user is not None and user.has_usable_password()


def activation_codes_issue(
    school: School,
    *,
    acting_user: User,
    student_numbers: list[str] | None = None,
    all_unactivated: bool = False,
    within: QuerySet[Student] | None = None,
) -> list[IssuedCode]:
    """New codes for the named students, or for every student not yet activated (`within` narrows the list).

    A student's earlier unused codes are revoked. All or nothing: an unknown 学号 changes nothing.
    """
    if acting_user.role != Role.SCHOOL_ADMIN or acting_user.school_id != school.pk:
        raise Forbidden("只有本校学校管理员可以生成激活码", code="forbidden_role")
    if (student_numbers is None) == (not all_unactivated):
        message = "请指定学号（student_numbers）或全部未激活学生（all_unactivated），二者选一"
        raise InvalidInput(message, errors={"student_numbers": message})
    students = (within if within is not None else Student.objects.all()).filter(school=school, user__isnull=False)
    if all_unactivated:
        students = unactivated(students)
    else:
        wanted = list(dict.fromkeys(no.strip() for no in student_numbers or [] if no.strip()))
        if not wanted:
            message = "请至少填写一个学号"
            raise InvalidInput(message, errors={"student_numbers": message})
        students = students.filter(student_no__in=wanted)
    limit = settings.ACTIVATION_CODES_PER_REQUEST
    found = list(students.select_related("user", "college", "major").order_by("student_no")[: limit + 1])
    if len(found) > limit:
        message = f"一次最多为{limit}名学生生成激活码，请按毕业年度或院系分批生成"
        raise InvalidInput(message, errors={"student_numbers": message})
    if not all_unactivated:
        missing = [no for no in wanted if no not in {s.student_no for s in found}]
        if missing:
            shown = "、".join(missing[:20]) + ("等" if len(missing) > 20 else "")
            message = f"以下学号不在本校生源中或没有登录账号：{shown}"
            raise InvalidInput(message, errors={"student_numbers": message})
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=school.activation_code_validity_days)
    issued: list[IssuedCode] = []
    rows: list[ActivationCode] = []
    for student in found:
        assert student.user is not None
        code = new_code()
        rows.append(
            ActivationCode(
                user=student.user,
                code_hash=_code_hash(student.user.pk, code),
                created_by=acting_user,
                expires_at=expires_at,
            )
        )
        issued.append(
            IssuedCode(student.student_no, student.name, student.college.name, student.major.name, code, expires_at)
        )
    with transaction.atomic():
        ActivationCode.objects.filter(
            user_id__in=[s.user_id for s in found], used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        ActivationCode.objects.bulk_create(rows, batch_size=1000)
        # A fresh code is not refused for guesses at the old ones (from anywhere): the account's count starts anew.
        names = [stored_name(s.user.username) for s in found if s.user is not None]
        LoginFailure.objects.filter(kind=LoginFailure.Kind.ACTIVATION, username__in=names).delete()
    return issued


def account_activate(
    *, username: str, code: str, new_password: str, school_code: str = "", request: HttpRequest | None
) -> User:
    """激活账号: the school and 学号 (as a login names them) + a live code + a new password. Failures count
    in activation's own budget (core.throttle)."""
    name = login_username(username, school_code)
    check_new_password(None, new_password)
    guard(request, name, LoginFailure.Kind.ACTIVATION)
    now = timezone.now()
    user = User.objects.filter(username=name, role=Role.STUDENT, is_active=True).first() if name else None
    match = None
    if user is not None:
        digest = _code_hash(user.pk, code)
        live = ActivationCode.objects.filter(
            user=user, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )
        match = next((c for c in live if constant_time_compare(c.code_hash, digest)), None)
    if user is None or match is None:
        record_failure(request, name, LoginFailure.Kind.ACTIVATION)
        if is_refused(request):
            raise refusal(request, name)  # type: ignore[arg-type]
        message = "学号或激活码不正确，或激活码已过期（可请学校重新生成）"
        raise InvalidInput(message, code="invalid_code", errors={"code": message})
    with transaction.atomic():
        # Conditional: of two simultaneous uses of one code, one wins.
        if not ActivationCode.objects.filter(pk=match.pk, used_at__isnull=True, revoked_at__isnull=True).update(
            used_at=now
        ):
            message = "激活码已使用，请直接登录或请学校重新生成"
            raise InvalidInput(message, code="invalid_code", errors={"code": message})
        ActivationCode.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
        password_set(user, new_password)
    return user
