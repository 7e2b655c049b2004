"""生源 roster import in three steps: validate → plan → write.

`roster_validate` turns the file's rows into checked rows (every field through the students' one validator,
core.services.students.clean_student_values, so a row is refused with the same message as the correction form)
or per-row errors naming row and column; `roster_plan` decides, against the database, which students are
created, updated or left as they are; `roster_write` applies the plan in one transaction, so an import is
written whole or not at all. `roster_import` runs the three (a dry run stops after the plan).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction

from core.errors import Forbidden, InvalidInput
from core.models import College, Major, Role, School, Student, User
from core.services.agreements import agreements_follow_students
from core.services.bulk import in_values, insert_rows
from core.services.stats_counters import Key, count_students_added, count_students_moved, student_key
from core.services.students import clean_student_values
from core.services.xlsx import RowError, read_rows, write_template
from core.student_fields import STORED_FIELDS, STUDENT_FIELDS
from core.usernames import shown_username, student_username

ROSTER_HEADERS = ("学号", "姓名", "性别", "身份证号", "手机号", "邮箱", "毕业年度", "院系", "专业", "学历")
# Each column is the student field of that label (core.student_fields).
FIELD_OF_HEADER = {spec.label: name for name, spec in STUDENT_FIELDS.items()}
WRITE_BATCH = 5000
UPDATE_BATCH = 1000
READ_REPORT_EVERY = 500

Progress = Callable[[int, int], None]


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    colleges_created: list[str] = field(default_factory=list)
    majors_created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = True

    def counts(self) -> dict[str, Any]:
        """What a job records of it (its preview, then its result)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "colleges_created": self.colleges_created,
            "majors_created": self.majors_created,
        }


@dataclass(frozen=True)
class RosterRow:
    """One checked row: its line in the file, the 学号, 院系 and 专业 names, and the student's stored values."""

    number: int
    student_no: str
    college: str
    major: str
    values: dict[str, Any]


@dataclass
class CheckedRows:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class RosterPlan:
    """What the import will do: students to create and to update (already given their new values), how many
    stay as they are, the 院系 and 专业 to create; `errors` are rows the database refuses."""

    school: School
    rows: list[RosterRow]
    create: list[RosterRow] = field(default_factory=list)
    update: list[Student] = field(default_factory=list)
    unchanged: int = 0
    colleges: dict[str, College] = field(default_factory=dict)
    majors: dict[tuple[str, str], Major] = field(default_factory=dict)
    colleges_created: list[str] = field(default_factory=list)
    majors_created: list[tuple[str, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def result(self, *, dry_run: bool) -> RosterResult:
        return RosterResult(
            created=len(self.create),
            updated=len(self.update),
            unchanged=self.unchanged,
            colleges_created=self.colleges_created,
            majors_created=[f"{college}/{major}" for college, major in self.majors_created],
            dry_run=dry_run,
        )


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
    return write_template(ROSTER_HEADERS, [example], title="生源名单")


# --- validate --------------------------------------------------------------------------------------------


def _check_row(number: int, raw: dict[str, str]) -> tuple[RosterRow | None, list[RowError]]:
    """A row through the students' one validator; its errors named by row and column."""
    data = {FIELD_OF_HEADER[header]: value for header, value in raw.items() if header in FIELD_OF_HEADER}
    cleaned, errors = clean_student_values(data, FIELD_OF_HEADER.values())
    if errors:
        return None, [RowError(number, STUDENT_FIELDS[name].label, message) for name, message in errors.items()]
    values = {name: cleaned[name] for name in STORED_FIELDS}
    return RosterRow(number, cleaned["student_no"], cleaned["college"], cleaned["major"], values), []


def roster_validate(upload: IO[bytes], *, reading: Callable[[int], None] | None = None) -> CheckedRows:
    """Every row of the file checked: the checked rows, and every error (the reading layer's, a row's own, a
    学号 or 身份证号 that an earlier row has). `reading(rows read)` is told every few hundred rows."""
    checked = CheckedRows()
    first_of_no: dict[str, int] = {}
    first_of_id: dict[str, int] = {}
    required = [h for h in ROSTER_HEADERS if h != "邮箱"]
    # Cells the reading layer refuses (a number cell as 身份证号…) are listed in errors with the rest.
    last = 1  # the header row
    for number, raw in read_rows(upload, ROSTER_HEADERS, required=required, errors=checked.errors):
        last = number
        if reading and number % READ_REPORT_EVERY == 0:
            reading(number - 1)
        row, errors = _check_row(number, raw)
        if row is None:
            checked.errors.extend(errors)
            continue
        id_number = str(row.values["id_number"])
        if row.student_no in first_of_no:
            checked.errors.append(RowError(number, "学号", f"学号与第{first_of_no[row.student_no]}行重复"))
        elif id_number in first_of_id:
            checked.errors.append(RowError(number, "身份证号", f"身份证号与第{first_of_id[id_number]}行重复"))
        else:
            first_of_no[row.student_no] = first_of_id[id_number] = number
            checked.rows.append(row)
    if reading and last % READ_REPORT_EVERY:
        reading(last - 1)  # every row read: what remains is the plan and the write
    return checked


# --- plan ------------------------------------------------------------------------------------------------


def _changed(student: Student, row: RosterRow) -> bool:
    return any(getattr(student, f) != row.values[f] for f in STORED_FIELDS) or (
        student.college.name != row.college or student.major.name != row.major
    )


def _taken_numbers(school: School, numbers: Iterable[str]) -> set[str]:
    """New 学号 whose login name an account already has. A student's account is named `<院校代码>:<学号>`
    (core.usernames): only an account of this school left without its roster row can be in the way."""
    names = {student_username(school.code, no): no for no in numbers}
    found = User.objects.filter(username__in=in_values(list(names))).values_list("username", flat=True)
    return {names[name] for name in found}


def roster_plan(school: School, rows: list[RosterRow]) -> RosterPlan:
    """Match the rows with the school's roster by 学号: who is created, who is updated and to what, who is
    unchanged; which 院系 and 专业 are new. Reads only."""
    plan = RosterPlan(school=school, rows=rows)
    existing = {
        s.student_no: s
        for s in Student.objects.filter(
            school=school, student_no__in=in_values([row.student_no for row in rows])
        ).select_related("college", "major")
    }
    taken = _taken_numbers(school, [row.student_no for row in rows if row.student_no not in existing])
    message = "本校已有该学号的登录账号但不在生源中，请联系平台管理员"
    plan.errors = [RowError(row.number, "学号", message) for row in rows if row.student_no in taken]
    plan.errors += _same_person_other_number(school, rows)
    plan.colleges = {c.name: c for c in College.objects.filter(school=school)}
    plan.majors = {
        (m.college.name, m.name): m for m in Major.objects.filter(college__school=school).select_related("college")
    }
    plan.colleges_created = sorted({r.college for r in rows if r.college not in plan.colleges})
    new_majors = {(r.college, r.major) for r in rows if (r.college, r.major) not in plan.majors}
    plan.majors_created = sorted(new_majors, key=lambda pair: f"{pair[0]}/{pair[1]}")
    for row in rows:
        student = existing.get(row.student_no)
        if student is None:
            plan.create.append(row)
        elif _changed(student, row):
            plan.update.append(student)
        else:
            plan.unchanged += 1
    return plan


def _same_person_other_number(school: School, rows: list[RosterRow]) -> list[RowError]:
    """Rows whose 身份证号 the school's roster already holds under another 学号 of the same 毕业年度: one graduate
    would count twice in 生源人数 and 签约率 and hold two accounts. (A later degree at the same school is another
    毕业年度 and another 学号: that is allowed.)"""
    holders = {
        (s.id_number, s.graduation_year): s
        for s in Student.objects.filter(
            school=school, id_number__in=in_values([str(row.values["id_number"]) for row in rows])
        ).only("student_no", "name", "id_number", "graduation_year")
    }
    errors = []
    for row in rows:
        holder = holders.get((str(row.values["id_number"]), row.values["graduation_year"]))
        if holder is not None and holder.student_no != row.student_no:
            held = f"身份证号已属于本校同一毕业年度的学号{holder.student_no}（{holder.name}）"
            errors.append(RowError(row.number, "身份证号", f"{held}，同一学生不能有两个学号"))
    return errors


# --- write -----------------------------------------------------------------------------------------------


def _write_colleges_and_majors(plan: RosterPlan) -> None:
    for name in plan.colleges_created:
        plan.colleges[name] = College.objects.create(school=plan.school, name=name)
    for college, major in plan.majors_created:
        plan.majors[(college, major)] = Major.objects.create(college=plan.colleges[college], name=major)


def _write_updates(plan: RosterPlan, report: Callable[[int], None]) -> None:
    by_no = {row.student_no: row for row in plan.rows}
    # Where the updated students' agreements are counted (统计) until now: a new 院系/专业/毕业年度 moves them.
    moved_from = {student.pk: student_key(student) for student in plan.update}
    for student in plan.update:
        row = by_no[student.student_no]
        for name in STORED_FIELDS:
            setattr(student, name, row.values[name])
        student.college = plan.colleges[row.college]
        student.major = plan.majors[(row.college, row.major)]
    for start in range(0, len(plan.update), UPDATE_BATCH):
        chunk = plan.update[start : start + UPDATE_BATCH]
        Student.objects.bulk_update(chunk, [*STORED_FIELDS, "college", "major"])
        # Their agreements carry the 毕业年度, name and 院系 the lists filter on.
        agreements_follow_students(s.pk for s in chunk)
        report(start + len(chunk))
    count_students_moved(moved_from)


def _write_created(plan: RosterPlan, report: Callable[[int], None]) -> None:
    """Set-based in batches (core.services.bulk): the accounts, then their students."""
    code = plan.school.code
    for start in range(0, len(plan.create), WRITE_BATCH):
        chunk = plan.create[start : start + WRITE_BATCH]
        numbers = [row.student_no for row in chunk]
        # Created unable to log in: the student activates with a one-time code (core.services.activation).
        accounts = {
            "username": [student_username(code, number) for number in numbers],
            "display_name": [str(row.values["name"]) for row in chunk],
            # What make_password(None) returns, without its 40 secrets.choice calls per row.
            "password": [UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30) for _ in chunk],
            "role": Role.STUDENT.value,
            "must_change_password": True,
        }
        created = insert_rows(User, accounts, count=len(chunk), returning="username")
        users = {shown_username(username): pk for pk, username in created}
        students = {
            "school_id": plan.school.pk,
            "college_id": [plan.colleges[row.college].pk for row in chunk],
            "major_id": [plan.majors[(row.college, row.major)].pk for row in chunk],
            "user_id": [users[number] for number in numbers],
            "student_no": numbers,
            **{f: [row.values[f] for row in chunk] for f in STORED_FIELDS},
        }
        key_of_user: dict[int, Key] = {}  # where each new student is counted (统计's roster count)
        for number, row in zip(numbers, chunk, strict=True):
            major, year = plan.majors[(row.college, row.major)], int(row.values["graduation_year"])
            key_of_user[users[number]] = (plan.school.pk, year, major.college_id, major.pk)
        created_students = insert_rows(Student, students, count=len(chunk), returning="user_id")
        count_students_added((pk, key_of_user[user]) for pk, user in created_students)
        report(start + len(chunk))


def roster_write(
    plan: RosterPlan,
    *,
    progress: Progress | None = None,
    before_commit: Callable[[RosterResult], None] | None = None,
) -> RosterResult:
    """Apply the plan in one transaction. `progress(rows written, rows)` is told after each batch;
    `before_commit(result)` runs inside the transaction (a job records its end there, so that the import and
    its record commit together or not at all)."""
    total = len(plan.rows)

    def report(done: int) -> None:
        if progress:
            progress(done, total)

    result = plan.result(dry_run=False)
    with transaction.atomic():
        _write_colleges_and_majors(plan)
        _write_updates(plan, report)
        _write_created(plan, lambda done: report(len(plan.update) + done))
        if before_commit:
            before_commit(result)
    return result


# --- the three together ----------------------------------------------------------------------------------


def _require_school_admin(user: User, school: School) -> None:
    if user.role != Role.SCHOOL_ADMIN:
        raise Forbidden("只有学校管理员可以导入生源", code="forbidden_role")
    if user.school_id != school.pk:
        raise Forbidden("只能导入本校生源", code="forbidden_school")


def roster_import(
    school: School,
    upload: IO[bytes],
    *,
    dry_run: bool,
    acting_user: User,
    reading: Callable[[int], None] | None = None,
    progress: Progress | None = None,
    before_commit: Callable[[RosterResult], None] | None = None,
) -> RosterResult:
    """Validate every row and plan; raise RosterInvalid with every error; unless a dry run, write."""
    _require_school_admin(acting_user, school)
    checked = roster_validate(upload, reading=reading)
    if not checked.rows and not checked.errors:
        raise InvalidInput("文件中没有数据行", errors={"file": "文件中没有数据行"})
    plan = roster_plan(school, checked.rows)
    errors = checked.errors + plan.errors
    if errors:
        order = {header: index for index, header in enumerate(ROSTER_HEADERS)}
        errors.sort(key=lambda e: (e.row, order.get(e.column, len(order))))
        raise RosterInvalid(RosterResult(errors=errors, dry_run=dry_run))
    if dry_run:
        return plan.result(dry_run=True)
    return roster_write(plan, progress=progress, before_commit=before_commit)


class RosterInvalid(InvalidInput):
    """The file had errors; `result.errors` lists every one with its row and column."""

    def __init__(self, result: RosterResult):
        first = result.errors[0]
        super().__init__(
            f"文件有{len(result.errors)}处错误，未导入任何数据（第{first.row}行 {first.column}：{first.message}）",
            errors={"rows": [e.__dict__ for e in result.errors]},
        )
        self.result = result
