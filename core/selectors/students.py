"""Reads of students: the employer's exact search, the student's own record, and the roster an admin sees."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from core.errors import NotFound
from core.models import College, Major, Role, Student, User
from core.selectors.agreements import active_status_by_student


def students_search(*, graduation_year: int, name: str, id_number: str = "", phone: str = "") -> QuerySet[Student]:
    """Exact search, never browsing: year + name + (phone or ID number) must all match."""
    if not (graduation_year and name.strip() and (id_number.strip() or phone.strip())):
        return Student.objects.none()
    qs = Student.objects.filter(graduation_year=graduation_year, name=name.strip())
    if id_number.strip():
        qs = qs.filter(id_number=id_number.strip().upper())
    if phone.strip():
        qs = qs.filter(phone=phone.strip())
    return qs.select_related("school", "college", "major")


def student_for_user(user: User) -> Student:
    student = Student.objects.select_related("school", "college", "major").filter(user_id=user.pk).first()
    if student is None:
        raise NotFound("未找到你的生源信息")
    return student


def students_visible_to(user: User) -> QuerySet[Student]:
    """The roster an admin may see: their school's, or their college's; nobody else sees a roster."""
    if user.role == Role.SCHOOL_ADMIN and user.school_id is not None:
        return Student.objects.filter(school_id=user.school_id)
    if user.role == Role.COLLEGE_ADMIN and user.school_id is not None and user.college_id is not None:
        return Student.objects.filter(school_id=user.school_id, college_id=user.college_id)
    return Student.objects.none()


def get_student_for_admin(user: User, student_id: int) -> Student:
    student = students_visible_to(user).select_related("college", "major", "school", "user").filter(pk=student_id)
    found = student.first()
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class RosterFilters:
    graduation_year: int | None = None
    college_id: int | None = None  # school admins only; a college admin sees their college anyway
    major: str = ""
    q: str = ""  # 学号 exactly, 姓名 in part, or 身份证号 exactly


def roster(user: User, f: RosterFilters) -> QuerySet[Student]:
    """生源名单: the admin's students matching the filters, each with the status of their active agreement."""
    qs = students_visible_to(user)
    if f.graduation_year:
        qs = qs.filter(graduation_year=f.graduation_year)
    if user.role == Role.SCHOOL_ADMIN and f.college_id:
        qs = qs.filter(college_id=f.college_id)
    if f.major:
        qs = qs.filter(major__name__contains=f.major)
    if f.q:
        qs = qs.filter(Q(student_no=f.q) | Q(name__contains=f.q) | Q(id_number=f.q.upper()))
    return (
        qs.select_related("college", "major", "user")  # user: 已激活 or 未激活
        .annotate(active_status=active_status_by_student())
        .order_by("-graduation_year", "college__name", "student_no")
    )


def graduation_years_of_school(school_id: int) -> set[int]:
    """The 毕业年度 on the school's roster: a handful of index probes (the next year above the last one found, on the
    (school, 毕业年度, …) index), not a DISTINCT over every student of the school (240k rows at province scale)."""
    table = Student._meta.db_table
    sql = (
        f"WITH RECURSIVE years(y) AS ("
        f" SELECT MIN(graduation_year) FROM {table} WHERE school_id = %s"
        f" UNION ALL"
        f" SELECT (SELECT MIN(graduation_year) FROM {table} WHERE school_id = %s AND graduation_year > years.y)"
        f" FROM years WHERE years.y IS NOT NULL"
        f") SELECT y FROM years WHERE y IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [school_id, school_id])
        return {row[0] for row in cursor.fetchall()}


def colleges_of_school(school_id: int) -> list[tuple[int, str]]:
    return list(College.objects.filter(school_id=school_id).order_by("name").values_list("pk", "name"))


def majors_of_school(school_id: int) -> QuerySet[Major]:
    return Major.objects.filter(college__school_id=school_id).select_related("college")
