"""生源 roster import: validate every row first; any error → nothing written; then one short transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction

from core.errors import Forbidden, InvalidInput
from core.inputs import parse_int
from core.models import College, Major, Role, School, Student, User
from core.services.agreements import agreements_follow_students
from core.services.bulk import in_values, insert_rows
from core.services.stats_counters import count_students_moved, student_key
from core.services.xlsx import read_rows, write_xlsx
from core.validators import validate_email, validate_id_number, validate_phone

ROSTER_HEADERS = ("学号", "姓名", "性别", "身份证号", "手机号", "邮箱", "毕业年度", "院系", "专业", "学历")
DEGREE_BY_TEXT = {
    **{label: value for value, label in Student.Degree.choices},
    "专科": "junior",
    "本科": "bachelor",
    "硕士": "master",
    "硕士研究生": "master",
    "博士": "doctor",
    "博士研究生": "doctor",
    "本科生": "bachelor",
    "研究生": "master",
}
WRITE_BATCH = 5000
STUDENT_FIELDS = ("name", "gender", "id_number", "phone", "email", "graduation_year", "degree")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    colleges_created: list[str] = field(default_factory=list)
    majors_created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = True


@dataclass
class _Row:
    number: int
    student_no: str
    college: str
    major: str
    values: dict[str, object]


def roster_template() -> bytes:
    example = [
        "20270001",
        "李华",
        "女",  # the 身份证号's 17th digit is even: a woman's number; the example must pass its own import
        "11010519491231002X",
        "13800138000",
        "zhangsan@example.com",
        2027,
        "文法学院",
        "法学",
        "本科",
    ]
    return write_xlsx(ROSTER_HEADERS, [example], title="生源名单")


def _gender_of(id_number: str) -> str:
    """gender_from_id of a number validate_id_number has just accepted, without validating it again."""
    return "男" if int(id_number[16]) % 2 else "女"


def _validate_row(number: int, raw: dict[str, str], errors: list[RowError]) -> _Row | None:
    count = len(errors)

    def fail(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    for column in ("学号", "姓名", "性别", "身份证号", "手机号", "毕业年度", "院系", "专业", "学历"):
        if not raw.get(column):
            fail(column, f"{column}不能为空")
    values: dict[str, object] = {"name": raw.get("姓名", ""), "email": ""}
    student_no = raw.get("学号", "")
    if student_no and (len(student_no) > 30 or not student_no.isalnum()):
        fail("学号", "学号应为30位以内的字母或数字")
    if len(raw.get("姓名", "")) > 50:
        fail("姓名", "姓名过长")
    if raw.get("身份证号"):
        try:
            values["id_number"] = validate_id_number(raw["身份证号"])
        except InvalidInput as exc:
            fail("身份证号", exc.detail)
    gender = raw.get("性别", "")
    if gender:
        if gender not in ("男", "女"):
            fail("性别", "性别应为“男”或“女”")
        elif "id_number" in values and _gender_of(str(values["id_number"])) != gender:
            fail("性别", "性别与身份证号不符")
        values["gender"] = gender
    if raw.get("手机号"):
        try:
            values["phone"] = validate_phone(raw["手机号"])
        except InvalidInput as exc:
            fail("手机号", exc.detail)
    if raw.get("邮箱"):
        try:
            values["email"] = validate_email(raw["邮箱"])
        except InvalidInput as exc:
            fail("邮箱", exc.detail)
    year = raw.get("毕业年度", "")
    if year:
        graduation_year = parse_int(year, minimum=2000, maximum=2100)
        if graduation_year is None:
            fail("毕业年度", "毕业年度应为四位年份，如2027")
        else:
            values["graduation_year"] = graduation_year
    degree = raw.get("学历", "")
    if degree:
        if degree not in DEGREE_BY_TEXT:
            fail("学历", "学历应为专科、本科、硕士研究生或博士研究生")
        else:
            values["degree"] = DEGREE_BY_TEXT[degree]
    for column in ("院系", "专业"):
        if len(raw.get(column, "")) > 100:
            fail(column, f"{column}名称过长")
    if len(errors) > count:
        return None
    return _Row(number, student_no, raw["院系"], raw["专业"], values)


def roster_import(
    school: School,
    upload: IO[bytes],
    *,
    dry_run: bool,
    acting_user: User,
    progress: Callable[[int, int], None] | None = None,
    heartbeat: Callable[[], None] | None = None,
    before_commit: Callable[[RosterResult], None] | None = None,
) -> RosterResult:
    """Validate every row, then (unless a dry run) write them all in one transaction.

    `progress(done, total)` is called as rows are written, `heartbeat()` every few hundred rows while the
    file is read, so that a job can show it is alive; `before_commit(result)` runs inside the transaction
    (a job records its end there, so that the import and its record commit together or not at all)."""
    if acting_user.role != Role.SCHOOL_ADMIN:
        raise Forbidden("只有学校管理员可以导入生源", code="forbidden_role")
    if acting_user.school_id != school.pk:
        raise Forbidden("只能导入本校生源", code="forbidden_school")
    result = RosterResult(dry_run=dry_run)
    rows: list[_Row] = []
    seen_no: dict[str, int] = {}
    seen_id: dict[str, int] = {}
    for number, raw in read_rows(upload, ROSTER_HEADERS, required=[h for h in ROSTER_HEADERS if h != "邮箱"]):
        if heartbeat and number % 500 == 0:
            heartbeat()
        row = _validate_row(number, raw, result.errors)
        if row is None:
            continue
        if row.student_no in seen_no:
            result.errors.append(RowError(number, "学号", f"学号与第{seen_no[row.student_no]}行重复"))
            continue
        id_number = str(row.values["id_number"])
        if id_number in seen_id:
            result.errors.append(RowError(number, "身份证号", f"身份证号与第{seen_id[id_number]}行重复"))
            continue
        seen_no[row.student_no] = number
        seen_id[id_number] = number
        rows.append(row)
    if not rows and not result.errors:
        raise InvalidInput("文件中没有数据行", errors={"file": "文件中没有数据行"})

    existing = {
        s.student_no: s
        for s in Student.objects.filter(school=school, student_no__in=in_values(list(seen_no))).select_related(
            "college", "major"
        )
    }
    # A 学号 is also the login name; another school's account with the same name would collide.
    taken = set(
        User.objects.filter(username__in=in_values([no for no in seen_no if no not in existing])).values_list(
            "username", flat=True
        )
    )
    for row in rows:
        if row.student_no in taken:
            result.errors.append(RowError(row.number, "学号", "该学号已被平台其他账号使用，请联系平台管理员"))
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, ROSTER_HEADERS.index(e.column) if e.column in ROSTER_HEADERS else 99))
        raise RosterInvalid(result)

    colleges = {c.name: c for c in College.objects.filter(school=school)}
    majors = {
        (m.college.name, m.name): m for m in Major.objects.filter(college__school=school).select_related("college")
    }
    result.colleges_created = sorted({r.college for r in rows if r.college not in colleges})
    result.majors_created = sorted({f"{r.college}/{r.major}" for r in rows if (r.college, r.major) not in majors})
    to_update: list[Student] = []
    to_create: list[_Row] = []
    for row in rows:
        student = existing.get(row.student_no)
        if student is None:
            to_create.append(row)
            continue
        changed = any(getattr(student, f) != row.values[f] for f in STUDENT_FIELDS) or (
            student.college.name != row.college or student.major.name != row.major
        )
        if changed:
            to_update.append(student)
        else:
            result.unchanged += 1
    result.created, result.updated = len(to_create), len(to_update)
    if dry_run:
        return result

    total = len(rows)
    with transaction.atomic():
        for name in result.colleges_created:
            colleges[name] = College.objects.create(school=school, name=name)
        for row in rows:
            key = (row.college, row.major)
            if key not in majors:
                majors[key] = Major.objects.create(college=colleges[row.college], name=row.major)
        by_no = {row.student_no: row for row in rows}
        # Where the updated students' agreements are counted (统计) until now: a new 院系/专业/毕业年度 moves them.
        old_keys = {student.pk: student_key(student) for student in to_update}
        for student in to_update:
            row = by_no[student.student_no]
            for f in STUDENT_FIELDS:
                setattr(student, f, row.values[f])
            student.college = colleges[row.college]
            student.major = majors[(row.college, row.major)]
        # In chunks with progress between them: a job that reports nothing for a minute is taken for dead.
        for start in range(0, len(to_update), 1000):
            Student.objects.bulk_update(to_update[start : start + 1000], [*STUDENT_FIELDS, "college", "major"])
            # Their agreements carry the 毕业年度, name and 院系 the lists filter on.
            agreements_follow_students(s.pk for s in to_update[start : start + 1000])
            if progress:
                progress(start + len(to_update[start : start + 1000]), total)
        count_students_moved(old_keys)
        # Set-based in batches (core.services.bulk), with progress between them: a job that reports nothing
        # for a minute is taken for dead.
        for start in range(0, len(to_create), WRITE_BATCH):
            chunk = to_create[start : start + WRITE_BATCH]
            numbers = [row.student_no for row in chunk]
            # Created unable to log in: the student activates with a one-time code (core.services.activation).
            users = dict(
                (username, pk)
                for pk, username in insert_rows(
                    User,
                    {
                        "username": numbers,
                        "display_name": [str(row.values["name"]) for row in chunk],
                        # What make_password(None) returns, without its 40 secrets.choice calls per row.
                        "password": [UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30) for _ in chunk],
                        "role": Role.STUDENT.value,
                        "must_change_password": True,
                    },
                    count=len(chunk),
                    returning="username",
                )
            )
            insert_rows(
                Student,
                {
                    "school_id": school.pk,
                    "college_id": [colleges[row.college].pk for row in chunk],
                    "major_id": [majors[(row.college, row.major)].pk for row in chunk],
                    "user_id": [users[number] for number in numbers],
                    "student_no": numbers,
                    **{f: [row.values[f] for row in chunk] for f in STUDENT_FIELDS},
                },
                count=len(chunk),
            )
            if progress:
                progress(len(to_update) + start + len(chunk), total)
        result.dry_run = False
        if before_commit:
            before_commit(result)
    return result


class RosterInvalid(InvalidInput):
    """The file had errors; `result.errors` lists every one with its row and column."""

    def __init__(self, result: RosterResult):
        first = result.errors[0]
        super().__init__(
            f"文件有{len(result.errors)}处错误，未导入任何数据（第{first.row}行 {first.column}：{first.message}）",
            errors={"rows": [e.__dict__ for e in result.errors]},
        )
        self.result = result
