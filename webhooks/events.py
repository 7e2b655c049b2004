"""Which agreement events a school's systems can subscribe to, and the JSON each one carries (SPEC §8).

The body is `{"type": "agreement.<event>", "timestamp", "data"}`; `data` carries the agreement's id, status and
its label, number, the school's code, the student's 学号 and the employer's name (and a few more keys that
name the event), never the student's 身份证号 or phone: the receiver asks the API for more if it may."""

from __future__ import annotations

import json
from typing import Any

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

_BY_ACTION: dict[str, str] = {
    "invite": "agreement.invited",
    "modify": "agreement.modified",
    "withdraw": "agreement.withdrawn",
    "expire": "agreement.expired",
    "accept": "agreement.accepted",
    "decline": "agreement.declined",
    "college_approve": "agreement.approved",
    "school_approve": "agreement.approved",
    "college_return": "agreement.returned",
    "school_return": "agreement.returned",
    "termination_request": "agreement.termination_requested",
    "termination_accept": "agreement.termination_answered",
    "termination_decline": "agreement.termination_answered",
    "termination_return": "agreement.termination_returned",
}
# What the event's new status says beyond its action: an approval (or an acceptance with no review) that makes
# the agreement effective; an answer or the school's 解约审核 that ends it.
_BY_NEW_STATUS: dict[str, str] = {
    Status.EFFECTIVE: "agreement.effective",
    Status.TERMINATED: "agreement.terminated",
}


def event_types_of(action: str, old_status: str, new_status: str) -> list[str]:
    types = [_BY_ACTION[action]] if action in _BY_ACTION else []
    if new_status != old_status and new_status in _BY_NEW_STATUS:
        types.append(_BY_NEW_STATUS[new_status])
    return types


def payload(event: AgreementEvent, event_type: str) -> str:
    """The message body, serialised once: every attempt sends (and signs) exactly these bytes."""
    agreement = event.agreement
    student = agreement.student
    status = event.new_status or agreement.status
    data: dict[str, Any] = {
        "agreement_id": agreement.pk,
        "status": status,
        "status_label": Status(status).label,
        "number": agreement.number,
        "school_code": agreement.school.code,
        "student_number": student.student_no,
        "employer_name": agreement.employer.name,
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
    }
    body = {"type": event_type, "timestamp": event.created_at.isoformat(), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
