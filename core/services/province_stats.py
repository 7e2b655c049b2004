"""省级主管部门's figures (issue 21 item 1): per school of the province and one 毕业年度, the graduates, 签约率,
去向落实率, the share of each 去向 group, the share confirmed by 本人确认, and how 签约 and 落实 moved week by week.

The graduates, 签约 and 落实 come from the statistics counters (core.services.stats_counters), exactly as each
school's own 统计 shows them; the rest reads the province's rows grouped by school, a constant number of queries
whatever the number of schools: counters, approved 去向 by code, 本人确认 of effective agreements and of approved
去向, and the week-by-week movement (effective and terminated agreements, approved 去向, grouped by week).

Open 异议: 去向 a school entered for a graduate who said it is not theirs (status 学生有异议, issue 20), which only the
province closes.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core import codes
from core.calendar import current_graduation_year
from core.errors import Forbidden, InvalidInput
from core.models import Agreement, Province, Role, School, StatsCounter, Status, User
from core.models.confirmations import Confirmation
from core.models.destinations import Destination, DestinationStatus
from core.rules import effective_q
from core.selectors import schools_of_province
from core.services.stats_counters import EFFECTIVE, PLACED, STUDENTS, counts_metric


def destination_groups() -> list[str]:
    """The 毕业去向分类 in the code table's order (协议和合同就业, 自主创业, 灵活就业, 升学, 待就业, 暂不就业)."""
    groups: list[str] = []
    for code, _ in codes.choices("destination"):
        group = codes.destination_group(code)
        if group not in groups:
            groups.append(group)
    return groups


def _share(n: int, of: int) -> float | None:
    return round(n / of, 4) if of else None


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass
class ProvinceSchoolRow:
    school: School
    graduates: int = 0
    effective: int = 0
    placed: int = 0
    # Approved 去向 by 毕业去向分类 (the rest of the graduates have none approved yet).
    groups: dict[str, int] = field(default_factory=dict)
    # Effective agreements whose graduate's acceptance carries a 本人确认, and approved 去向 submitted with one.
    confirmed_agreements: int = 0
    approved_destinations: int = 0
    confirmed_destinations: int = 0
    open_disputes: int = 0

    @property
    def rate(self) -> float | None:
        return _share(self.effective, self.graduates)

    @property
    def placed_rate(self) -> float | None:
        return _share(self.placed, self.graduates)

    @property
    def confirmed_agreement_share(self) -> float | None:
        return _share(self.confirmed_agreements, self.effective)

    @property
    def confirmed_destination_share(self) -> float | None:
        return _share(self.confirmed_destinations, self.approved_destinations)

    @property
    def rate_percent(self) -> str:
        return percent(self.rate)

    @property
    def placed_rate_percent(self) -> str:
        return percent(self.placed_rate)

    @property
    def confirmed_agreement_percent(self) -> str:
        return percent(self.confirmed_agreement_share)

    @property
    def confirmed_destination_percent(self) -> str:
        return percent(self.confirmed_destination_share)

    def group_shares(self) -> list[dict[str, Any]]:
        return [
            {
                "group": g,
                "count": self.groups.get(g, 0),
                "share": _share(self.groups.get(g, 0), self.graduates),
                "percent": percent(_share(self.groups.get(g, 0), self.graduates)),
            }
            for g in destination_groups()
        ]

    def add(self, other: ProvinceSchoolRow) -> None:
        self.graduates += other.graduates
        self.effective += other.effective
        self.placed += other.placed
        self.confirmed_agreements += other.confirmed_agreements
        self.approved_destinations += other.approved_destinations
        self.confirmed_destinations += other.confirmed_destinations
        self.open_disputes += other.open_disputes
        for group, n in other.groups.items():
            self.groups[group] = self.groups.get(group, 0) + n

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.school.pk,
            "code": self.school.code,
            "name": self.school.name,
            "graduates": self.graduates,
            "effective": self.effective,
            "rate": self.rate,
            "placed": self.placed,
            "placed_rate": self.placed_rate,
            "destination_groups": self.group_shares(),
            "confirmed_agreements": self.confirmed_agreements,
            "confirmed_agreement_share": self.confirmed_agreement_share,
            "approved_destinations": self.approved_destinations,
            "confirmed_destinations": self.confirmed_destinations,
            "confirmed_destination_share": self.confirmed_destination_share,
            "open_disputes": self.open_disputes,
        }


@dataclass
class WeekRow:
    """One week (its Monday): 签约 and 落实 at the week's end, and what the week added."""

    week: datetime.date
    effective: int
    placed: int
    new_effective: int
    new_terminated: int
    new_placed: int


@dataclass
class ProvinceStats:
    province: Province
    graduation_year: int
    schools: list[ProvinceSchoolRow]
    total: ProvinceSchoolRow
    weeks: dict[int, list[WeekRow]]  # school id → weeks, oldest first

    def as_dict(self) -> dict[str, Any]:
        return {
            "graduation_year": self.graduation_year,
            "province": {"id": self.province.pk, "name": self.province.name},
            "schools": [
                {**row.as_dict(), "weeks": [_week_dict(w) for w in self.weeks.get(row.school.pk, [])]}
                for row in self.schools
            ],
        }


def _week_dict(w: WeekRow) -> dict[str, Any]:
    return {
        "week": w.week.isoformat(),
        "effective": w.effective,
        "placed": w.placed,
        "new_effective": w.new_effective,
        "new_terminated": w.new_terminated,
        "new_placed": w.new_placed,
    }


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _week_of(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return _monday(value)


def _by_week(rows: Any, key: str) -> dict[tuple[int, datetime.date], int]:
    out: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for row in rows:
        if row[key] is not None:
            out[row["school_id"], _week_of(row[key])] += row["n"]
    return out


def _weeks(school_ids: list[int], year: int) -> dict[int, list[WeekRow]]:
    """The last WANGQIAN_PROVINCE_WEEKS weeks up to this one. 签约 at a week's end: agreements that became effective
    by then less those terminated by then; 落实: 去向 approved by then (of the kinds that count), as they stand now."""
    agreements = Agreement.objects.filter(school_id__in=school_ids, graduation_year=year, effective_at__isnull=False)
    tz = timezone.get_current_timezone()
    effective = _by_week(
        agreements.annotate(w=TruncWeek("effective_at", tzinfo=tz)).values("school_id", "w").annotate(n=Count("*")),
        "w",
    )
    terminated = _by_week(
        agreements.filter(status=Status.TERMINATED, terminated_at__isnull=False)
        .annotate(w=TruncWeek("terminated_at", tzinfo=tz))
        .values("school_id", "w")
        .annotate(n=Count("*")),
        "w",
    )
    placed = _by_week(
        Destination.objects.filter(
            school_id__in=school_ids,
            graduation_year=year,
            status=DestinationStatus.APPROVED,
            code__in=codes.placed_destination_codes(),
            approved_at__isnull=False,
        )
        .annotate(w=TruncWeek("approved_at", tzinfo=tz))
        .values("school_id", "w")
        .annotate(n=Count("*")),
        "w",
    )
    this_week = _monday(timezone.localdate())
    window = max(1, settings.WANGQIAN_PROVINCE_WEEKS)
    first = this_week - datetime.timedelta(weeks=window - 1)
    out: dict[int, list[WeekRow]] = {}
    for school_id in school_ids:
        # What happened before the window is carried in; a week after this one (a clock ahead) counts in this one.
        def before(table: dict[tuple[int, datetime.date], int], sid: int = school_id) -> int:
            return sum(n for (s, w), n in table.items() if s == sid and w < first)

        def within(table: dict[tuple[int, datetime.date], int], week: datetime.date, sid: int = school_id) -> int:
            if week == this_week:
                return sum(n for (s, w), n in table.items() if s == sid and w >= this_week)
            return table.get((sid, week), 0)

        signed, done = before(effective) - before(terminated), before(placed)
        weeks: list[WeekRow] = []
        for i in range(window):
            week = first + datetime.timedelta(weeks=i)
            new_effective, new_terminated, new_placed = (within(t, week) for t in (effective, terminated, placed))
            signed += new_effective - new_terminated
            done += new_placed
            weeks.append(WeekRow(week, signed, done, new_effective, new_terminated, new_placed))
        out[school_id] = weeks
    return out


def province_stats(province: Province, graduation_year: int) -> ProvinceStats:
    schools = list(schools_of_province(province))
    ids = [s.pk for s in schools]
    rows = {s.pk: ProvinceSchoolRow(school=s) for s in schools}
    year = graduation_year

    placed_counted = counts_metric(PLACED)
    metrics = [STUDENTS, EFFECTIVE, PLACED]
    counters = StatsCounter.objects.filter(school_id__in=ids, graduation_year=year, metric__in=metrics)
    for r in counters.values("school_id", "metric").annotate(n=Sum("n")).order_by():
        row = rows[r["school_id"]]
        if r["metric"] == STUDENTS:
            row.graduates = r["n"] or 0
        elif r["metric"] == EFFECTIVE:
            row.effective = r["n"] or 0
            if not placed_counted:
                row.placed = row.effective
        else:
            row.placed = r["n"] or 0

    approved = Destination.objects.filter(school_id__in=ids, graduation_year=year, status=DestinationStatus.APPROVED)
    for r in approved.values("school_id", "code").annotate(n=Count("*")).order_by():
        if not r["code"]:
            continue
        row = rows[r["school_id"]]
        group = codes.destination_group(r["code"])
        row.groups[group] = row.groups.get(group, 0) + r["n"]
        row.approved_destinations += r["n"]

    disputed = Destination.objects.filter(school_id__in=ids, graduation_year=year, status=DestinationStatus.DISPUTED)
    for r in disputed.values("school_id").annotate(n=Count("*")).order_by():
        rows[r["school_id"]].open_disputes = r["n"]

    used = Confirmation.objects.filter(used_at__isnull=False)
    confirmed_agreements = (
        used.filter(
            effective_q("agreement_event__agreement__"),
            agreement_event__agreement__school_id__in=ids,
            agreement_event__agreement__graduation_year=year,
        )
        .values("agreement_event__agreement__school_id")
        .annotate(n=Count("agreement_event__agreement_id", distinct=True))
        .order_by()
    )
    for r in confirmed_agreements:
        rows[r["agreement_event__agreement__school_id"]].confirmed_agreements = r["n"]
    confirmed_destinations = (
        used.filter(
            destination_event__destination__school_id__in=ids,
            destination_event__destination__graduation_year=year,
            destination_event__destination__status=DestinationStatus.APPROVED,
        )
        .values("destination_event__destination__school_id")
        .annotate(n=Count("destination_event__destination_id", distinct=True))
        .order_by()
    )
    for r in confirmed_destinations:
        rows[r["destination_event__destination__school_id"]].confirmed_destinations = r["n"]

    total = ProvinceSchoolRow(school=School(name="合计", code=""))
    for row in rows.values():
        total.add(row)
    return ProvinceStats(
        province=province,
        graduation_year=year,
        schools=list(rows.values()),
        total=total,
        weeks=_weeks(ids, year),
    )


def province_of(user: User) -> Province:
    """The viewer's province (403 for any other role, or a province admin without one)."""
    if user.role != Role.PROVINCE_ADMIN or user.province is None:
        raise Forbidden("仅省级主管部门可以查看", code="forbidden_role")
    return user.province


def checked_year(graduation_year: int | None) -> int:
    year = graduation_year or current_graduation_year()
    if not 2000 <= year <= 2100:
        raise InvalidInput("毕业年度应为四位年份，如2027", errors={"graduation_year": "毕业年度应为四位年份"})
    return year


__all__ = ["ProvinceStats", "checked_year", "destination_groups", "percent", "province_of", "province_stats"]
