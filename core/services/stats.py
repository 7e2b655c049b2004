"""统计: for one 毕业年度, agreements counted by status, 签约率 and 去向落实率 per 院系 and 专业.

签约率 = effective agreements / students of the year. An agreement counts as effective from the school's final
approval until a 解约 is approved: while a 解约 is being handled the student is still employed under it. A
student holds at most one active agreement, so effective agreements and signed students are the same number.
去向落实率 = students whose 毕业去向 is 落实 / students; until 毕业去向登记 counts `placed`, an effective agreement is
the 落实 it knows of.

Nothing here scans agreements or students: the figures, the roster count included, come from the counters the
workflow and the roster keep (core.models.StatsCounter, written by core.services.stats_counters), summed over their
slots. Two queries whatever the size of the school: counters grouped by major and metric, the colleges with their
majors' names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum

from core.calendar import current_graduation_year
from core.errors import Forbidden, InvalidInput
from core.models import College, Role, School, StatsCounter, Status, User
from core.rules import STATS_COLUMNS
from core.services.stats_counters import EFFECTIVE, PLACED, STUDENTS, counts_metric


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass
class StatsRow:
    """One line of the table: the whole school, a 院系 or a 专业."""

    id: int | None
    name: str
    college_id: int | None = None
    college: str = ""
    students: int = 0
    effective: int = 0
    placed: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Status})

    @property
    def agreements(self) -> int:
        return sum(self.by_status.values())

    @property
    def rate(self) -> float | None:
        """签约率 as a fraction, None when the row has no students."""
        return self.effective / self.students if self.students else None

    @property
    def rate_percent(self) -> str:
        return _percent(self.rate)

    @property
    def placed_rate(self) -> float | None:
        """去向落实率 as a fraction, None when the row has no students."""
        return self.placed / self.students if self.students else None

    @property
    def placed_rate_percent(self) -> str:
        return _percent(self.placed_rate)

    @property
    def columns(self) -> list[int]:
        """Counts in STATS_COLUMNS order."""
        return [sum(self.by_status[s] for s in statuses) for _, _, statuses in STATS_COLUMNS]

    @property
    def cells(self) -> list[int | str]:
        """The table's figures for this row: 生源人数, the STATS_COLUMNS, 有效协议, 签约率, 去向落实, 去向落实率."""
        return [self.students, *self.columns, self.effective, self.rate_percent, self.placed, self.placed_rate_percent]

    def add(self, other: StatsRow) -> None:
        self.students += other.students
        self.effective += other.effective
        self.placed += other.placed
        for status, n in other.by_status.items():
            self.by_status[status] += n

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.college_id is not None:
            data.update(college_id=self.college_id, college=self.college)
        data.update(
            students=self.students,
            agreements=self.agreements,
            effective=self.effective,
            rate=None if self.rate is None else round(self.rate, 4),
            placed=self.placed,
            placed_rate=None if self.placed_rate is None else round(self.placed_rate, 4),
            by_status=dict(self.by_status),
        )
        return data


@dataclass
class SchoolStats:
    school: School
    graduation_year: int
    college: College | None
    total: StatsRow
    colleges: list[StatsRow]
    majors: list[StatsRow]

    def as_dict(self) -> dict[str, Any]:
        return {
            "graduation_year": self.graduation_year,
            "school": {"id": self.school.pk, "name": self.school.name},
            "college": {"id": self.college.pk, "name": self.college.name} if self.college else None,
            "statuses": [{"status": s.value, "label": s.label} for s in Status],
            "total": self.total.as_dict(),
            "colleges": [row.as_dict() for row in self.colleges],
            "majors": [row.as_dict() for row in self.majors],
        }


def school_stats(school: School, graduation_year: int, *, college: College | None = None) -> SchoolStats:
    """Counts for the school (or one of its colleges) and one 毕业年度."""
    counters = StatsCounter.objects.filter(school=school, graduation_year=graduation_year)
    if college is not None:
        counters = counters.filter(college=college)

    # Keyed by (college, major): the college the student (and so the agreement) belongs to.
    by_major: dict[tuple[int, int], StatsRow] = defaultdict(lambda: StatsRow(id=None, name=""))
    placed_counted = counts_metric(PLACED)
    # Tuples, not dicts: some 500 rows at 1M agreements, where a dict each cost 0.7 of the read's 1.8 ms of CPU.
    rows = counters.values_list("college_id", "major_id", "metric").annotate(n=Sum("n")).order_by()
    for college_id, major_id, metric, n in rows:
        if not n:
            continue  # a key every student or agreement has left (its students moved, or all declined ...)
        stats = by_major[college_id, major_id]
        if metric == STUDENTS:
            stats.students = n
        elif metric.startswith("status:"):
            stats.by_status[metric.removeprefix("status:")] = n
        elif metric == EFFECTIVE:
            stats.effective = n
            if not placed_counted:
                stats.placed = n
        elif metric == PLACED:
            stats.placed = n

    colleges_qs = College.objects.filter(school=school)
    if college is not None:
        colleges_qs = colleges_qs.filter(pk=college.pk)
    # The colleges with their majors' names, one query (a college without majors comes once, its major None).
    college_rows: dict[int, StatsRow] = {}
    major_names: dict[int, str] = {}
    names = colleges_qs.order_by("name", "pk").values_list("pk", "name", "majors__pk", "majors__name")
    for college_id, college_name, major_id, major_name in names:
        if college_id not in college_rows:
            college_rows[college_id] = StatsRow(id=college_id, name=college_name)
        if major_id is not None:
            major_names[major_id] = major_name

    total = StatsRow(id=None, name=f"{college.name}合计" if college else "全校合计")
    major_rows: list[StatsRow] = []
    for (college_id, major_id), stats in by_major.items():
        college_row = college_rows[college_id]
        stats.id, stats.name = major_id, major_names[major_id]
        stats.college_id, stats.college = college_id, college_row.name
        major_rows.append(stats)
        college_row.add(stats)
        total.add(stats)
    major_rows.sort(key=lambda r: (r.college, r.name))
    # Colleges of the school are listed even without students this year, so a missing roster shows.
    return SchoolStats(
        school=school,
        graduation_year=graduation_year,
        college=college,
        total=total,
        colleges=list(college_rows.values()),
        majors=major_rows,
    )


def stats_scope(user: User, graduation_year: int | None = None) -> tuple[School, College | None, int]:
    """What a reviewer's statistics cover: a school admin the whole school, a college admin their college; and the
    毕业年度 (the current one unless given)."""
    if user.role not in (Role.SCHOOL_ADMIN, Role.COLLEGE_ADMIN) or user.school is None:
        raise Forbidden("只有学校或学院管理员可以查看统计", code="forbidden_role")
    year = graduation_year or current_graduation_year()
    if not 2000 <= year <= 2100:
        raise InvalidInput("毕业年度应为四位年份，如2027", errors={"graduation_year": "毕业年度应为四位年份"})
    college = None
    if user.role == Role.COLLEGE_ADMIN:
        if user.college is None:
            raise Forbidden("该学院管理员账号未关联院系", code="forbidden_role")
        college = user.college
    return user.school, college, year


def stats_for_user(user: User, graduation_year: int | None = None) -> SchoolStats:
    """The statistics a reviewer may see (`stats_scope`)."""
    school, college, year = stats_scope(user, graduation_year)
    return school_stats(school, year, college=college)
