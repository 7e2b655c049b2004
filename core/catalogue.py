"""The event catalogue: every workflow event, of an agreement and of a 毕业去向, declared once with everything the
product says or does about it (pretix's `LogEntryType` registry is the model): its 流程追踪 label, who is told by
消息 and with which sentence, who by e-mail and by SMS, its webhook type, and whether it binds the graduate.

Every place that shows or reacts to an event asks here: `core.services.events.record_event` labels the event and
writes the 消息 of the parties told, the 消息 pages print their sentence (`message_text`), `core.services.notify`
e-mails and texts the parties named here, and `webhooks` sends the one type declared here. Who is never told is
written once too (`parties_told`): the actor of their own act, and the employer of a paper agreement (it never
used the system for it), except a verified one of its registration (`PAPER_EMPLOYER_TOLD`).
`core/tests/test_catalogue.py` walks every recorded action and fails on one without an
entry, or on an entry nobody records.

An entry says what the event says in general; `outcomes` says what differs when the event leaves the agreement in
a given status (an acceptance with no review makes the agreement effective; a 解约 answered with yes ends it where
the school does not review 解约), so such a case is written once, here, and nowhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from core import codes
from core.models.org import Role
from core.models.status import Status

if TYPE_CHECKING:
    from core.models import AgreementEvent, DestinationEvent


class Party(enum.StrEnum):
    """Who an event can be told to: an agreement's two parties (the school acts on agreements, it is not told of
    them); of a 去向's events, also the graduate's school side (`SCHOOL`: the school's admins and the admins of the
    graduate's college), which must hear of what it cannot see coming, such as a graduate's 异议."""

    STUDENT = "student"
    EMPLOYER = "employer"
    SCHOOL = "school"


PARTY_OF_ROLE: Mapping[str, Party] = MappingProxyType({Role.STUDENT: Party.STUDENT, Role.EMPLOYER: Party.EMPLOYER})


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What an event says differently when it leaves the agreement in one status: a party's 消息 sentence, its
    webhook type. Anything not given here is the entry's own."""

    inbox: Mapping[Party, str] = field(default_factory=dict)
    webhook: str | None = None


@dataclass(frozen=True, kw_only=True)
class AgreementEventKind:
    """One kind of agreement event. Every field is given in every entry (none has a default), so an entry that
    forgets one does not load: `webhook=None` and `sms=""` are written out where there is none."""

    action: str
    label: str  # 流程追踪, and the e-mail's subject and first line
    # 消息: the parties told in the app and the sentence each reads; the actor's own party is never told.
    inbox: Mapping[Party, str]
    email: tuple[Party, ...]  # the parties told by e-mail too (the actor's never)
    sms: str  # to the student's roster phone: "{employer}", "{expires}", "{link}"; "" for none
    webhook: str | None  # the one webhook type the event is sent as (SPEC §8), None for none
    # Taken by the graduate, it is an act that binds them and needs their 本人确认 (SPEC §11).
    binds_graduate: bool
    outcomes: Mapping[str, Outcome]  # by the status the event leaves the agreement in

    def sentence(self, party: Party, new_status: str) -> str | None:
        """The 消息 sentence of `party` (None: not told), for an event that left the agreement in `new_status`."""
        outcome = self.outcomes.get(new_status)
        if outcome is not None and party in outcome.inbox:
            return outcome.inbox[party]
        return self.inbox.get(party)

    def webhook_type(self, new_status: str) -> str | None:
        outcome = self.outcomes.get(new_status)
        if outcome is not None and outcome.webhook is not None:
            return outcome.webhook
        return self.webhook


@dataclass(frozen=True, kw_only=True)
class DestinationEventKind:
    """One kind of 毕业去向 event: its label, who is told by 消息 (sentence: "{student}", "{remark}", "{kind}"), by
    e-mail, and the SMS to the graduate's roster phone ("{link}"); no webhook yet."""

    action: str
    label: str
    inbox: Mapping[Party, str]
    email: tuple[Party, ...]
    sms: str
    webhook: str | None
    binds_graduate: bool


S, E = Party.STUDENT, Party.EMPLOYER
NONE: Mapping[str, Outcome] = MappingProxyType({})

AGREEMENT_EVENTS: Mapping[str, AgreementEventKind] = MappingProxyType(
    {
        kind.action: kind
        for kind in (
            AgreementEventKind(
                action="invite",
                label="单位发起邀约",
                inbox={S: "{employer}向你发出了签约邀约，请查看并处理"},
                email=(S,),
                sms="{employer}向你发出签约邀约，请于{expires}前登录处理：{link}",
                webhook="agreement.invited",
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="modify",
                label="单位修改邀约",
                inbox={S: "{employer}修改了邀约内容，请查看变更并重新确认"},
                email=(S,),
                sms="{employer}修改了签约邀约，请于{expires}前登录处理：{link}",
                webhook="agreement.modified",
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="withdraw",
                label="单位撤回邀约",
                inbox={S: "{employer}撤回了邀约"},
                email=(S,),
                sms="",
                webhook="agreement.withdrawn",
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="accept",
                label="学生同意邀约",
                inbox={E: "{student}同意了签约邀约，协议已提交学校审核"},
                email=(E,),
                sms="",
                webhook="agreement.accepted",
                binds_graduate=True,
                outcomes={
                    Status.COLLEGE_REVIEW: Outcome(inbox={E: "{student}同意了签约邀约，协议已提交学院审核"}),
                    # A school that reviews nothing: the signature makes it effective, and that is what is told.
                    Status.EFFECTIVE: Outcome(
                        inbox={E: "{student}同意了签约邀约，协议已生效"}, webhook="agreement.effective"
                    ),
                },
            ),
            AgreementEventKind(
                action="decline",
                label="学生拒绝邀约",
                inbox={E: "{student}拒绝了签约邀约"},
                email=(E,),
                sms="",
                webhook="agreement.declined",
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="expire",
                label="邀约已过期",
                # The employer's e-mail comes from the reminders: one for all its invitations that expired together.
                inbox={S: "{employer}的邀约已过有效期", E: "发给{student}的签约邀约已过期，学生未应约"},
                email=(),
                sms="",
                webhook="agreement.expired",
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="college_approve",
                label="学院审核通过",
                inbox={S: "你与{employer}的协议已通过学院审核", E: "与{student}的协议已通过学院审核"},
                email=(),
                sms="",
                webhook="agreement.approved",
                binds_graduate=False,
                outcomes={
                    # A school that leaves the review to its colleges: the college's approval makes it effective.
                    Status.EFFECTIVE: Outcome(
                        inbox={
                            S: "你与{employer}的协议已通过学院审核，协议已生效",
                            E: "与{student}的协议已通过学院审核，协议已生效",
                        },
                        webhook="agreement.effective",
                    ),
                },
            ),
            AgreementEventKind(
                action="college_return",
                label="学院审核退回",
                inbox={S: "你与{employer}的协议被学院退回", E: "与{student}的协议被学院退回，请修改或撤回"},
                email=(S, E),
                sms="",
                webhook="agreement.returned",
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="school_approve",
                label="学校审核通过",
                inbox={
                    S: "你与{employer}的协议已通过学校审核，协议已生效",
                    E: "与{student}的协议已通过学校审核，协议已生效",
                },
                email=(S, E),
                sms="",
                # The school's approval always makes the agreement effective: it is told as that, once.
                webhook="agreement.effective",
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="school_return",
                label="学校审核退回",
                inbox={S: "你与{employer}的协议被学校退回", E: "与{student}的协议被学校退回，请修改或撤回"},
                email=(S, E),
                sms="",
                webhook="agreement.returned",
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="termination_request",
                label="申请解约",
                inbox={S: "{employer}向你提出解约申请，请处理", E: "{student}提出解约申请，请在“解约办理”中处理"},
                email=(S, E),
                sms="",
                webhook="agreement.termination_requested",
                binds_graduate=True,
                # A paper agreement's 解约 where the school does not review 解约 ends at once.
                outcomes={Status.TERMINATED: Outcome(webhook="agreement.terminated")},
            ),
            AgreementEventKind(
                action="termination_withdraw",
                label="撤回解约申请",
                # Only the student who asked may withdraw (an employer's request stands): the employer is told.
                inbox={E: "{student}撤回了解约申请"},
                email=(E,),
                sms="",
                # SPEC §8 names no type for it; the receiver sees the gap in `sequence` and asks the API.
                webhook=None,
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="termination_accept",
                label="同意解约",
                inbox={
                    S: "{employer}同意了你的解约申请，等待学校审核",
                    E: "{student}同意了贵单位的解约申请，等待学校审核",
                },
                email=(S, E),
                sms="",
                webhook="agreement.termination_answered",
                binds_graduate=True,
                outcomes={
                    # Where the school does not review 解约, the answer ends the agreement.
                    Status.TERMINATED: Outcome(
                        inbox={
                            S: "{employer}同意了你的解约申请，解约已生效",
                            E: "{student}同意了贵单位的解约申请，解约已生效",
                        },
                        webhook="agreement.terminated",
                    ),
                },
            ),
            AgreementEventKind(
                action="termination_decline",
                label="拒绝解约",
                inbox={S: "{employer}拒绝了你的解约申请", E: "{student}拒绝了贵单位的解约申请"},
                email=(S, E),
                sms="",
                webhook="agreement.termination_answered",
                binds_graduate=True,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="termination_approve",
                label="解约审核通过",
                inbox={
                    S: "学校已审核通过解约，你与{employer}的协议已解除",
                    E: "学校已审核通过与{student}的解约，协议已解除",
                },
                email=(S, E),
                sms="",
                webhook="agreement.terminated",
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="termination_return",
                label="解约审核退回",
                inbox={S: "学校退回了解约申请，协议恢复原状态", E: "学校退回了与{student}的解约申请，协议恢复原状态"},
                email=(S, E),
                sms="",
                webhook="agreement.termination_returned",
                binds_graduate=False,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="student_corrected",
                label="学校更正生源信息",
                inbox={S: "学校更正生源信息", E: "学校更正了{student}的生源信息"},
                email=(),
                sms="",
                webhook=None,
                binds_graduate=False,
                outcomes=NONE,
            ),
            # A paper agreement's own steps are the student's. Its employer is told of them only when it is a verified
            # employer of the platform (`PAPER_EMPLOYER_TOLD`): it may then check the paper and dispute it.
            AgreementEventKind(
                action="paper_register",
                label="学生登记纸质协议",
                inbox={
                    E: "{student}登记了与贵单位签订的纸质就业协议书，等待学校审核；如非贵单位所签，请在详情中提出异议"
                },
                email=(),
                sms="",
                webhook=None,
                binds_graduate=True,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="paper_resubmit",
                label="学生重新提交纸质协议",
                inbox={E: "{student}重新提交了与贵单位的纸质就业协议书，等待学校审核；如有异议请在协议详情中提出"},
                email=(),
                sms="",
                webhook=None,
                binds_graduate=True,
                outcomes=NONE,
            ),
            AgreementEventKind(
                action="paper_withdraw",
                label="学生撤回纸质协议登记",
                inbox={},
                email=(),
                sms="",
                webhook=None,
                binds_graduate=False,
                outcomes=NONE,
            ),
            # The verified employer named on a paper agreement says it did not sign it (issue 19 item 6(d)): the
            # student is told, the school's reviewer reads it atop the agreement; the status is the school's to change.
            AgreementEventKind(
                action="paper_dispute",
                label="单位对纸质协议提出异议",
                inbox={S: "{employer}对你登记的纸质协议提出异议，学校将予以核实"},
                email=(S,),
                sms="",
                webhook=None,
                binds_graduate=False,
                outcomes=NONE,
            ),
        )
    }
)


def _destination(
    action: str,
    label: str,
    *,
    binds_graduate: bool = False,
    inbox: Mapping[Party, str] = MappingProxyType({}),
    email: tuple[Party, ...] = (),
    sms: str = "",
) -> DestinationEventKind:
    return DestinationEventKind(
        action=action, label=label, inbox=inbox, email=email, sms=sms, webhook=None, binds_graduate=binds_graduate
    )


DESTINATION_EVENTS: Mapping[str, DestinationEventKind] = MappingProxyType(
    {
        kind.action: kind
        for kind in (
            _destination("update", "学生填写毕业去向"),
            _destination("attach", "学生上传附件"),
            _destination("detach", "学生删除附件"),
            _destination("submit", "学生提交审核", binds_graduate=True),
            # The graduate's own 去向 under review: a return waits on them (its reason to answer), an approval ends it.
            _destination("college_approve", "学院审核通过"),
            _destination("college_return", "学院审核退回", inbox={S: "毕业去向被学院退回，请修改后重新提交：{remark}"}),
            _destination("school_approve", "学校审核通过", inbox={S: "你的毕业去向（{kind}）已通过学校审核"}),
            _destination("school_return", "学校审核退回", inbox={S: "毕业去向被学校退回，请修改后重新提交：{remark}"}),
            _destination("agreement_effective", "就业协议书生效，自动登记"),
            _destination("agreement_terminated", "就业协议书解约，去向清空"),
            # It counts only once the graduate confirms it, and it may not be theirs: they are told in 消息, by e-mail
            # and on the roster phone.
            _destination(
                "staff_enter",
                "学校代为登记，待本人确认",
                inbox={Party.STUDENT: "学校为你代为登记了毕业去向（{kind}），请确认；如不是你的去向，请提出异议"},
                email=(Party.STUDENT,),
                sms="学校为你代为登记了毕业去向，请登录确认；如不是你的去向，请提出异议：{link}",
            ),
            _destination("confirm", "学生本人确认", binds_graduate=True),
            # The school cannot clear it (only the province does) and the graduate's reason is what it must answer to
            # the 核查: told in 消息 and by e-mail, as a 解约 or a return is told to an agreement's parties.
            _destination(
                "dispute",
                "学生提出异议",
                inbox={Party.SCHOOL: "{student}对学校代为登记的毕业去向提出异议：{remark}（待省级主管部门核查）"},
                email=(Party.SCHOOL,),
            ),
            # The province's finding closes what both sides were told of: the graduate and the school's side each
            # read it, with the province's 处理意见, in 消息 and by e-mail.
            _destination(
                "dispute_upheld",
                "省级主管部门：异议成立，去向撤销",
                inbox={
                    S: "省级主管部门认定你的异议成立，学校代为登记的去向已撤销，请登记你的去向。处理意见：{remark}",
                    Party.SCHOOL: "省级主管部门认定{student}的异议成立，代为登记的去向已撤销。处理意见：{remark}",
                },
                email=(S, Party.SCHOOL),
            ),
            _destination(
                "dispute_rejected",
                "省级主管部门：异议不成立，去向有效",
                inbox={
                    S: "省级主管部门认定你的异议不成立，学校代为登记的去向有效。处理意见：{remark}",
                    Party.SCHOOL: "省级主管部门认定{student}的异议不成立，去向有效并计入统计。处理意见：{remark}",
                },
                email=(S, Party.SCHOOL),
            ),
        )
    }
)


def agreement_event(action: str) -> AgreementEventKind:
    """The entry of an agreement event; an action without one is a KeyError, never a silent default."""
    return AGREEMENT_EVENTS[action]


def destination_event(action: str) -> DestinationEventKind:
    return DESTINATION_EVENTS[action]


# The events of a paper agreement its employer is told of, when it is a verified employer of the platform (it sees
# the agreement, read-only, and may dispute it); a 未注册 or unverified employer is never told.
PAPER_EMPLOYER_TOLD = frozenset({"paper_register", "paper_resubmit"})


def parties_told(
    kind: AgreementEventKind,
    parties: tuple[Party, ...],
    *,
    actor_role: str,
    paper: bool,
    paper_employer_verified: bool = False,
) -> tuple[Party, ...]:
    """Of `parties` (an entry's 消息 or e-mail parties), those told of this event: never the actor's own party;
    a paper agreement's employer only of `PAPER_EMPLOYER_TOLD`, and only when verified."""
    actor_party = PARTY_OF_ROLE.get(actor_role)
    employer_told = not paper or (paper_employer_verified and kind.action in PAPER_EMPLOYER_TOLD)
    return tuple(p for p in parties if p != actor_party and (p != Party.EMPLOYER or employer_told))


def destination_message_text(event: DestinationEvent, party: Party = Party.SCHOOL) -> str:
    """The 消息 sentence `party` reads for a 去向's event ("{student}", "{remark}", "{kind}": the 毕业去向 the event
    left); its label when the entry has none now."""
    kind = DESTINATION_EVENTS.get(event.action)
    sentence = kind.inbox.get(party) if kind is not None else None
    if sentence is None:
        return event.action_label
    label = codes.label("destination", event.code, default=event.code) if event.code else "未登记"
    return sentence.format(student=event.destination.student.name, remark=event.remark, kind=label)


def message_text(event: AgreementEvent, party: Party) -> str:
    """The 消息 sentence `party` reads for `event`, with the other party's name. An event told under an older
    catalogue to a party that has no sentence now reads as its label."""
    kind = AGREEMENT_EVENTS.get(event.action)
    sentence = kind.sentence(party, event.new_status) if kind is not None else None
    if sentence is None:
        return event.action_label
    agreement = event.agreement
    return sentence.format(student=agreement.student.name, employer=agreement.employer.name)
