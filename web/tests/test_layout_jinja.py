"""The portals' layout renders as its Django templates did before their menus became Jinja2 fragments (issue 22).

`layout_reference/` holds `templates/base.html`, `school/base.html` and `employer/base.html` as they were, all Django;
each school admin, college admin and employer HR page is rendered through them and through today's layout, for every
menu entry, with and without badges, crumbs and messages, and the two must be the same HTML. Only what a browser
does not see is normalised: runs of whitespace (as HTML collapses them), the csrf token (masked afresh on each
read), and the two spellings of an escaped quote (Django writes `&#x27;` and `&quot;`, Jinja2 `&#39;` and `&#34;`).
A deliberate change to a menu changes its reference too.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, cast

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.template import Engine, RequestContext, engines
from django.template.backends.django import DjangoTemplates
from django.test import RequestFactory

from core.models import Employer, User
from testsupport import World

REFERENCE = Path(__file__).parent / "layout_reference"
PAGE = '{% extends "PORTAL/base.html" %}{% block content %}<p>页面内容</p>{% endblock %}'
# Who the pages are for: the names carry what must be escaped.
NAME = "王<经理> & \"张\" '李'"
CRUMBS = [("签约查询", "/school/agreements/?tab=all&name=%3Cb%3E"), ("<b>李明</b>", "")]


@functools.cache
def _reference_engine() -> Engine:
    """The project's Django engine with the reference templates found first."""
    django = cast("DjangoTemplates", engines["django"]).engine
    return Engine(
        dirs=[str(REFERENCE), *django.dirs],
        app_dirs=django.app_dirs,
        context_processors=django.context_processors,
        libraries=django.libraries,
        debug=django.debug,
    )


def _menu_keys(portal: str) -> list[str]:
    text = (REFERENCE / portal / "base.html").read_text(encoding="utf-8")
    return ["", *sorted(set(re.findall(r'menu == "(\w+)"', text)))]


def _request(user: User, notes: bool) -> HttpRequest:
    request = RequestFactory().get("/")
    request.user = user
    storage = CookieStorage(request)
    request._messages = storage  # type: ignore[attr-defined]
    if notes:
        messages.error(request, "<i>未保存</i>：请检查")
        messages.success(request, "已保存")
        messages.add_message(request, messages.INFO, "提示 & 说明")
    return request


def _normal(html: str) -> str:
    html = re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]{64}', r"\1TOKEN", html)
    html = html.replace("&#39;", "&#x27;").replace("&#34;", "&quot;")
    return re.sub(r"\s+", " ", html).strip()


def _both(portal: str, user: User, context: dict[str, Any], notes: bool) -> tuple[str, str]:
    page = PAGE.replace("PORTAL", portal)
    old = _reference_engine().from_string(page).render(RequestContext(_request(user, notes), context))
    new = engines["django"].from_string(page).render(context, _request(user, notes))
    return _normal(old), _normal(new)


def _assert_same(portal: str, user: User, chromes: list[dict[str, Any]]) -> None:
    compared = 0
    for chrome in chromes:
        for menu in _menu_keys(portal):
            for crumbs in ([], CRUMBS):
                for notes in (False, True):
                    context = {**chrome, "menu": menu, "crumbs": crumbs}
                    old, new = _both(portal, user, context, notes)
                    assert new == old, (user.role, context, notes)
                    compared += 1
    assert compared >= 8 * len(chromes)


def _named(user: User) -> User:
    user.display_name = NAME
    user.save(update_fields=["display_name"])
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["school_admin", "college_admin"])
def test_school_portal_layout_is_unchanged(world: World, role: str) -> None:
    user = _named(getattr(world, role))
    is_school_admin = role == "school_admin"
    title = "学校管理中心" if is_school_admin else "学院管理中心"
    quiet = dict.fromkeys(("reviews", "terminations", "destinations", "messages", "employers"), 0)
    busy = {"reviews": 3, "terminations": 12, "destinations": 1, "messages": 7, "employers": 100001}
    chromes = [{"is_school_admin": is_school_admin, "portal_title": title, "todo": todo} for todo in (quiet, busy)]
    _assert_same("school", user, chromes)


@pytest.mark.django_db
@pytest.mark.parametrize("verification", ["verified", "pending", "rejected"])
def test_employer_portal_layout_is_unchanged(world: World, verification: str) -> None:
    from employer.views.common import RECRUIT_MENU

    user = _named(world.employer)
    employer = world.employer.employer
    employer.verification_status = verification
    employer.verification_remark = "营业执照<模糊>" if verification == "rejected" else ""
    employer.save(update_fields=["verification_status", "verification_remark"])
    employer = Employer.objects.get(pk=employer.pk)
    quiet = {"terminations": 0, "agreements": 0, "unread": 0}
    busy = {"terminations": 2, "agreements": 15, "unread": 4}
    chromes = [
        {"employer": employer, "recruit_menu": RECRUIT_MENU, "unread_count": todo["unread"], "todo": todo}
        for todo in (quiet, busy)
    ]
    _assert_same("employer", user, chromes)


def test_the_layout_escapes_the_users_name(world: World) -> None:
    user = _named(world.school_admin)
    chrome = {"is_school_admin": True, "portal_title": "学校管理中心", "todo": {}, "menu": "", "crumbs": CRUMBS}
    _, new = _both("school", user, chrome, True)
    assert "<经理>" not in new and "&lt;经理&gt; &amp;" in new
    assert "<b>" not in new and "<i>" not in new and "&lt;b&gt;李明&lt;/b&gt;" in new
