"""A paper agreement naming a verified employer (issue 19 item 6(d)): the employer sees it read-only and may dispute
it; the student is told and the school's reviewer reads the 异议 atop the agreement. A 未注册 or unverified employer
never sees it.

Why visible and disputable rather than refused: an employer registered here may still sign on paper (a head office's
form, a job fair), so a school cannot refuse such papers; but it could have signed online, so it is the one party
that can say "we never signed this" — and the school, which checks the scan, wants to hear it before approving."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.errors import Conflict, NotFound
from core.models import AgreementEvent, Notification
from core.selectors import agreements_visible_to
from core.services.paper_agreements import paper_agreement_dispute
from testsupport import ApiClient, LoginAs, World, register_paper

pytestmark = pytest.mark.django_db


def test_a_verified_employer_sees_a_paper_naming_it_read_only_and_disputes_it(world: World, login_as: LoginAs) -> None:
    hr = world.employer
    agreement = register_paper(world.student, {"credit_code": hr.employer.credit_code})
    assert agreement.employer_id == hr.employer_id
    assert list(agreements_visible_to(hr).filter(paper=True)) == [agreement]
    assert Notification.objects.filter(recipient=hr, event__action="paper_register").exists()

    page = login_as(hr).get(reverse("employer:agreement_detail", args=[agreement.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and 'id="paper-dispute"' in text and "提出异议" in text
    assert reverse("employer:agreement_modify", args=[agreement.pk]) not in text
    api = ApiClient(Client()).login(hr)
    assert api.get(f"/agreements/{agreement.pk}").json()["actions"] == []
    assert api.post(f"/agreements/{agreement.pk}/withdraw").status_code == 409

    empty = login_as(hr).post(reverse("employer:paper_dispute", args=[agreement.pk]), {"reason": "  "})
    assert empty.status_code == 400 and "异议理由不能为空" in empty.content.decode()
    assert not AgreementEvent.objects.filter(action="paper_dispute").exists()

    answer = api.post(f"/agreements/{agreement.pk}/dispute", {"reason": "本单位未与该生签订就业协议"})
    assert answer.status_code == 200
    event = AgreementEvent.objects.get(agreement=agreement, action="paper_dispute")
    assert (event.remark, event.old_status, event.new_status) == (
        "本单位未与该生签订就业协议",
        "school_review",
        "school_review",
    )
    assert Notification.objects.filter(recipient=world.student.user, event=event).exists()
    with pytest.raises(Conflict, match="已对该纸质协议提出异议"):
        paper_agreement_dispute(agreement, reason="再次", acting_user=hr)

    review = login_as(world.school_admin).get(reverse("school:agreement", args=[agreement.pk])).content.decode()
    assert 'id="paper-dispute"' in review and "本单位未与该生签订就业协议" in review


def test_an_unregistered_or_other_employer_never_sees_it(world: World, login_as: LoginAs) -> None:
    unregistered = register_paper(world.student)  # a code nobody registered: a 未注册 row
    hr = world.employer
    assert unregistered not in agreements_visible_to(hr)
    with pytest.raises(NotFound):
        paper_agreement_dispute(unregistered, reason="不是我们", acting_user=hr)
    response = login_as(hr).get(reverse("employer:agreement_detail", args=[unregistered.pk]))
    assert response.status_code == 404
