"""The exact search's budget: one per employer, shared by 学生搜索, `GET /api/v1/employer/students` and each row of
导入拟签约名单.

A search that finds nobody is a miss. The masks hide 8 digits of a 身份证号 (a birth date: ~198 candidates for a
graduating year) and 4 of a phone; guessing them means searching one 姓名 with candidate after candidate, and all
but one miss. So misses are counted per employer in a rolling window (`WANGQIAN_SEARCH_MISSES_PER_DAY`) and per
毕业年度 + 姓名 over a longer one (`WANGQIAN_SEARCH_MISSES_PER_NAME` in `WANGQIAN_SEARCH_NAME_WINDOW_DAYS`): a sweep is
refused after a handful of guesses, while an HR person who mistypes a few times is never stopped, and a hit costs
nothing. A spent budget refuses before searching, so what is refused reveals nothing.

An employer's searches run one at a time (its row is locked while a budget is open), so parallel requests cannot
overspend it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.errors import DomainError
from core.models import Employer, SearchMiss


class SearchBudgetExhausted(DomainError):
    status = 429
    code = "search_budget_exhausted"


def _target(graduation_year: int, name: str) -> str:
    return salted_hmac("core.search_budget", f"{graduation_year}:{name.strip()}").hexdigest()[:32]


def _day_message() -> str:
    limit, hours = settings.WANGQIAN_SEARCH_MISSES_PER_DAY, settings.WANGQIAN_SEARCH_MISS_WINDOW_HOURS
    return (
        f"本单位{hours}小时内精确搜索未找到学生的次数已达上限（{limit}次），为保护学生个人信息暂停搜索，"
        "请核对学生的毕业年度、姓名和证件信息后稍后再试"
    )


def _name_message(name: str) -> str:
    limit, days = settings.WANGQIAN_SEARCH_MISSES_PER_NAME, settings.WANGQIAN_SEARCH_NAME_WINDOW_DAYS
    return (
        f"本单位{days}天内按姓名“{name.strip()[:20]}”搜索未找到学生的次数已达上限（{limit}次），"
        "为保护学生个人信息暂停对该姓名的搜索，请向学生本人核对身份证号或手机号"
    )


@dataclass
class SearchBudget:
    """What remains of one employer's budget, while its row is locked; misses are written when the block ends."""

    employer_id: int
    day_misses: int
    name_misses: Counter[str]
    new: list[str] = field(default_factory=list)

    def refusal(self, graduation_year: int, name: str) -> str | None:
        """Why a search for this name may not run now (a Chinese sentence), or None."""
        if self.day_misses >= settings.WANGQIAN_SEARCH_MISSES_PER_DAY:
            return _day_message()
        if self.name_misses[_target(graduation_year, name)] >= settings.WANGQIAN_SEARCH_MISSES_PER_NAME:
            return _name_message(name)
        return None

    def require(self, graduation_year: int, name: str) -> None:
        message = self.refusal(graduation_year, name)
        if message:
            raise SearchBudgetExhausted(message)

    def miss(self, graduation_year: int, name: str) -> None:
        target = _target(graduation_year, name)
        self.day_misses += 1
        self.name_misses[target] += 1
        self.new.append(target)


@contextmanager
def search_budget(employer: Employer | int) -> Iterator[SearchBudget]:
    """Open the employer's budget: check with `refusal`/`require` before a search, `miss` after one that found
    nobody. The misses are kept even when the caller then refuses its input (an import with unmatched rows)."""
    employer_id = employer if isinstance(employer, int) else employer.pk
    now = timezone.now()
    day_start = now - timedelta(hours=settings.WANGQIAN_SEARCH_MISS_WINDOW_HOURS)
    name_start = now - timedelta(days=settings.WANGQIAN_SEARCH_NAME_WINDOW_DAYS)
    with transaction.atomic():
        Employer.objects.select_for_update().filter(pk=employer_id).values_list("pk").first()
        misses = SearchMiss.objects.filter(employer_id=employer_id)
        by_name = misses.filter(created_at__gte=name_start).values_list("target").annotate(n=Count("id"))
        budget = SearchBudget(
            employer_id=employer_id,
            day_misses=misses.filter(created_at__gte=day_start).count(),
            name_misses=Counter({target: n for target, n in by_name}),
        )
        yield budget
        if budget.new:
            SearchMiss.objects.bulk_create(
                [SearchMiss(employer_id=employer_id, target=t, created_at=now) for t in budget.new]
            )
            # What no window counts any more goes; an employer keeps at most a window's worth of rows.
            misses.filter(created_at__lt=min(day_start, name_start)).delete()
