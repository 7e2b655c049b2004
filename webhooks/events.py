"""Which agreement events a school's systems can subscribe to, and the JSON each one carries.

The payload follows the Standard Webhooks shape `{"type", "timestamp", "data"}`. It carries ids, numbers, the
status and its label, never the student's 身份证号 or phone: the receiver asks the API for more if it may."""

from __future__ import annotations

import json
from typing import Any

from core.models import AgreementEvent, Status

EVENT_TYPES: dict[str, str] = {
    "agreement.invited": "单位发起邀约",
    "agreement.accepted": "学生同意邀约",
    "agreement.declined": "学生拒绝邀约",
    "agreement.approved": "签约审核通过",
    "agreement.returned": "签约审核退回",
    "agreement.effective": "协议书生效",
    "termination.requested": "申请解约",
    "termination.answered": "对方答复解约申请",
    "termination.approved": "解约审核通过",
    "agreement.terminated": "已解约",
}

_BY_ACTION: dict[str, str] = {
    "invite": "agreement.invited",
    "accept": "agreement.accepted",
    "decline": "agreement.declined",
    "college_approve": "agreement.approved",
    "school_approve": "agreement.approved",
    "college_return": "agreement.returned",
    "school_return": "agreement.returned",
    "termination_request": "termination.requested",
    "termination_accept": "termination.answered",
    "termination_decline": "termination.answered",
    "termination_approve": "termination.approved",
}
# What the event's new status says beyond its action: an approval (or an acceptance with no review) that makes
# the agreement effective, an answer or approval that ends it.
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
    data: dict[str, Any] = {
        "event_id": event.pk,
        "action": event.action,
        "action_label": event.action_label,
        "remark": event.remark,
        "actor_role": event.actor_role,
        "occurred_at": event.created_at.isoformat(),
        "agreement": {
            "id": agreement.pk,
            "number": agreement.number,
            "status": event.new_status,
            "status_label": Status(event.new_status).label if event.new_status else "",
            "old_status": event.old_status,
            "new_status": event.new_status,
            "graduation_year": student.graduation_year,
        },
        "school": {"code": agreement.school.code, "name": agreement.school.name},
        "college": {"id": agreement.college_id, "name": agreement.college.name},
        "student": {"id": student.pk, "student_no": student.student_no, "name": student.name},
        "employer": {
            "id": agreement.employer_id,
            "name": agreement.employer.name,
            "credit_code": agreement.employer.credit_code,
        },
    }
    body = {"type": event_type, "timestamp": event.created_at.isoformat(), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
