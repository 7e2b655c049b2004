"""生源 correction by the school: one student's data, validated by the same function as the roster import's rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from core.errors import Forbidden, InvalidInput, NotFound
from core.inputs import parse_id
from core.models import Agreement, Major, Role, Student, StudentChange, User
from core.services.agreements import agreements_follow_students
from core.services.events import record_event
from core.services.stats_counters import count_students_moved, student_key
from core.services.terms import clean_value
from core.student_fields import STUDENT_FIELDS

# field -> label (core.student_fields); 学号 is the student's login name and is not corrected here, and 专业 is
# chosen from the school's (its 院系 with it).
STUDENT_EDIT_FIELDS = {
    name: STUDENT_FIELDS[name].label
    for name in ("name", "gender", "id_number", "phone", "email", "graduation_year", "major", "degree")
}


def clean_student_values(data: Mapping[str, Any], names: Iterable[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The named fields of a student (core.student_fields) cleaned, and every refusal by field name: the one
    validator of the roster's rows, the correction form and the API, so each says the same of the same value.
    性别 is checked against the 身份证号 as well."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in names:
        try:
            cleaned[name] = clean_value(STUDENT_FIELDS[name], data.get(name))
        except InvalidInput as exc:
            errors[name] = exc.detail
    if cleaned.get("gender") and cleaned.get("id_number") and _gender_of(cleaned["id_number"]) != cleaned["gender"]:
        errors["gender"] = "性别与身份证号不符"
    return cleaned, errors


def _gender_of(id_number: str) -> str:
    """gender_from_id of a number validate_id_number has just accepted, without validating it again."""
    return "男" if int(id_number[16]) % 2 else "女"


def clean_student(student: Student, data: dict[str, Any]) -> dict[str, Any]:
    """Every field checked at once; raises InvalidInput with a message per field."""
    names = [name for name in STUDENT_EDIT_FIELDS if name != "major"]
    cleaned, errors = clean_student_values(data, names)
    errors = dict(errors)

    major_id = parse_id(str(data.get("major") or "").strip())
    major = (
        Major.objects.select_related("college").filter(pk=major_id, college__school_id=student.school_id).first()
        if major_id is not None
        else None
    )
    if major is None:
        errors["major"] = "请选择本校的院系和专业"
    cleaned["major"] = major

    if cleaned.get("id_number") and (
        Student.objects.filter(school_id=student.school_id, id_number=cleaned["id_number"])
        .exclude(pk=student.pk)
        .exists()
    ):
        errors["id_number"] = "本校已有其他学生使用该身份证号"
    if errors:
        ordered = {name: errors[name] for name in STUDENT_EDIT_FIELDS if name in errors}
        raise InvalidInput(f"{len(ordered)}处填写有误：{next(iter(ordered.values()))}", errors=dict(ordered))
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
