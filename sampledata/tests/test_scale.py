"""`manage.py load_scale` at a small size: the rows are what the workflow would leave, logins work, lists answer."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from core.calendar import current_graduation_year
from core.models import Agreement, AgreementEvent, AgreementTerms, NumberSequence, School, Status, Student, Termination
from core.rules import ACTIVE_STATUSES, ONCE_EFFECTIVE_STATUSES, counts_as_effective
from core.services.agreements import terms_as_dict
from core.services.stats_counters import counters_diff
from core.services.terms import clean_terms
from core.validators import gender_from_id, validate_email, validate_id_number, validate_phone
from sampledata.scale import SCALE_PASSWORD, ScaleSize, load_scale

SIZE = ScaleSize(agreements=2000, students=800, employers=40)


@pytest.fixture
def scale(db: None) -> dict[str, int]:
    return load_scale(SIZE, log=lambda line: None)


def test_counts_statuses_and_years(scale: dict[str, int]) -> None:
    assert Agreement.objects.count() == SIZE.agreements
    assert Student.objects.count() == SIZE.students
    assert scale["core_employer"] == SIZE.employers
    assert School.objects.count() == 2
    assert set(Agreement.objects.values_list("status", flat=True).distinct()) == set(Status.values)
    year = current_graduation_year()
    assert set(Student.objects.values_list("graduation_year", flat=True).distinct()) == {
        year - 3,
        year - 2,
        year - 1,
        year,
    }
    # scale_hr's employer holds a tenth of the agreements.
    top = Agreement.objects.values("employer__users__username").annotate(n=Count("id")).order_by("-n").first()
    assert top == {"employer__users__username": "scale_hr", "n": SIZE.agreements // 10}


def test_the_workflow_rules_hold(scale: dict[str, int]) -> None:
    # One active agreement per student and one open invitation per employer and student.
    assert not (
        Agreement.objects.filter(status__in=ACTIVE_STATUSES).values("student").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not (
        Agreement.objects.filter(status=Status.INVITED)
        .values("student", "employer")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    now = timezone.now()
    assert not Agreement.objects.filter(status=Status.INVITED, expires_at__lte=now).exists()
    assert not AgreementEvent.objects.filter(created_at__gt=now).exists()
    for agreement in Agreement.objects.select_related("student", "employer", "current_terms", "school"):
        assert agreement.college_id == agreement.student.college_id
        assert agreement.school_id == agreement.student.school_id
        assert agreement.graduation_year == agreement.student.graduation_year
        assert agreement.student_name == agreement.student.name
        assert agreement.employer.is_verified and agreement.employer.profile_complete
        once_effective = agreement.status in ONCE_EFFECTIVE_STATUSES
        assert (agreement.number is not None) == once_effective == (agreement.verification_code is not None)
        assert counts_as_effective(agreement) == (agreement.status in ONCE_EFFECTIVE_STATUSES[:-1])
        if agreement.number:
            assert agreement.number.startswith(f"{agreement.student.graduation_year}{agreement.school.code}")
        terms = terms_as_dict(agreement.current_terms)
        assert clean_terms(agreement.employer, terms) == terms
        assert (agreement.accepted_terms_id is not None) == (agreement.signed_at is not None)
        # The last event says how the agreement got to its status.
        events = list(agreement.events.all())
        assert events[0].action == "invite"
        assert events[-1].new_status == agreement.status
    for sequence in NumberSequence.objects.all():
        assert (
            sequence.last
            == Agreement.objects.filter(
                school=sequence.school, student__graduation_year=sequence.graduation_year, number__isnull=False
            ).count()
        )
    assert (
        Termination.objects.filter(state__in=["pending", "review"]).count()
        == Agreement.objects.filter(status__in=[Status.TERMINATION_REQUESTED, Status.TERMINATION_REVIEW]).count()
    )
    assert AgreementTerms.objects.filter(version=2).exists()
    assert counters_diff() == {}


def test_students_are_valid_roster_rows(scale: dict[str, int]) -> None:
    ids = set()
    for student in Student.objects.select_related("user", "college", "major", "school"):
        assert validate_id_number(student.id_number) == student.id_number
        assert gender_from_id(student.id_number) == student.gender
        assert validate_phone(student.phone) == student.phone
        assert validate_email(student.email) == student.email
        assert student.major.college_id == student.college_id
        assert student.user is not None and student.user.username == f"{student.school.code}:{student.student_no}"
        ids.add(student.id_number)
    assert len(ids) == SIZE.students


def test_logins_and_lists_answer(scale: dict[str, int]) -> None:
    client = Client()
    for username, page in [
        ("scale_hr", "/employer/agreements/"),
        ("scale_school", "/school/agreements/"),
        ("scale_college", "/school/agreements/"),
    ]:
        response = client.post("/login/", {"username": username, "password": SCALE_PASSWORD})
        assert response.status_code == 302, username
        response = client.get(page)
        assert response.status_code == 200
        assert "当前共" in response.content.decode()
        token = client.post(
            "/api/v1/auth/token", {"username": username, "password": SCALE_PASSWORD}, content_type="application/json"
        ).json()["token"]
        answer = client.get("/api/v1/agreements", {"tab": "accepted"}, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert answer.status_code == 200 and answer.json()["count"] > 0
        client.post("/logout/")


def test_refuses_outside_demo_settings_and_a_non_empty_database(db: None) -> None:
    with override_settings(DEMO=False), pytest.raises(CommandError, match="WANGQIAN_DEMO"):
        call_command("load_scale", agreements=100, students=40, employers=20, stdout=io.StringIO())
    School.objects.create(name="某大学", code="99999")
    with pytest.raises(CommandError, match="not empty"):
        call_command("load_scale", agreements=100, students=40, employers=20, stdout=io.StringIO())


def test_prints_the_logins(db: None) -> None:
    out = io.StringIO()
    call_command("load_scale", agreements=100, students=40, employers=20, stdout=out)
    for username in ("scale_hr", "scale_school", "scale_college"):
        assert username in out.getvalue()
    assert SCALE_PASSWORD in out.getvalue()
