"""The two 报到证 fields (报到证抬头, 报到证签发所在地): 报到证 were abolished from the 2023 graduates on, so they are
hidden by default for 毕业年度 2023 and later and shown, asked and printed only when the school turns them on in
学校设置 (a logged change); earlier cohorts always have them. Forms, pages, the API and the PDF follow the rule."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from django.test import Client
from django.urls import reverse

from core.models import Agreement, School, SchoolSettingsChange
from core.rules import shows_dispatch_fields
from core.services.schools import school_update_settings
from documents.builder import build_document_data, load_agreement
from documents.render import render_agreement_pdf
from testsupport import ApiClient, LoginAs, World, make_student

pytestmark = pytest.mark.django_db
LABELS = ("报到证抬头", "报到证签发所在地")


def _turn_on(world: World) -> None:
    school_update_settings(world.school, {"show_dispatch_fields": True}, acting_user=world.school_admin)
    world.school.refresh_from_db()


def _pdf_text(agreement: Agreement) -> str:
    pdf = render_agreement_pdf(build_document_data(load_agreement(agreement.pk), draft=True))
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    try:
        return document[0].get_textpage().get_text_range()
    finally:
        document.close()


def _shown(page: str) -> bool:
    found = [label in page for label in LABELS]
    assert len(set(found)) == 1, found  # both or neither
    return found[0]


def test_the_rule(world: World) -> None:
    school = School(name="新学校", code="99999")
    assert school.show_dispatch_fields is False  # hidden by default
    assert not shows_dispatch_fields(school, 2023) and not shows_dispatch_fields(school, 2027)
    assert shows_dispatch_fields(school, 2022)
    school.show_dispatch_fields = True
    assert shows_dispatch_fields(school, 2027)


def test_hidden_for_2023_and_later_until_the_school_turns_them_on(
    world: World, client: Client, login_as: LoginAs, api: ApiClient
) -> None:
    agreement = world.reach("college_review")  # the world's students graduate in 2027
    invited = world.reach("invited", student=make_student(world.college, name="林一"))

    def seen() -> dict[str, bool]:
        login_as(world.college_admin)
        school_page = client.get(reverse("school:agreement", args=[agreement.pk])).content.decode()
        login_as(world.employer)
        detail = client.get(reverse("employer:agreement_detail", args=[agreement.pk])).content.decode()
        form = client.get(reverse("employer:agreement_modify", args=[invited.pk])).content.decode()
        login_as(world.student.user)
        student_page = client.get(reverse("student:agreement")).content.decode()
        api.login(world.employer)
        terms = api.get(f"/agreements/{agreement.pk}").json()["terms"]
        assert ("dispatch_title" in terms) == ("dispatch_location" in terms)
        return {
            "school page": _shown(school_page),
            "employer detail": _shown(detail),
            "修改邀约 form": _shown(form) and 'name="dispatch_title"' in form,
            "student page": _shown(student_page),
            "API": "dispatch_title" in terms,
            "PDF": _shown(_pdf_text(agreement)),
        }

    before = seen()
    assert not any(before.values()), before
    _turn_on(world)
    after = seen()
    assert all(after.values()), after
    change = SchoolSettingsChange.objects.get(school=world.school)
    assert change.changes == {"show_dispatch_fields": [False, True]}


def test_graduates_before_2023_always_have_them(world: World, client: Client, login_as: LoginAs) -> None:
    earlier = make_student(world.college, name="郭旧", year=2022)
    agreement = world.reach("college_review", student=earlier)
    assert not world.school.show_dispatch_fields
    login_as(world.college_admin)
    assert _shown(client.get(reverse("school:agreement", args=[agreement.pk])).content.decode())
    assert _shown(_pdf_text(agreement))
