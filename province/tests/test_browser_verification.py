"""The 核查 pages on a phone and for axe: the province's campaign page (sending progress, the sample) and the
one-time answer page as the HR opens it and as a graduate with a passkey does (the 本人确认 section), at 375 px:
no sideways scrolling and no axe violation (the answer page is outside the portals' URL namespaces, so
web/tests/page_walk.py does not reach it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from core import sms
from core.models import Role
from core.services.passkeys import passkey_register, passkey_registration_options
from core.services.verifications import verification_send, verification_start
from province.tests.test_verifications import _approved_graduates
from testsupport import BROWSER_TIMEOUT_MS, PASSWORD, World, browser_login, make_user
from testsupport.webauthn import SoftAuthenticator
from web.tests.test_browser_axe import RUN, TAGS, axe_source
from web.tests.test_browser_phone import HEIGHT, WIDTH, check_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_verification_pages_fit_a_phone_and_pass_axe(
    browser: Any, live_server: Any, screenshots: Path, world: World
) -> None:
    from core.models import Destination, Province
    from core.models.destinations import DestinationStatus

    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school, world.other_school])
    admin = make_user("province_ln", Role.PROVINCE_ADMIN, province=province)
    _approved_graduates(world, 3)
    Destination.objects.create(
        student=world.student,
        school=world.school,
        college=world.college,
        graduation_year=2027,
        status=DestinationStatus.APPROVED,
        code="46",
    )
    world.reach("effective", student=world.other_student)  # a 签约: its HR is asked too
    sms.outbox.clear()
    campaign = verification_start(acting_user=admin, school_ids=[world.school.pk], graduation_year=2027, share=1)
    verification_send(campaign.pk)
    links = {m.phone: re.search(r"/verification/[\w-]+/", m.text) for m in sms.outbox}
    student_link = links[world.student.phone]
    hr_link = next(re.search(r"/verification/[\w-]+/", m.text) for m in sms.outbox if "贵单位" in m.text)
    assert student_link is not None and hr_link is not None
    user = world.student.user
    assert user is not None
    passkey_register(user, SoftAuthenticator(settings.SITE_URL).create(passkey_registration_options(user)))

    source = axe_source()
    problems: list[str] = []

    def check(page: Any, label: str, path: str) -> None:
        problems.extend(check_fits(page, live_server.url, screenshots, label, path))
        page.evaluate(source)
        for violation in page.evaluate(RUN, TAGS):
            problems.append(f"{label} {path} axe [{violation['rule']}] {violation['help']}: {violation['targets']}")

    for label, username, landing, paths in (
        ("hr", None, "", [hr_link.group(0)]),
        ("student", user.username, r"/student/", [student_link.group(0)]),
        (
            "province",
            admin.username,
            r"/province/",
            [f"/province/verifications/{campaign.pk}/", "/province/verifications/"],
        ),
    ):
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN", is_mobile=True)
        page = context.new_page()
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        if username:
            browser_login(page, live_server.url, username, PASSWORD, landing=landing)
        for path in paths:
            check(page, label, path)
            if label == "student":
                assert page.locator("[data-passkey-start]").is_visible()  # the 本人确认 section is there
        context.close()
    assert not problems, "\n".join(problems)
