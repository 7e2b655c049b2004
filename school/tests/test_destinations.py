"""毕业去向审核 in the school portal: the college's and the school's queues, 批量通过, 退回 with a reason, scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Destination, Student
from core.services import destinations as svc
from testsupport import LoginAs, World, confirm, make_student

pytestmark = pytest.mark.django_db
CONFIRMED = {"confirmed": "1"}  # what the step's confirmation (dialog or page) sends

PDF = b"%PDF-1.4\n%%EOF\n"


def reported(student: Student, code: str = "80") -> Destination:
    """A 去向 the student filled in, proved and submitted."""
    assert student.user is not None
    data = {"code": code, "school_name": "东北大学", "programme": "法学", "country": "日本"}
    svc.destination_update(data, acting_user=student.user)
    svc.destination_attach(name="录取通知书.pdf", content=PDF, acting_user=student.user)
    return svc.destination_submit(acting_user=student.user, confirmation=confirm(student.user, "destination_submit"))


def test_college_then_school_with_batch_and_return(world: World, login_as: LoginAs) -> None:
    first = reported(world.student)
    second = reported(make_student(world.college, name="赵雪"), code="85")
    elsewhere = reported(world.other_student)

    college: Client = login_as(world.college_admin)
    listing = college.get(reverse("school:destinations")).content.decode()
    assert "李明" in listing and "赵雪" in listing and "王芳" not in listing
    assert "80 升学" in listing and "85 出国、出境" in listing
    assert '毕业去向审核<span class="badge text-bg-danger rounded-pill" title="待审核">2</span>' in listing

    college.post(reverse("school:destinations_approve_batch"), {"ids": [first.pk, elsewhere.pk], **CONFIRMED})
    assert Destination.objects.get(pk=first.pk).status == "school_review"
    assert Destination.objects.get(pk=elsewhere.pk).status == "college_review"  # not this college's: refused

    refused = college.post(reverse("school:destination_return", args=[second.pk]), {"remark": ""})
    assert refused.status_code == 400 and "退回原因" in refused.content.decode()
    college.post(reverse("school:destination_return", args=[second.pk]), {"remark": "录取通知书不清晰"})
    assert Destination.objects.get(pk=second.pk).status == "returned"
    detail = college.get(reverse("school:destination", args=[second.pk])).content.decode()
    assert "录取通知书不清晰" in detail and "录取通知书.pdf" in detail

    school = login_as(world.school_admin)
    page = school.get(reverse("school:destination", args=[first.pk])).content.decode()
    assert 'id="approve-destination"' in page
    school.post(reverse("school:destination_approve", args=[first.pk]), CONFIRMED)
    assert Destination.objects.get(pk=first.pk).status == "approved"
    assert "审核通过" in school.get(reverse("school:destinations"), {"status": "approved"}).content.decode()


def test_outside_scope_is_404(world: World, login_as: LoginAs) -> None:
    mine = reported(world.student)
    other_college = login_as(world.other_college_admin)
    assert other_college.get(reverse("school:destination", args=[mine.pk])).status_code == 404
    assert other_college.post(reverse("school:destination_approve", args=[mine.pk])).status_code == 404
    assert login_as(world.other_school_admin).get(reverse("school:destination", args=[mine.pk])).status_code == 404
    assert login_as(world.employer).get(reverse("school:destinations")).status_code == 403


def test_list_reads_a_constant_number_of_queries(world: World, login_as: LoginAs) -> None:
    reported(world.student)
    college = login_as(world.college_admin)
    with CaptureQueriesContext(connection) as few:
        college.get(reverse("school:destinations"))
    for n in range(4):
        reported(make_student(world.college, name=f"学生{n}"))
    with CaptureQueriesContext(connection) as many:
        college.get(reverse("school:destinations"))
    assert len(many.captured_queries) == len(few.captured_queries)
