"""The school side of every scoped read: what a student, a college admin or a school admin may see of the rows that
carry `school_id`, `college_id` and a student (agreements, 毕业去向), and a 省级主管部门 (read-only: every action is
refused by role in core.rules) the rows of its schools. Employers' scope is the caller's own."""

from __future__ import annotations

from django.db.models import Q

from core.models import Role, School, User


def school_scope(user: User) -> Q | None:
    """The filter of the viewer's own rows, or None when this viewer sees none by the school's scope."""
    if user.role == Role.STUDENT:
        return Q(student__user_id=user.pk)
    if user.role == Role.COLLEGE_ADMIN and user.school_id is not None and user.college_id is not None:
        return Q(school_id=user.school_id, college_id=user.college_id)
    if user.role == Role.SCHOOL_ADMIN and user.school_id is not None:
        return Q(school_id=user.school_id)
    if user.role == Role.PROVINCE_ADMIN and user.province_id is not None:
        return Q(school_id__in=School.objects.filter(provinces=user.province_id).values("pk"))
    return None
