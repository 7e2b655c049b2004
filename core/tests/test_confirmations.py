"""本人确认 (issue 20 item 1): an act that binds the graduate needs their own fresh proof, bound to the user, the
action, the object and the exact terms version, used once, within CONFIRMATION_MINUTES; by passkey (user
verification required) or by a code to the roster phone (wrong tries and sends limited)."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.test import override_settings

from core import sms
from core.errors import Conflict, InvalidInput, NotFound
from core.models import Confirmation, Status
from core.services import agreements as wf
from core.services.confirmations import (
    ConfirmationRequired,
    confirmation_methods,
    confirmation_start,
    confirmation_verify,
)
from core.services.passkeys import passkey_register, passkey_registration_options
from core.throttle import TooManyAttempts
from testsupport import PAPER_EXTRA, World, confirm, invite
from testsupport.webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db
SITE = "https://wangqian.example.edu.cn"


def _code() -> str:
    found = re.search(r"验证码：(\d{6})", sms.outbox[-1].text)
    assert found is not None
    return found.group(1)


def test_accepting_needs_the_graduates_own_confirmation(world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    user = world.student.user
    assert user is not None
    with pytest.raises(ConfirmationRequired, match="须本人确认"):
        wf.agreement_accept(agreement, acting_user=user)
    with pytest.raises(ConfirmationRequired, match="无效"):
        wf.agreement_accept(agreement, acting_user=user, confirmation="cfm_made_up")
    agreement.refresh_from_db()
    assert agreement.status == Status.INVITED and not agreement.events.filter(action="accept").exists()

    started, options = confirmation_start(user, "accept", agreement.pk, address="203.0.113.9")
    assert options is None and started.method == "sms"  # no passkey: the code goes to the roster phone
    assert sms.outbox[-1].phone == world.student.phone
    assert world.employer.employer.name in sms.outbox[-1].text and "请勿告诉任何人" in sms.outbox[-1].text
    token, _ = confirmation_verify(started.pk, acting_user=user, code=_code(), address="203.0.113.9")
    accepted = wf.agreement_accept(agreement, acting_user=user, confirmation=token)
    assert accepted.status == Status.COLLEGE_REVIEW

    evidence = Confirmation.objects.get(pk=started.pk)
    event = accepted.events.get(action="accept")
    assert evidence.agreement_event == event and evidence.used_at is not None
    assert evidence.sms_phone == world.student.phone[:3] + "****" + world.student.phone[-4:]
    assert evidence.sms_accepted == 1 and evidence.code_hash == ""  # the delivery record, never the code
    assert evidence.verified_address == "203.0.113.9" and evidence.version == 1


def test_a_confirmation_serves_one_act_of_one_user_on_one_version_once(world: World) -> None:
    first, second = invite(world.employer, world.student)[0], invite(world.other_employer, world.student)[0]
    user = world.student.user
    assert user is not None
    for_first = confirm(user, "accept", first)
    with pytest.raises(ConfirmationRequired, match="不是为这项操作签发"):  # another agreement
        wf.agreement_accept(second, acting_user=user, confirmation=for_first)

    # Another terms version: the employer changed the terms after the graduate confirmed what they saw.
    wf.agreement_modify(first, terms={"monthly_salary": 5000}, acting_user=world.employer)
    with pytest.raises(ConfirmationRequired, match="签约信息已变更"):
        wf.agreement_accept(first, acting_user=user, confirmation=for_first)
    with pytest.raises(Conflict, match="签约信息已更新"):  # the page showed version 1
        confirmation_start(user, "accept", first.pk, version=1)

    # Another user: a token is the graduate's own.
    other = world.other_student.user
    assert other is not None
    (theirs,) = invite(world.employer, world.other_student)
    with pytest.raises(ConfirmationRequired):
        wf.agreement_accept(theirs, acting_user=other, confirmation=confirm(user, "accept", second))

    # Used twice: the second act is refused even after the first was undone by a 解约 path.
    token = confirm(user, "accept", first)
    wf.agreement_accept(first, acting_user=user, confirmation=token)
    wf.agreement_modify(first, terms={"monthly_salary": 6000}, acting_user=world.employer)
    with pytest.raises(ConfirmationRequired, match="已使用过"):
        wf.agreement_accept(first, acting_user=user, confirmation=token)


def test_a_confirmation_expires(world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    user = world.student.user
    assert user is not None
    token = confirm(user, "accept", agreement)
    made = Confirmation.objects.latest("pk")
    assert abs(made.expires_at - made.created_at - datetime.timedelta(minutes=5)) < datetime.timedelta(seconds=1)
    with (
        time_machine.travel(made.expires_at + datetime.timedelta(seconds=1)),
        pytest.raises(ConfirmationRequired, match="5分钟有效期"),
    ):
        wf.agreement_accept(agreement, acting_user=user, confirmation=token)
    started, _ = confirmation_start(user, "accept", agreement.pk)
    code = _code()
    with (
        time_machine.travel(started.expires_at + datetime.timedelta(seconds=1)),
        pytest.raises(Conflict, match="已过期"),
    ):
        confirmation_verify(started.pk, acting_user=user, code=code)


def test_wrong_codes_and_sends_are_limited(world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    user = world.student.user
    assert user is not None
    started, _ = confirmation_start(user, "accept", agreement.pk)
    right = _code()
    wrong = "000000" if right != "000000" else "111111"
    with pytest.raises(InvalidInput) as bad:
        confirmation_verify(started.pk, acting_user=user, code="12ab")
    assert "code" in bad.value.errors
    for left in (4, 3, 2, 1):
        with pytest.raises(InvalidInput, match=f"还可以再试{left}次"):
            confirmation_verify(started.pk, acting_user=user, code=wrong)
    with pytest.raises(InvalidInput, match="错误次数过多"):
        confirmation_verify(started.pk, acting_user=user, code=wrong)
    with pytest.raises(Conflict, match="错误次数过多"):  # the right code no longer helps
        confirmation_verify(started.pk, acting_user=user, code=right)

    with override_settings(CONFIRMATION_CODES_PER_HOUR=2):
        confirmation_start(user, "accept", agreement.pk)  # the second this hour
        with pytest.raises(TooManyAttempts, match="一小时内最多发送2次"):
            confirmation_start(user, "accept", agreement.pk)


def test_by_passkey_with_user_verification(world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    user = world.student.user
    assert user is not None
    with override_settings(SITE_URL=SITE):
        device = SoftAuthenticator(SITE)
        passkey = passkey_register(user, device.create(passkey_registration_options(user)))
        assert confirmation_methods(user) == ["passkey", "sms"]
        started, options = confirmation_start(user, "accept", agreement.pk)
        assert started.method == "passkey" and options is not None and options["userVerification"] == "required"
        answer = device.get(options)
        token, _ = confirmation_verify(started.pk, acting_user=user, assertion=answer)
        wf.agreement_accept(agreement, acting_user=user, confirmation=token)

        # A device that does not verify its user (no PIN, fingerprint or face) proves nothing.
        (second,) = invite(world.other_employer, world.other_student)
        other = world.other_student.user
        assert other is not None
        lax = SoftAuthenticator(SITE)
        passkey_register(other, lax.create(passkey_registration_options(other)))
        lax.user_verified = False
        started2, options2 = confirmation_start(other, "accept", second.pk)
        assert options2 is not None
        with pytest.raises(InvalidInput):
            confirmation_verify(started2.pk, acting_user=other, assertion=lax.get(options2))
    evidence = Confirmation.objects.get(pk=started.pk)
    assert evidence.passkey == passkey and bytes(evidence.credential_id or b"") == bytes(passkey.credential_id)
    assert evidence.assertion == answer  # the signed assertion, kept


def test_only_the_graduate_confirms_and_only_what_they_may_do(world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    other = world.other_student.user
    assert other is not None
    with pytest.raises(NotFound):
        confirmation_start(other, "accept", agreement.pk)
    with pytest.raises(InvalidInput, match="不支持"):
        confirmation_start(other, "approve", agreement.pk)
    user = world.student.user
    assert user is not None
    started, _ = confirmation_start(user, "accept", agreement.pk)
    with pytest.raises(NotFound):
        confirmation_verify(started.pk, acting_user=other, code=_code())
    wf.agreement_decline(agreement, acting_user=user)
    with pytest.raises(Conflict, match="已拒约"):
        confirmation_start(user, "accept", agreement.pk)


def test_every_act_that_binds_the_graduate_needs_its_own_confirmation(world: World) -> None:
    """申请解约, answering the employer's 解约, registering and resubmitting a paper agreement, submitting a 去向:
    refused without 本人确认, and a confirmation made for another action does not serve (issue 20 item 1)."""
    from core.services import destinations as svc
    from core.services import paper_agreements as paper

    user = world.student.user
    assert user is not None
    agreement = world.reach("effective")
    with pytest.raises(ConfirmationRequired):
        wf.termination_request(agreement, reason="考研", acting_user=user)
    another = confirm(user, "destination_submit")
    with pytest.raises(ConfirmationRequired, match="不是为这项操作签发"):  # a proof for another action
        wf.termination_request(agreement, reason="考研", acting_user=user, confirmation=another)
    done = wf.termination_request(
        agreement, reason="考研", acting_user=user, confirmation=confirm(user, "termination", agreement)
    )
    assert done.events.get(action="termination_request").confirmation.method == "sms"  # type: ignore[attr-defined]
    wf.termination_withdraw(agreement, acting_user=user)

    # The employer asks; the graduate's answer binds them, the employer's own request needs nothing.
    wf.termination_request(agreement, reason="岗位调整", acting_user=world.employer)
    with pytest.raises(ConfirmationRequired):
        wf.termination_accept(agreement, acting_user=user)
    with pytest.raises(ConfirmationRequired):  # made for 拒绝, used for 同意
        wf.termination_accept(agreement, acting_user=user, confirmation=confirm(user, "termination/decline", agreement))
    wf.termination_decline(
        agreement, remark="不同意", acting_user=user, confirmation=confirm(user, "termination/decline", agreement)
    )

    # A paper agreement, by another graduate.
    other = world.other_student.user
    assert other is not None
    data = {"employer_name": "大连星海教育咨询有限公司", "credit_code": "1210000046300354XU", "position_category": "24",
            "position": "课程顾问", "work_location": "210202", **PAPER_EXTRA}  # fmt: skip
    with pytest.raises(ConfirmationRequired):
        paper.paper_agreement_register(data, scan_name="协议书.pdf", scan=b"%PDF-1.4\n", acting_user=other)
    registered = paper.paper_agreement_register(
        data, scan_name="协议书.pdf", scan=b"%PDF-1.4\n", acting_user=other, confirmation=confirm(other, "paper")
    )
    assert registered.events.get().confirmation.action == "paper"  # type: ignore[attr-defined]

    # A 去向, bound to the version submitted: changed after the confirmation, the proof no longer fits.
    outsider = world.outsider_student.user
    assert outsider is not None
    svc.destination_update({"code": "70"}, acting_user=outsider)
    token = confirm(outsider, "destination_submit")
    svc.destination_update({"code": "71"}, acting_user=outsider)
    with pytest.raises(ConfirmationRequired, match="已变更"):
        svc.destination_submit(acting_user=outsider, confirmation=token)
    submitted = svc.destination_submit(acting_user=outsider, confirmation=confirm(outsider, "destination_submit"))
    assert submitted.events.get(action="submit").confirmation.action == "destination_submit"  # type: ignore[attr-defined]
