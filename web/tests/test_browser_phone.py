"""Every page of the three portals on a phone (Chromium at 375×812, touch): no page scrolls sideways, and the page's
own content, not the portal's menu, fills the first screen (the menu is a drawer behind the top bar's 菜单 button).

The pages are read from the URL conf, so a page added later is visited without touching this test: every route of
the portal's namespace (and the shared `web:` and `documents:` ones) that answers the persona's GET with a whole HTML
page. A route with an object id is tried with the test world's objects of its kind (by the route's first segment,
see `_objects`) until one answers; downloads, fragments, redirects and POST-only routes are not pages.
One browser, one login per persona. Screenshots in test-artifacts/screenshots/<test name>/."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.inputs import IdPathConverter
from core.models import Notification, Student, User
from core.selectors import agreements_visible_to
from core.services import destinations
from core.services.export_jobs import export_job_start
from core.services.roster import ROSTER_HEADERS
from core.testing import PASSWORD, LoginAs, World, invite, make_employer, make_student, xlsx_bytes
from school import roster_jobs
from webhooks import services as webhooks
from webhooks.events import EVENT_TYPES
from webhooks.tests.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 375, 812
# The workflow states whose pages differ (a list's tabs, the actions a detail page offers, the termination pages).
STATES = [
    "invited",
    "returned",
    "college_review",
    "school_review",
    "effective",
    "termination_requested",
    "termination_review",
    "terminated",
]
# Pages outside the portals that every persona reaches from them (修改密码, the agreement's preview, /verify/):
# they look alike for everyone, so the first persona that can see one checks it.
SHARED = ("web", "documents")
# Routes that are not pages for a person: logging out, the JSON behind the region pickers.
NOT_PAGES = {"web:logout", "employer:regions"}

# What the page looks like, measured in the browser. `wide` names the first elements that stick out.
MEASURE = """() => {
    const menu = document.getElementById('wq-portal-menu');
    const main = document.querySelector('main');
    const wide = [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter(e => !e.closest('.table-responsive, .offcanvas-md, .modal'))
        .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'));
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        wide: wide,
        menuShown: menu ? getComputedStyle(menu).visibility !== 'hidden' : false,
        mainTop: main ? main.getBoundingClientRect().top : null,
        mainHeight: main ? main.getBoundingClientRect().height : 0,
    };
}"""


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str  # as written in urls.py, e.g. "agreements/<id:pk>/modify/"
    params: dict[str, Any]  # name -> converter

    @property
    def kinds(self) -> dict[str, str]:
        """The kind of object each id names: the route's words before it ("agreements", "roster/import",
        "settings/webhooks" and then "deliveries" in "settings/webhooks/<id:pk>/deliveries/<id:delivery_pk>/")."""
        words = re.split(r"<[^>]+>", self.pattern)
        return {name: words[n].strip("/") for n, name in enumerate(self.params)}

    def paths(self, objects: dict[str, list[int]]) -> list[str]:
        """The route filled with each of the world's objects in turn ([] for a route whose parameters are not
        ids: a password reset link's token, a verification code, reached from outside the portals)."""
        if not all(isinstance(c, IdPathConverter) for c in self.params.values()):
            return []
        missing = set(self.kinds.values()) - set(objects)
        assert not missing, f"{self.name}: give _objects() the test world's {missing}"
        choices = [[(name, pk) for pk in objects[kind]] for name, kind in self.kinds.items()]
        return [reverse(self.name, kwargs=dict(combination)) for combination in itertools.product(*choices)]


def namespace_routes(namespace: str) -> list[Route]:
    found: list[Route] = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == namespace:
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and pattern.name:
                    converters = dict(pattern.pattern.converters)  # type: ignore[attr-defined]
                    found.append(Route(f"{namespace}:{pattern.name}", str(pattern.pattern), converters))
    assert found, f"no routes in namespace {namespace!r}"
    return found


def probe(client: Client, path: str) -> bool | None:
    """True for a whole HTML page (a plain GET: no redirect, no download, no htmx fragment); None when another
    object may do (this one is not found, or in a state without this page); False when no object will."""
    response = client.get(path)
    if response.status_code == 200:
        html = response.get("Content-Type", "").startswith("text/html") and not response.streaming
        return html and b"<html" in response.content[:1000]
    if response.status_code in (403, 405) or "/login/" in response.get("Location", ""):
        return False  # not this persona's page, or not a page at all, whatever the object
    return None


@dataclass
class Persona:
    label: str
    person: User | Student | None  # None: nobody logged in
    namespaces: tuple[str, ...]
    must_see: set[str]  # routes that must turn out to be pages: the objects were found
    only: frozenset[str] = frozenset()  # when given, the only routes this persona checks
    visited: dict[str, str] = field(default_factory=dict)  # route name -> path checked


class Phone:
    """One phone-sized browser context of one persona."""

    def __init__(self, browser: Any, base: str, folder: Path):
        self.context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True, has_touch=True, locale="zh-CN"
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.base, self.folder = base, folder

    def login(self, username: str) -> None:
        self.page.goto(self.base + "/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url(lambda url: "/login/" not in url)

    def check(self, label: str, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (label, path, response and response.status)
        shape = self.page.evaluate(MEASURE)
        name = re.sub(r"\W+", "-", path).strip("-") or "home"
        self.page.screenshot(path=str(self.folder / f"{label}-{name}.png"))
        assert shape["scrollWidth"] <= shape["innerWidth"], f"{label} {path} scrolls sideways: {shape}"
        assert not shape["menuShown"], f"{label} {path}: the menu covers the page"
        assert shape["mainTop"] is not None and shape["mainTop"] < HEIGHT / 3, f"{label} {path}: content below {shape}"
        assert shape["mainHeight"] > 40, f"{label} {path}: no content {shape}"


def _search_result_in_view(phone: Phone, student: Student) -> None:
    """签约搜索's result reads as a card (.wq-cards): its 加入 is on the screen, not past the end of the screen."""
    phone.page.goto(phone.base + reverse("employer:invite"))
    phone.page.select_option("#id_year", str(student.graduation_year))
    phone.page.fill("#id_name", student.name)
    phone.page.fill("#id_keyword", student.id_number)
    phone.page.click("form button:has-text('搜索')")
    phone.page.wait_for_load_state("load")  # the cards are labelled by the page's script
    box = phone.page.locator("#wq-results button:has-text('加入')").bounding_box()
    assert box is not None and box["x"] + box["width"] <= WIDTH, box
    phone.page.screenshot(path=str(phone.folder / "employer-search-result-card.png"))


def _objects(world: World) -> dict[str, list[int]]:
    """The test world's objects by the kind of route that names them, in every state whose pages differ."""
    agreements = [world.reach(s, student=make_student(world.college, name=f"学生{n}")) for n, s in enumerate(STATES)]
    # The student persona: an invitation, and an agreement waiting for the employer's answer to a 解约 request.
    (invitation,) = invite(world.other_employer, world.student)
    own = world.reach("termination_requested", student=world.student)
    # A roster import with a row in error (the job page lists the errors).
    rows = [["2027999", "陈晨", "女", "123", "", "", 2027, "文法学院", "法学", "本科"]]
    upload = SimpleUploadedFile("roster.xlsx", xlsx_bytes(list(ROSTER_HEADERS), rows).read())
    job = roster_jobs.job_create(world.school, upload, acting_user=world.school_admin)
    # A 数据推送 endpoint with a delivery in its log.
    with Receiver() as receiver:
        endpoint = webhooks.endpoint_create(url=receiver.url, events=list(EVENT_TYPES), acting_user=world.school_admin)
        delivery = webhooks.endpoint_send_test(endpoint, acting_user=world.school_admin)
    ids = [invitation.pk, own.pk, *(a.pk for a in agreements)]
    # A large 导出 of each admin portal, written by its job (the page shows its progress, then the download).
    exports = [
        export_job_start(agreements_visible_to(user), title="导出", acting_user=user).pk
        for user in (world.employer, world.school_admin, world.college_admin)
    ]
    # A 毕业去向 with its proof, waiting for the college (the reviewers' detail page).
    assert world.other_student.user is not None
    mine = world.other_student.user
    destinations.destination_update({"code": "80", "school_name": "东北大学", "programme": "法学"}, acting_user=mine)
    proof = destinations.destination_attach(name="录取通知书.pdf", content=b"%PDF-1.4\n", acting_user=mine)
    destination = destinations.destination_submit(acting_user=mine)
    return {
        "destinations": [destination.pk],
        "attachments": [proof.pk],
        "destination/attachments": [proof.pk],
        "paper": ids,
        "agreements": ids,
        "invitations": ids,
        "documents/agreements": ids,
        "pages": [1],
        "review": [1],  # the reviewers' preview of a page (an image, not a page)
        "documents": [1],  # an issued PDF's id (its 重新生成 is a POST)
        "students": [world.student.pk, *Student.objects.filter(college=world.college).values_list("pk", flat=True)],
        "employers": [world.employer.employer.pk, world.other_employer.employer.pk],
        "roster/import": [job.pk],
        "settings/webhooks": [endpoint.pk],
        "deliveries": [delivery.pk],
        "exports": exports,
        # An employer's 消息 (opening one redirects to its agreement: not a page of its own).
        "messages": list(Notification.objects.filter(recipient=world.employer).values_list("pk", flat=True)[:1]),
    }


@pytest.fixture
def personas(world: World) -> Iterator[list[Persona]]:
    yield [
        Persona("guest", None, ("web", "employer", "documents"), {"web:login", "employer:register"}),
        Persona(
            "employer",
            world.employer,
            ("employer", *SHARED),
            {"employer:agreement_detail", "web:password_change"},
        ),
        # A newly registered employer: the first-use 签约信息确认 and the banner of a pending 资质审核.
        Persona(
            "newcomer",
            make_employer("新注册单位", verified=False, profile=False),
            ("employer",),
            {"employer:confirm"},
            only=frozenset({"employer:confirm", "employer:account"}),
        ),
        Persona("school", world.school_admin, ("school", *SHARED), {"school:agreement", "school:student"}),
        Persona("college", world.college_admin, ("school", *SHARED), {"school:agreement", "school:reviews"}),
        Persona("student", world.student, ("student", *SHARED), {"student:invitation_detail"}),
    ]


def test_every_portal_page_fits_a_phone(
    browser: Any,
    live_server: Any,
    screenshots: Path,
    world: World,
    personas: list[Persona],
    login_as: LoginAs,
    client: Client,
) -> None:
    objects = _objects(world)
    searchable = make_student(world.college, name="周密")
    shared_seen: set[str] = set()
    for persona in personas:
        phone = Phone(browser, live_server.url, screenshots)
        try:
            if persona.person is None:
                client.logout()
            else:
                login_as(persona.person)
                user = persona.person.user if isinstance(persona.person, Student) else persona.person
                assert user is not None
                phone.login(user.username)
            for namespace in persona.namespaces:
                for route in namespace_routes(namespace):
                    if route.name in NOT_PAGES or route.name in shared_seen:
                        continue
                    if persona.only and route.name not in persona.only:
                        continue
                    for path in route.paths(objects):
                        answer = probe(client, path)
                        if answer:
                            phone.check(persona.label, path)
                            persona.visited[route.name] = path
                            if namespace in SHARED:
                                shared_seen.add(route.name)
                        if answer is not None:
                            break
            assert persona.must_see <= set(persona.visited), (persona.label, sorted(persona.visited))
            # Every entry of the portal's menu was checked, and the drawer opens from the top bar.
            phone.page.goto(live_server.url + next(iter(persona.visited.values())))
            links = phone.page.eval_on_selector_all(
                "#wq-portal-menu a[href], .wq-bottomnav a[href]", "links => links.map(a => a.pathname)"
            )
            checked = {path for p in personas for path in p.visited.values()}
            assert set(links) <= checked, (persona.label, set(links) - checked)
            if phone.page.locator(".wq-menu-toggle").count():
                phone.page.click(".wq-menu-toggle")
                phone.page.wait_for_selector("#wq-portal-menu.show")
                assert phone.page.locator("#wq-portal-menu a[href]").first.is_visible()
            if persona.label == "employer":
                _search_result_in_view(phone, searchable)
        finally:
            phone.context.close()
