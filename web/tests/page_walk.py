"""The walk over every GET page of every portal, as every persona: the browser suites (a phone's layout, axe's
accessibility rules) visit what it yields, so a page added later is visited without touching them.

The pages are read from the URL conf: every route of the persona's namespaces (and the shared `web:` and
`documents:` ones) that answers the persona's GET with a whole HTML page. A route with an object id is tried with the
test world's objects of its kind (by the route's first segment, see `world_objects`) until one answers; downloads,
fragments, redirects and POST-only routes are not pages."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.inputs import IdPathConverter
from core.models import Agreement, Notification, Province, Role, Student, User
from core.selectors import agreements_visible_to
from core.services import destinations, roster_jobs
from core.services.export_jobs import export_job_start
from core.services.roster import ROSTER_HEADERS
from core.services.shortlist import SHORTLIST_HEADERS, shortlist_start
from core.services.verifications import verification_start
from testsupport import (
    BROWSER_TIMEOUT_MS,
    PASSWORD,
    World,
    confirm,
    invite,
    make_employer,
    make_student,
    make_user,
    xlsx_bytes,
)
from webhooks import services as webhooks
from webhooks.events import EVENT_TYPES
from webhooks.tests.receiver import Receiver

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


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str  # as written in urls.py, e.g. "agreements/<id:pk>/modify/"
    params: dict[str, Any]  # name -> converter

    @property
    def kinds(self) -> dict[str, str]:
        """The kind of object each parameter names: the route's words before it ("agreements", "roster/import",
        "settings/webhooks" and then "deliveries" in "settings/webhooks/<id:pk>/deliveries/<id:delivery_pk>/")."""
        words = re.split(r"<[^>]+>", self.pattern)
        return {name: words[n].strip("/") for n, name in enumerate(self.params)}

    def paths(self, objects: dict[str, list[Any]]) -> list[str]:
        """The route filled with each of the world's objects in turn. A parameter that is not an id (a password
        reset link's token) is filled only where `objects` gives values for its kind (a verification code);
        otherwise the route is reached from outside the portals and yields nothing."""
        ids = all(isinstance(c, IdPathConverter) for c in self.params.values())
        if not ids and not set(self.kinds.values()) <= set(objects):
            return []
        missing = set(self.kinds.values()) - set(objects)
        assert not missing, f"{self.name}: give world_objects() the test world's {missing}"
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

    @property
    def user(self) -> User | None:
        return self.person.user if isinstance(self.person, Student) else self.person


def world_objects(world: World) -> dict[str, list[Any]]:
    """The test world's objects by the kind of route that names them, in every state whose pages differ."""
    agreements = [world.reach(s, student=make_student(world.college, name=f"学生{n}")) for n, s in enumerate(STATES)]
    # The student persona: an invitation, and an agreement waiting for the employer's answer to a 解约 request.
    (invitation,) = invite(world.other_employer, world.student)
    own = world.reach("termination_requested", student=world.student)
    # A roster import with a row in error (the job page lists the errors).
    rows = [["2027999", "陈晨", "女", "123", "", "", 2027, "文法学院", "法学", "本科"]]
    upload = SimpleUploadedFile("roster.xlsx", xlsx_bytes(list(ROSTER_HEADERS), rows).read())
    job = roster_jobs.roster_job_create(world.school, upload, acting_user=world.school_admin)
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
    # A large 导入拟签约名单 of the employer, imported by its job (the page shows its progress).
    student = world.student
    shortlist = xlsx_bytes(list(SHORTLIST_HEADERS), [[student.graduation_year, student.name, student.id_number, ""]])
    with override_settings(WANGQIAN_SHORTLIST_SYNC_MAX_ROWS=0):
        shortlist_job = shortlist_start(shortlist, acting_user=world.employer).job
    assert shortlist_job is not None
    # A 毕业去向 with its proof, waiting for the college (the reviewers' detail page).
    assert world.other_student.user is not None
    mine = world.other_student.user
    destinations.destination_update({"code": "80", "school_name": "东北大学", "programme": "法学"}, acting_user=mine)
    proof = destinations.destination_attach(name="录取通知书.pdf", content=b"%PDF-1.4\n", acting_user=mine)
    # …and one the student deleted: kept as 佐证材料, listed apart for the reviewers and the province.
    deleted = destinations.destination_attach(name="旧版录取通知书.pdf", content=b"%PDF-1.4\n", acting_user=mine)
    destinations.destination_detach(deleted.pk, acting_user=mine)
    destination = destinations.destination_submit(acting_user=mine, confirmation=confirm(mine, "destination_submit"))
    # A 核查 of the province (its page lists the sample and the answers).
    campaign = verification_start(
        acting_user=_province_admin(world), school_ids=[world.school.pk], graduation_year=2027, share=1
    )
    # The public verification page of an effective agreement (the QR code printed on it leads there).
    codes = Agreement.objects.filter(pk__in=ids, verification_code__isnull=False).values_list(
        "verification_code", flat=True
    )
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
        "documents/scans": [proof.pk],  # a PDF scan's page (an image, not a page)
        "documents": [1],  # an issued PDF's id (its 重新生成 is a POST)
        "verify": list(codes)[:1],
        "students": [world.student.pk, *Student.objects.filter(college=world.college).values_list("pk", flat=True)],
        "employers": [world.employer.employer.pk, world.other_employer.employer.pk],
        "licences": [],  # a replaced 营业执照 scan of a pending employer: a file, not a page
        "schools": [world.school.pk],
        "verifications": [campaign.pk],  # 省级主管部门's page of one of its schools
        "roster/import": [job.pk],
        "invite/import": [shortlist_job.pk],
        "settings/webhooks": [endpoint.pk],
        "deliveries": [delivery.pk],
        "exports": exports,
        # 账号管理's account pages; 账号安全's passkey routes are POST-only (rename, delete).
        "staff": [world.other_college_admin.pk],
        "account/security/passkeys": [],
        "failed-logins": [],  # 解除锁定 is POST-only
        # An employer's 消息 (opening one redirects to its agreement: not a page of its own).
        "messages": list(Notification.objects.filter(recipient=world.employer).values_list("pk", flat=True)[:1]),
    }


def world_personas(world: World) -> list[Persona]:
    """Everyone who sees pages: a visitor, each role of the test world, and an employer on its first day."""
    return [
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
        Persona(
            "province",
            _province_admin(world),
            ("province", *SHARED),
            {"province:home", "province:school", "province:agreement", "province:destination", "province:verification"},
        ),
    ]


def _province_admin(world: World) -> User:
    """The province over both schools (world_objects draws its 核查; whichever comes first creates it)."""
    found = User.objects.filter(username="province_ln").first()
    if found is not None:
        return found
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school, world.other_school])
    return make_user("province_ln", Role.PROVINCE_ADMIN, province=province)


def persona_pages(
    persona: Persona, client: Client, objects: dict[str, list[Any]], shared_seen: set[str]
) -> Iterator[tuple[str, str]]:
    """(route name, path) of every page `persona` sees, `client` being logged in as them; the shared pages only
    for the first persona that sees each (`shared_seen` carries them from one persona to the next). Afterwards
    `persona.visited` holds them all and the routes it must see are checked."""
    for namespace in persona.namespaces:
        for route in namespace_routes(namespace):
            if route.name in NOT_PAGES or route.name in shared_seen:
                continue
            if persona.only and route.name not in persona.only:
                continue
            for path in route.paths(objects):
                answer = probe(client, path)
                if answer:
                    yield route.name, path
                    persona.visited[route.name] = path
                    if namespace in SHARED:
                        shared_seen.add(route.name)
                if answer is not None:
                    break
    assert persona.must_see <= set(persona.visited), (persona.label, sorted(persona.visited))


def new_page(browser: Any, width: int, height: int) -> tuple[Any, Any]:
    """A browser context of that size (a phone's: touch, mobile below 768 px) and its page."""
    phone = width < 768
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    return context, page


def sign_in(page: Any, base: str, persona: Persona) -> None:
    """Log the browser in as the persona through the login form (nobody for the guest)."""
    user = persona.user
    if user is None:
        return
    page.goto(base + "/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def walk(
    browser: Any,
    base: str,
    client: Client,
    login_as: Callable[[User | Student], Client],
    personas: list[Persona],
    objects: dict[str, list[Any]],
    *,
    width: int,
    height: int,
    visit: Callable[[Persona, Any, str, str], None],
    after: Callable[[Persona, Any], None] | None = None,
) -> None:
    """Each persona in its own browser context of the given size: `visit(persona, page, route, path)` for each of
    its pages (the page not yet opened), then `after(persona, page)`."""
    shared_seen: set[str] = set()
    for persona in personas:
        context, page = new_page(browser, width, height)
        try:
            if persona.person is None:
                client.logout()
            else:
                login_as(persona.person)
            sign_in(page, base, persona)
            for route, path in persona_pages(persona, client, objects, shared_seen):
                visit(persona, page, route, path)
            if after is not None:
                after(persona, page)
        finally:
            context.close()
