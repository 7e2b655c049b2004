"""我的档案 (issue 21 item 4): everything on record for one graduate, as 学信网's self-check shows it — every
agreement (any status, online or paper) and the 毕业去向 with each version, who entered each and when, every 流程追踪
line with the 本人确认 it carried and its place in the audit ledger. Read by the student's page and GET
/api/v1/me/record; a constant number of queries whatever the history (agreements, their events with their
confirmations, the 去向 with its versions and events, the ledger entries)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from core import codes
from core.models import Agreement, AgreementEvent, Role, Student, User
from core.models.destinations import Destination, DestinationEvent
from core.models.ledger import AGREEMENT_EVENT, DESTINATION_EVENT
from core.selectors.ledger import entries_for

AGREEMENT_CODE = "10"  # 签就业协议形式就业: set by an agreement, never reported by hand (core.destination_fields)


def role_label(role: str) -> str:
    """Who an actor was, in words (学生, 用人单位, 学院管理员, 学校管理员, 省级主管部门), or 系统 for the platform."""
    return Role(role).label if role in Role.values else "系统"


@dataclass
class RecordEvent:
    time: datetime.datetime
    action: str
    actor: str
    actor_role: str
    actor_role_label: str
    remark: str
    confirmed_by: str  # 本人确认's method (通行密钥 / 短信验证码), "" without one
    ledger_seq: int | None  # its row in the audit ledger, None when not chained (yet)

    def as_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "action": self.action,
            "actor": self.actor,
            "actor_role": self.actor_role,
            "actor_role_label": self.actor_role_label,
            "remark": self.remark,
            "confirmed_by": self.confirmed_by,
            "ledger_seq": self.ledger_seq,
        }


@dataclass
class RecordAgreement:
    agreement: Agreement
    number: str
    entered_by: RecordEvent | None  # the first 流程追踪 line: who put it on record, and when
    events: list[RecordEvent] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        a = self.agreement
        return {
            "id": a.pk,
            "number": self.number,
            "paper": a.paper,
            "employer": a.employer.name,
            "status": a.status,
            "status_label": a.get_status_display(),
            "invited_at": a.invited_at,
            "effective_at": a.effective_at,
            "terminated_at": a.terminated_at,
            "entered_by": None if self.entered_by is None else self.entered_by.as_dict(),
            "events": [e.as_dict() for e in self.events],
        }


@dataclass
class RecordVersion:
    version: int
    code: str
    code_label: str
    unit_or_school: str
    entered_by: str
    entered_by_role_label: str
    created_at: datetime.datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "code": self.code,
            "code_label": self.code_label,
            "unit_or_school": self.unit_or_school,
            "entered_by": self.entered_by,
            "entered_by_role_label": self.entered_by_role_label,
            "created_at": self.created_at,
        }


@dataclass
class RecordDestination:
    destination: Destination
    versions: list[RecordVersion]
    events: list[RecordEvent]

    def as_dict(self) -> dict[str, Any]:
        d = self.destination
        return {
            "id": d.pk,
            "status": d.status,
            "status_label": d.get_status_display(),
            "code": d.code,
            "code_label": d.code_label,
            "source_label": d.get_source_display(),
            "versions": [v.as_dict() for v in self.versions],
            "events": [e.as_dict() for e in self.events],
        }


@dataclass
class StudentRecord:
    student: Student
    agreements: list[RecordAgreement]
    destination: RecordDestination | None

    def as_dict(self) -> dict[str, Any]:
        s = self.student
        return {
            "student": {
                "student_no": s.student_no,
                "name": s.name,
                "school": s.school.name,
                "college": s.college.name,
                "major": s.major.name,
                "graduation_year": s.graduation_year,
            },
            "agreements": [a.as_dict() for a in self.agreements],
            "destination": None if self.destination is None else self.destination.as_dict(),
        }


def _event(e: AgreementEvent | DestinationEvent, seq: int | None) -> RecordEvent:
    confirmation = getattr(e, "confirmation", None)
    return RecordEvent(
        time=e.created_at,
        action=e.action_label,
        actor="本人" if e.actor_role == Role.STUDENT else e.actor_name,
        actor_role=e.actor_role,
        actor_role_label=role_label(e.actor_role),
        remark=e.remark,
        confirmed_by=confirmation.get_method_display() if confirmation is not None else "",
        ledger_seq=seq,
    )


def student_record(student: Student) -> StudentRecord:
    agreements = list(
        Agreement.objects.filter(student=student)
        .select_related("employer", "current_terms")
        .order_by("invited_at", "pk")
    )
    a_events = list(
        AgreementEvent.objects.filter(agreement__in=agreements)
        .select_related("confirmation")
        .order_by("agreement_id", "sequence", "pk")
    )
    destination = (
        Destination.objects.filter(student=student).select_related("agreement").prefetch_related("versions").first()
    )
    d_events: list[DestinationEvent] = []
    if destination is not None:
        d_events = list(destination.events.select_related("confirmation").order_by("sequence", "pk"))
    wanted = [(AGREEMENT_EVENT, e.pk) for e in a_events] + [(DESTINATION_EVENT, e.pk) for e in d_events]
    seqs = {(entry.kind, entry.object_id): entry.seq for entry in entries_for(wanted)}

    by_agreement: dict[int, list[RecordEvent]] = {}
    for e in a_events:
        by_agreement.setdefault(e.agreement_id, []).append(_event(e, seqs.get((AGREEMENT_EVENT, e.pk))))
    rows = []
    for a in agreements:
        events = by_agreement.get(a.pk, [])
        number = (a.current_terms.paper_number if a.paper and a.current_terms else a.number) or ""
        rows.append(
            RecordAgreement(agreement=a, number=number, entered_by=events[0] if events else None, events=events)
        )

    record_destination = None
    if destination is not None:
        versions = sorted(destination.versions.all(), key=lambda v: v.version)
        ids = {v.created_by_id for v in versions if v.created_by_id is not None}
        users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        record_versions = []
        for v in versions:
            author = users.get(v.created_by_id) if v.created_by_id is not None else None
            if v.code == AGREEMENT_CODE:  # only an effective agreement writes it, at the school's approval
                name, role = "由就业协议书自动登记", "系统"
            elif author is None:
                name, role = "—", "系统"
            elif author.role == Role.STUDENT:
                name, role = "本人", role_label(author.role)
            else:
                name, role = author.display_name or author.username, role_label(author.role)
            record_versions.append(
                RecordVersion(
                    version=v.version,
                    code=v.code,
                    code_label=codes.label("destination", v.code, default=v.code),
                    unit_or_school=v.unit_name or v.school_name,
                    entered_by=name,
                    entered_by_role_label=role,
                    created_at=v.created_at,
                )
            )
        record_destination = RecordDestination(
            destination=destination,
            versions=record_versions,
            events=[_event(e, seqs.get((DESTINATION_EVENT, e.pk))) for e in d_events],
        )
    return StudentRecord(student=student, agreements=rows, destination=record_destination)
