"""Reviewers see what they approve: the terms' last changes, the agreement as it will print (a 未生效 draft only
reviewers get), 通过 that asks first, and the reason of a 退回 at the top of the parties' pages."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from core.models import Status
from core.services import agreements as wf
from documents.models import AgreementDocument
from testsupport import LoginAs, World, confirm

pytestmark = pytest.mark.django_db


def _detail(client: Client, pk: int) -> str:
    response = client.get(reverse("school:agreement", args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_review_page_shows_the_changes_since_the_last_version_with_field_labels(
    world: World, client: Client, login_as: LoginAs
) -> None:
    agreement = world.reach("college_review")
    login_as(world.college_admin)
    assert "初始版本，单位发起邀约后未修改过条款" in _detail(client, agreement.pk)

    wf.agreement_modify(agreement, terms={"position": "法务专员", "monthly_salary": 9000}, acting_user=world.employer)
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    page = _detail(client, agreement.pk)
    assert "第2版相对第1版" in page
    section = page.split('class="table table-bordered table-sm wq-diff-table"', 1)[1].split("</table>", 1)[0]
    # Labels come from core.fields; the old value struck out, the new one inserted.
    assert '<th scope="row">拟聘用职位</th>' in section and '<th scope="row">月薪（元）</th>' in section
    assert '<del class="wq-diff-old">软件开发工程师</del>' in section
    assert '<ins class="wq-diff-new">法务专员</ins>' in section
    assert "单位性质" not in section  # only what changed


def _png(response: object) -> Image.Image:
    assert response.status_code == 200, response  # type: ignore[attr-defined]
    assert response["Content-Type"] == "image/png"  # type: ignore[index]
    assert response["Cache-Control"] == "private, no-store"  # type: ignore[index]
    return Image.open(io.BytesIO(response.content))  # type: ignore[attr-defined]


def _has_red_watermark(image: Image.Image) -> bool:
    # 未生效 is printed diagonally in a light red over the page; nothing else on the page is red.
    small = image.convert("RGB").reduce(7)
    data = small.tobytes()
    return any(data[i] > data[i + 1] + 20 and data[i] > data[i + 2] + 20 for i in range(0, len(data), 3))


def test_reviewers_see_the_agreement_as_it_will_print_watermarked_and_never_stored(
    world: World, client: Client, login_as: LoginAs
) -> None:
    agreement = world.reach("college_review")
    login_as(world.college_admin)
    page = _detail(client, agreement.pk)
    first, second = (reverse("documents:review_page", args=[agreement.pk, n]) for n in (1, 2))
    assert f'src="{first}"' in page and f'src="{second}"' in page and "未生效草稿" in page

    front = _png(client.get(first))
    assert front.size == (953, 1348)  # A4 at the preview's scale
    assert _has_red_watermark(front)
    assert _has_red_watermark(_png(client.get(second)))
    assert client.get(reverse("documents:review_page", args=[agreement.pk, 3])).status_code == 404
    assert not AgreementDocument.objects.filter(agreement=agreement).exists()  # a draft is neither signed nor kept

    login_as(world.school_admin)  # the next reviewer sees it too, before it reaches their queue
    assert client.get(first).status_code == 200


def test_the_preview_follows_the_terms_at_once(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("college_review")
    login_as(world.college_admin)
    url = reverse("documents:review_page", args=[agreement.pk, 1])
    before = client.get(url).content
    assert client.get(url).content == before
    wf.agreement_modify(agreement, terms={"monthly_salary": 23456}, acting_user=world.employer)
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    assert client.get(url).content != before


def test_only_reviewers_get_the_preview(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("college_review")
    other_college = world.reach("college_review", student=world.other_student)
    url = reverse("documents:review_page", args=[agreement.pk, 1])
    for party in (world.employer, world.student.user, world.other_college_admin, world.other_school_admin):
        login_as(party)
        assert client.get(url).status_code == 404, party
    login_as(world.college_admin)
    assert client.get(reverse("documents:review_page", args=[other_college.pk, 1])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


@pytest.mark.parametrize("status", ["invited", "declined", "withdrawn"])
def test_nothing_to_review_has_no_preview(world: World, client: Client, login_as: LoginAs, status: str) -> None:
    agreement = world.reach(status)
    login_as(world.college_admin)
    assert f"documents/agreements/{agreement.pk}/review/" not in _detail(client, agreement.pk)
    assert client.get(reverse("documents:review_page", args=[agreement.pk, 1])).status_code == 404


def test_once_effective_the_issued_agreement_replaces_the_draft(
    world: World, client: Client, login_as: LoginAs
) -> None:
    agreement = world.reach("effective")
    login_as(world.school_admin)
    page = _detail(client, agreement.pk)
    assert f"documents/agreements/{agreement.pk}/review/" not in page
    assert reverse("documents:preview", args=[agreement.pk]) in page  # 查看原图 of the issued version
    assert client.get(reverse("documents:review_page", args=[agreement.pk, 1])).status_code == 404


def test_approve_asks_for_confirmation_without_script(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("college_review")
    login_as(world.college_admin)
    page = _detail(client, agreement.pk)
    question = f"确定审核通过{world.student.name}与{world.employer.employer.name}的协议书吗？"
    assert f'data-confirm="{question}"' in page  # the dialog of static/js/wangqian.js
    assert '<input type="hidden" name="confirmed" value="">' in page

    back = reverse("school:reviews") + "?page=1"
    response = client.post(reverse("school:agreement_approve", args=[agreement.pk]), {"next": back})
    assert response.status_code == 200
    text = response.content.decode()
    assert "审核通过确认" in text and world.student.name in text and "确定通过" in text
    assert '<input type="hidden" name="confirmed" value="1">' in text
    assert f'<input type="hidden" name="next" value="{back}">' in text
    agreement.refresh_from_db()
    assert agreement.status == Status.COLLEGE_REVIEW  # nothing done yet

    response = client.post(reverse("school:agreement_approve", args=[agreement.pk]), {"next": back, "confirmed": "1"})
    assert response.status_code == 302 and response["Location"] == back
    agreement.refresh_from_db()
    assert agreement.status == Status.SCHOOL_REVIEW


def test_return_reason_stands_at_the_top_for_employer_and_student(
    world: World, client: Client, login_as: LoginAs
) -> None:
    agreement = world.reach("college_review")
    wf.agreement_return(agreement, remark="缺少单位盖章页，请补充", acting_user=world.college_admin)

    login_as(world.employer)
    page = client.get(reverse("employer:agreement_modify", args=[agreement.pk])).content.decode()
    body = page.split("修改邀约 · ", 1)[1]
    assert body.index("学院审核退回原因") < body.index("<form")
    assert "缺少单位盖章页，请补充" in body

    login_as(world.student.user)
    page = client.get(reverse("student:agreement")).content.decode()
    assert "学院审核退回原因" in page and "缺少单位盖章页，请补充" in page

    # The employer modifies: the student decides on the new terms knowing why they were sent back.
    wf.agreement_modify(agreement, terms={"position": "法务专员"}, acting_user=world.employer)
    page = client.get(reverse("student:invitation_detail", args=[agreement.pk])).content.decode()
    assert "学院审核退回原因" in page and "缺少单位盖章页，请补充" in page

    # Signed again: the 退回 is answered and no longer shown.
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    page = client.get(reverse("student:agreement")).content.decode()
    assert "审核退回原因" not in page
