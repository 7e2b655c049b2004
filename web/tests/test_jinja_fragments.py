"""Jinja2 fragments (web/jinja.py): where they live, that they escape as Django does, and that a row's link is the
route's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from testsupport import LoginAs, World, make_student
from web.jinja import row_url


def test_jinja_fragments_are_includes_of_a_portal_or_the_site() -> None:
    base = Path(settings.BASE_DIR)
    found = sorted(base.glob("*/templates/**/*.jinja"))
    assert found
    for path in found:
        app = path.relative_to(base).parts[0]
        assert path.parent == base / app / "templates" / app / "includes", path
    # The site's own (the portals' 我的位置) beside templates/includes' Django fragments.
    site = sorted(base.glob("templates/**/*.jinja"))
    assert site
    assert all(path.parent == base / "templates" / "includes" for path in site), site
    for path in found + site:
        assert "{% extends" not in path.read_text(encoding="utf-8"), f"{path} is a fragment and extends nothing"


@pytest.mark.parametrize("name", ["employer:agreement_detail", "school:agreement"])
def test_a_rows_link_is_its_routes(name: str) -> None:
    for pk in (1, 42, 9876543210):
        assert row_url(name, pk) == reverse(name, args=[pk])


@pytest.mark.django_db
def test_the_lists_rows_escape_what_they_show(world: World, login_as: LoginAs) -> None:
    student = make_student(world.college, name="<b>李</b>")
    agreement = world.reach("college_review", student=student)
    for who, url in ((world.employer, "employer:agreements"), (world.college_admin, "school:agreements")):
        page = login_as(who).get(reverse(url)).content.decode()
        assert "<b>李</b>" not in page and "&lt;b&gt;李&lt;/b&gt;" in page, url
    detail = reverse("school:agreement", args=[agreement.pk])
    assert f'href="{detail}?next=/school/agreements/"' in page
