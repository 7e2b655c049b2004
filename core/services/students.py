"""生源 correction by the school: one student's data, validated with the same rules as the roster import."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.errors import Forbidden, InvalidInput, NotFound
from core.inputs import parse_id, parse_int
from core.models import Agreement, Major, Role, Student, StudentChange, User
from core.services.agreements import agreements_follow_students
from core.services.events import record_event
from core.services.roster import DEGREE_BY_TEXT
from core.services.stats_counters import count_students_moved, student_key
from core.validators import gender_from_id, validate_email, validate_id_number, validate_phone

# field -> label; 学号 is the student's login name and is not corrected here.
STUDENT_EDIT_FIELDS = {
    "name": "姓名",
    "gender": "性别",
    "id_number": "身份证号",
    "phone": "手机号",
    "email": "邮箱",
    "graduation_year": "毕业年度",
    "major": "专业",
    "degree": "学历",
}


def clean_student(student: Student, data: dict[str, Any]) -> dict[str, Any]:
    """Every field checked at once; raises InvalidInput with a message per field."""
    errors: dict[str, object] = {}
    cleaned: dict[str, Any] = {}

    def text(field: str) -> str:
        return str(data.get(field) or "").strip()

    name = text("name")
    if not name:
        errors["name"] = "请填写姓名"
    elif len(name) > 50:
        errors["name"] = "姓名不能超过50个字"
    cleaned["name"] = name

    for field, validator in (("id_number", validate_id_number), ("phone", validate_phone)):
        try:
            cleaned[field] = validator(text(field), field=STUDENT_EDIT_FIELDS[field])
        except InvalidInput as exc:
            errors[field] = exc.detail
    email = text("email")
    cleaned["email"] = ""
    if email:
        try:
            cleaned["email"] = validate_email(email)
        except InvalidInput as exc:
            errors["email"] = exc.detail

    gender = text("gender")
    if gender not in ("男", "女"):
        errors["gender"] = "性别应为“男”或“女”"
    elif "id_number" in cleaned and gender_from_id(cleaned["id_number"]) != gender:
        errors["gender"] = "性别与身份证号不符"
    cleaned["gender"] = gender

    year = parse_int(text("graduation_year"), minimum=2000, maximum=2100)
    if year is None:
        errors["graduation_year"] = "毕业年度应为四位年份，如2027"
    else:
        cleaned["graduation_year"] = year

    degree = text("degree")
    degree = DEGREE_BY_TEXT.get(degree, degree)
    if degree not in Student.Degree.values:
        errors["degree"] = "学历应为专科、本科、硕士研究生或博士研究生"
    cleaned["degree"] = degree

    major_id = parse_id(text("major"))
    major = (
        Major.objects.select_related("college").filter(pk=major_id, college__school_id=student.school_id).first()
        if major_id is not None
        else None
    )
    if major is None:
        errors["major"] = "请选择本校的院系和专业"
    cleaned["major"] = major

    if "id_number" in cleaned and (
        Student.objects.filter(school_id=student.school_id, id_number=cleaned["id_number"])
        .exclude(pk=student.pk)
        .exists()
    ):
        errors["id_number"] = "本校已有其他学生使用该身份证号"
    if errors:
        raise InvalidInput(f"{len(errors)}处填写有误：{next(iter(errors.values()))}", errors=errors)
    return cleaned


def student_update(student: Student | int, data: dict[str, Any], *, acting_user: User) -> Student:
    """A school admin corrects one student of their school. A change of 院系 follows the student's
    agreements too, since each agreement keeps its college for scoping reviews and statistics."""
    if acting_user.role != Role.SCHOOL_ADMIN:
        raise Forbidden("只有学校管理员可以修改生源信息", code="forbidden_role")
    pk = student.pk if isinstance(student, Student) else student
    if acting_user.school_id is None:
        raise Forbidden("该管理员账号未关联院校", code="forbidden_role")
    with transaction.atomic():
        current = (
            Student.objects.select_for_update()
            .select_related("college", "major")
            .filter(pk=pk, school_id=acting_user.school_id)
            .first()
        )
        if current is None:
            raise NotFound()
        old_key = student_key(current)  # where its agreements are counted (统计) until now
        cleaned = clean_student(current, data)
        major: Major = cleaned.pop("major")
        fields = [f for f, v in cleaned.items() if getattr(current, f) != v]
        diff: dict[str, list[Any]] = {STUDENT_EDIT_FIELDS[f]: [getattr(current, f), cleaned[f]] for f in fields}
        for field in fields:
            setattr(current, field, cleaned[field])
        if current.major_id != major.pk:
            diff["院系/专业"] = [f"{current.college.name}/{current.major.name}", f"{major.college.name}/{major.name}"]
            current.major = major
            fields.append("major")
        if current.college_id != major.college_id:
            current.college = major.college
            fields.append("college")
        if fields:
            current.save(update_fields=fields)
            count_students_moved({current.pk: old_key})
            if {"name", "graduation_year", "college"} & set(fields):
                agreements_follow_students([current.pk])
            StudentChange.objects.create(student=current, actor=acting_user, changes=diff)
            # The agreements print the student's data: their 流程追踪 says so, and issued documents are
            # issued again (the old version then verifies as superseded).
            remark = "；".join(diff)
            for agreement in Agreement.objects.filter(student=current, number__isnull=False).select_related("student"):
                record_event(
                    agreement,
                    "student_corrected",
                    actor=acting_user,
                    old_status=agreement.status,
                    remark=f"更正：{remark}",
                )
        if "name" in fields and current.user_id:
            User.objects.filter(pk=current.user_id).update(display_name=current.name)
    return current
