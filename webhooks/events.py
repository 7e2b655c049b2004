"""Which agreement events a school's systems can subscribe to, and the JSON each one carries (SPEC §8).

The body is `{"type": "agreement.<event>", "timestamp", "data"}`; `data` carries the agreement's id, status and
its label, number, the school's code, the student's 学号, the employer's name and the event's `sequence` (and a
few more keys that name the event), never the student's 身份证号 or phone: the receiver asks the API for more if
it may. Which type an event is sent as is the catalogue's (`core.catalogue`): one event, one type."""

from __future__ import annotations

import json
from typing import Any

from core.catalogue import AGREEMENT_EVENTS
from core.models import AgreementEvent, Status

EVENT_TYPES: dict[str, str] = {
    "agreement.invited": "单位发起邀约",
    "agreement.modified": "单位修改邀约",
    "agreement.withdrawn": "单位撤回邀约",
    "agreement.expired": "邀约已过期",
    "agreement.accepted": "学生同意邀约",
    "agreement.declined": "学生拒绝邀约",
    "agreement.approved": "签约审核通过",
    "agreement.returned": "签约审核退回",
    "agreement.effective": "协议书生效",
    "agreement.termination_requested": "申请解约",
    "agreement.termination_answered": "对方答复解约申请",
    "agreement.termination_returned": "解约审核退回",
    "agreement.terminated": "已解约",
}


def event_type_of(event: AgreementEvent) -> str | None:
    """The one webhook type of a recorded event, as the catalogue declares it (None: not sent). A 解约 declined or
    returned leaves the agreement effective again, and is still told as what it is, never as `agreement.effective`."""
    kind = AGREEMENT_EVENTS.get(event.action)
    return kind.webhook_type(event.new_status) if kind is not None else None


def payload(event: AgreementEvent, event_type: str) -> str:
    """The message body, serialised once: every attempt sends (and signs) exactly these bytes."""
    agreement = event.agreement
    student = agreement.student
    terms = agreement.current_terms
    status = event.new_status or agreement.status
    data: dict[str, Any] = {
        "agreement_id": agreement.pk,
        "status": status,
        "status_label": Status(status).label,
        "number": agreement.number,
        "school_code": agreement.school.code,
        "student_number": student.student_no,
        "employer_name": agreement.employer.name,
        # The event's place in the agreement's history (1, 2, 3, …): a receiver orders by it and sees a gap where
        # an event has no webhook type (撤回解约申请) or was not subscribed.
        "sequence": event.sequence,
        # Beyond the SPEC's keys: what happened, and the names a school's system shows.
        "event_id": event.pk,
        "action": event.action,
        "action_label": event.action_label,
        "remark": event.remark,
        "old_status": event.old_status,
        "occurred_at": event.created_at.isoformat(),
        "graduation_year": student.graduation_year,
        "college_name": agreement.college.name,
        "student_name": student.name,
        "employer_credit_code": agreement.employer.credit_code,
        # A paper 就业协议书 (registered by the student, reviewed by the school) has no `number` of ours: its own.
        "paper": agreement.paper,
        "paper_number": (terms.paper_number or None) if agreement.paper and terms is not None else None,
    }
    body = {"type": event_type, "timestamp": event.created_at.isoformat(), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
