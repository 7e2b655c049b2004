"""统计: counts per status and 签约率 per 院系 and 专业 (page, export, API, service), scoped by role."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.services.stats import school_stats
from school.tests.conftest import Reach
from school.tests.helpers import reach_outsider
from testsupport import ApiClient, LoginAs, World, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def season(world: World, reach: Reach) -> None:
    """文法学院 法学: 李明 + 4 more; 信息: 王芳 + 2 more; one 2026 student; another school's agreement."""
    reach("effective")  # 法学
    reach("termination_review")  # 法学, still effective
    reach("terminated")  # 法学
    reach("college_review", major="思想政治教育")
    reach("effective", college=world.other_college, major="计算机科学与技术")
    reach("invited", college=world.other_college, major="计算机科学与技术")
    make_student(world.other_college, major="计算机科学与技术")
    reach("effective", year=2026)
    reach_outsider(world)


def test_service_counts_and_rates(world: World, season: None) -> None:
    stats = school_stats(world.school, 2027)
    assert stats.total.students == 2 + 4 + 3  # the world's two, four 文法 and three 信息 students of 2027
    assert stats.total.effective == 3
    assert stats.total.by_status["effective"] == 2 and stats.total.by_status["termination_review"] == 1
    assert stats.total.by_status["terminated"] == 1
    law = next(c for c in stats.colleges if c.name == "文法学院")
    assert (law.students, law.effective) == (5, 2)
    assert law.rate_percent == "40.0%"
    law_major = next(m for m in stats.majors if m.name == "法学")
    assert (law_major.students, law_major.effective, law_major.college) == (4, 2, "文法学院")
    info = next(c for c in stats.colleges if c.name == "信息科学与工程学院")
    assert (info.students, info.effective, info.by_status["invited"]) == (4, 1, 1)
    assert school_stats(world.school, 2026).total.effective == 1


def test_page_for_school_admin(world: World, client: Client, season: None, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    page = client.get(reverse("school:stats"), {"year": "2027"}).content.decode()
    assert "2027届签约统计" in page and "全校合计" in page and "33.3%" in page
    assert '<div class="wq-stat-value" data-stat="placed-rate">33.3%</div>' in page
    assert "文法学院" in page and "信息科学与工程学院" in page and "思想政治教育" in page
    assert 'id="chart-data"' in page and "chart.umd.js" in page
    data = json.loads(page.split('id="chart-data" type="application/json">')[1].split("</script>")[0])
    assert data["labels"] == ["信息科学与工程学院", "文法学院"] and data["rates"] == [25.0, 40.0]
    assert data["placed_rates"] == [25.0, 40.0]


def test_page_for_college_admin_is_their_college(world: World, client: Client, season: None, login_as: LoginAs) -> None:
    login_as(world.college_admin)
    page = client.get(reverse("school:stats")).content.decode()
    assert "文法学院" in page and "信息科学与工程学院" not in page and "计算机科学与技术" not in page
    assert "40.0%" in page and "文法学院合计" in page
    data = json.loads(page.split('id="chart-data" type="application/json">')[1].split("</script>")[0])
    assert sorted(data["labels"]) == ["思想政治教育", "法学"]  # one college: charted per major
    assert "各专业签约率" in page


def test_bad_year_is_reported(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    assert "毕业年度应为四位年份" in client.get(reverse("school:stats"), {"year": "abc"}).content.decode()


def test_export(world: World, client: Client, season: None, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    response = client.get(reverse("school:stats_export"), {"year": "2027"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("院系", "专业", "生源人数")
    assert rows[0][-3:] == ("签约率（%）", "去向落实人数", "去向落实率（%）")
    # Until 毕业去向登记 counts `placed`, an effective agreement is the 落实 the statistics know of.
    assert rows[-1][0] == "全校合计" and rows[-1][2] == 9 and rows[-1][-3:] == (33.3, 3, 33.3)
    assert ("文法学院", "法学") in {(r[0], r[1]) for r in rows}


def test_api_school_admin(world: World, api: ApiClient, season: None) -> None:
    body = api.login(world.school_admin).get("/school/stats", graduation_year=2027).json()
    assert body["graduation_year"] == 2027 and body["college"] is None
    assert body["total"]["students"] == 9 and body["total"]["effective"] == 3 and body["total"]["rate"] == 0.3333
    assert body["total"]["placed"] == 3 and body["total"]["placed_rate"] == 0.3333
    assert {c["name"] for c in body["colleges"]} == {"文法学院", "信息科学与工程学院"}
    assert body["total"]["by_status"]["termination_review"] == 1
    assert {"status": "effective", "label": "已生效"} in body["statuses"]


def test_api_college_admin_sees_their_college(world: World, api: ApiClient, season: None) -> None:
    body = api.login(world.college_admin).get("/school/stats", graduation_year=2027).json()
    assert body["college"]["name"] == "文法学院"
    assert [c["name"] for c in body["colleges"]] == ["文法学院"]
    assert body["total"]["students"] == 5 and {m["college"] for m in body["majors"]} == {"文法学院"}


def test_api_other_roles_and_bad_year(world: World, api: ApiClient) -> None:
    response = api.login(world.employer).get("/school/stats")
    assert response.status_code == 403 and response.json()["code"] == "forbidden_role"
    response = api.login(world.school_admin).get("/school/stats", graduation_year="x")
    assert response.status_code == 400
    response = api.login(world.school_admin).get("/school/stats", graduation_year=1999)
    assert response.status_code == 400 and "毕业年度" in response.json()["detail"]
    assert api.login(world.school_admin).get("/school/stats").json()["graduation_year"] >= 2026


def test_stats_query_count_is_constant(world: World, client: Client, reach: Reach, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    reach("effective")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("school:stats"), {"year": "2027"})
    for n in range(6):
        reach("effective" if n % 2 else "invited", college=world.other_college, major=f"专业{n}")
    cache.clear()  # both views measured with cold caches (filter choices are kept)
    for n in range(5):
        make_student(world.college, major=f"新专业{n}")  # roster rows without agreements count too
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("school:stats"), {"year": "2027"})
    assert len(many) == len(few)
    # No query reads the students or agreements of the year: the figures are the counters' (core.services.stats)
    stats_sql = [q["sql"] for q in many.captured_queries if "core_student" in q["sql"] and "GROUP BY" in q["sql"]]
    assert stats_sql == []
    assert len(many) <= 6, [q["sql"][:80] for q in many.captured_queries]


def _effective(page: str) -> str:
    return page.split('data-stat="effective">')[1].split("<")[0]


def test_page_figures_are_kept_stats_cache_seconds_and_say_when(
    world: World, client: Client, reach: Reach, login_as: LoginAs, settings: Any
) -> None:
    settings.STATS_CACHE_SECONDS = 60
    login_as(world.school_admin)
    reach("effective")
    page = client.get(reverse("school:stats"), {"year": "2027"}).content.decode()
    assert _effective(page) == "1"
    assert re.search(r"统计数据每60秒更新一次，本页为 \d\d:\d\d:\d\d 的统计。", page)
    reach("effective")
    # Within the period: the same figures (and time), not read again.
    with CaptureQueriesContext(connection) as queries:
        again = client.get(reverse("school:stats"), {"year": "2027"}).content.decode()
    assert _effective(again) == "1" and "core_statscounter" not in " ".join(q["sql"] for q in queries)
    # Another year is its own entry; the export and the API are exact at once.
    assert _effective(client.get(reverse("school:stats"), {"year": "2026"}).content.decode()) == "0"
    assert school_stats(world.school, 2027).total.effective == 2
    cache.clear()  # what the period's end does
    assert _effective(client.get(reverse("school:stats"), {"year": "2027"}).content.decode()) == "2"


def test_kept_figures_are_per_college(world: World, client: Client, season: None, login_as: LoginAs) -> None:
    """A college admin's page is never the school's kept one, nor another college's."""
    login_as(world.school_admin)
    assert "信息科学与工程学院" in client.get(reverse("school:stats"), {"year": "2027"}).content.decode()
    login_as(world.college_admin)
    page = client.get(reverse("school:stats"), {"year": "2027"}).content.decode()
    assert "文法学院合计" in page and "信息科学与工程学院" not in page and _effective(page) == "2"


def test_without_keeping_every_request_is_exact(
    world: World, client: Client, reach: Reach, login_as: LoginAs, settings: Any
) -> None:
    settings.STATS_CACHE_SECONDS = 0
    login_as(world.school_admin)
    reach("effective")
    page = client.get(reverse("school:stats"), {"year": "2027"}).content.decode()
    assert _effective(page) == "1" and 'id="stats-as-of"' not in page
    reach("effective")
    assert _effective(client.get(reverse("school:stats"), {"year": "2027"}).content.decode()) == "2"


def test_kept_page_query_count_is_constant(world: World, client: Client, reach: Reach, login_as: LoginAs) -> None:
    """Once the figures are kept, a request reads only the session, the user (with their school: web/backends.py) and
    the menu's counts, at any size."""
    login_as(world.school_admin)
    reach("effective")
    client.get(reverse("school:stats"), {"year": "2027"})
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("school:stats"), {"year": "2027"})
    for n in range(6):
        reach("effective" if n % 2 else "invited", college=world.other_college, major=f"专业{n}")
    cache.clear()
    client.get(reverse("school:stats"), {"year": "2027"})
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("school:stats"), {"year": "2027"})
    assert len(many) == len(few) <= 3, [q["sql"][:80] for q in many.captured_queries]
    besides_the_user = [q["sql"] for q in many.captured_queries if 'FROM "core_user"' not in q["sql"]]
    assert not [sql for sql in besides_the_user if "core_statscounter" in sql or "core_college" in sql]
