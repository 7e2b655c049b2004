"""Model → the API's typed answer for one viewer. Employers see students' personal data masked, as the manual
shows it; the schemas (api/schemas.py) say what each answer carries."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse

from api.renderers import AnswerRenderer
from api.schemas import (
    AgreementDetailOut,
    AgreementOut,
    AttachmentOut,
    ConfirmedOut,
    DestinationDetailOut,
    DestinationFieldOut,
    DestinationFormOut,
    DestinationOut,
    DestinationVersionOut,
    EmployerAccountOut,
    EmployerOut,
    EventOut,
    MaskedStudentOut,
    MeOut,
    Named,
    RetiredAttachmentOut,
    SchoolRef,
    StudentOut,
    TerminationOut,
    TermsOut,
)
from core import codes
from core.destination_fields import DESTINATION_FIELDS, NEEDS_PROOF, REPORTABLE_CODES, form_specs
from core.fields import CODED_FIELDS, DISPATCH_FIELDS, TERMS_FIELDS
from core.masking import mask_email, mask_id_number, mask_phone
from core.models import (
    Agreement,
    AgreementTerms,
    Attachment,
    Destination,
    DestinationStatus,
    DestinationVersion,
    Employer,
    Role,
    Status,
    Student,
    Termination,
    User,
)
from core.models.agreements import RESPONSE_LABELS, review_status_label
from core.models.timeline import TimelineEvent
from core.rules import (
    ONCE_EFFECTIVE_STATUSES,
    action_list,
    destination_actions,
    shows_dispatch_fields,
    shows_dispatch_fields_of,
)
from core.selectors import destination_events, destination_versions, retired_attachments
from core.selectors.confirmations import confirmation_of, evidence_display
from core.selectors.destinations import AUDITORS


def code_labels(values: dict[str, Any]) -> dict[str, str]:
    return {
        f"{field}_label": codes.label(table, value, default=value)
        for field, table in CODED_FIELDS.items()
        if (value := values.get(field))
    }


def terms_data(terms: AgreementTerms | None, *, show_dispatch: bool = True) -> TermsOut | None:
    """One version of the terms; the 报到证 fields are left out where they are not shown (core.rules)."""
    if terms is None:
        return None
    values: dict[str, Any] = {
        field: getattr(terms, field) for field in TERMS_FIELDS if show_dispatch or field not in DISPATCH_FIELDS
    }
    # A paper agreement's own: its 协议书编号 and the unit's codes as printed (absent for an online agreement).
    paper = {
        field: value for field in ("paper_number", "unit_nature", "unit_location") if (value := getattr(terms, field))
    }
    if terms.unit_nature:
        paper["unit_nature_label"] = codes.label("nature", terms.unit_nature, default=terms.unit_nature)
    if terms.unit_location:
        paper["unit_location_label"] = codes.label("region", terms.unit_location, default=terms.unit_location)
    return TermsOut(version=terms.version, **values | code_labels(values) | paper)


def student_data(student: Student, viewer: User) -> StudentOut | MaskedStudentOut:
    shared: dict[str, Any] = {
        "id": student.pk,
        "name": student.name,
        "gender": student.gender,
        "graduation_year": student.graduation_year,
        "school": student.school.name,
        "college": student.college.name,
        "major": student.major.name,
        "degree": student.degree,
        "degree_label": student.get_degree_display(),
    }
    if viewer.role == Role.EMPLOYER:
        return MaskedStudentOut(
            student_no=None,
            id_number=mask_id_number(student.id_number),
            phone=mask_phone(student.phone),
            email=mask_email(student.email),
            **shared,
        )
    return StudentOut(
        student_no=student.student_no, id_number=student.id_number, phone=student.phone, email=student.email, **shared
    )


def masked_student_data(student: Student, viewer: User) -> MaskedStudentOut:
    """For the employer-only endpoints, whose schema promises masked data."""
    data = student_data(student, viewer)
    assert isinstance(data, MaskedStudentOut), "only an employer is shown a student through this path"
    return data


def employer_fields(employer: Employer) -> dict[str, Any]:
    return {
        "id": employer.pk,
        "name": employer.name,
        "credit_code": employer.credit_code,
        "contact_person": employer.contact_person,
        "phone": employer.phone,
        "email": employer.email,
        "address": employer.address,
        "nature": employer.nature,
        "location": employer.location,
        **code_labels({"nature": employer.nature, "location": employer.location}),
    }


def employer_data(employer: Employer) -> EmployerOut:
    return EmployerOut(**employer_fields(employer))


def termination_data(termination: Termination | None) -> TerminationOut | None:
    if termination is None:
        return None
    return TerminationOut(
        id=termination.pk,
        requester_role=termination.requester_role,
        reason=termination.reason,
        state=Termination.State(termination.state),
        state_label=termination.get_state_display(),
        previous_status=Status(termination.previous_status),
        response_remark=termination.response_remark,
        review_remark=termination.review_remark,
        created_at=termination.created_at,
    )


def _agreement_fields(agreement: Agreement, viewer: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": agreement.pk,
        "status": agreement.status,
        "status_label": agreement.get_status_display(),
        "response_status_label": agreement.response_status_label,
        "review_status_label": agreement.review_status_label,
        "number": agreement.number,
        "paper": agreement.paper,
        "school": SchoolRef(id=agreement.school_id, name=agreement.school.name, code=agreement.school.code),
        "student": student_data(agreement.student, viewer),
        "employer": employer_data(agreement.employer),
        "terms": terms_data(agreement.current_terms, show_dispatch=_shows_dispatch(agreement)),
        "accepted_terms_version": None,
        "invited_at": agreement.invited_at,
        "expires_at": agreement.expires_at,
        "signed_at": agreement.signed_at,
        "effective_at": agreement.effective_at,
        "terminated_at": agreement.terminated_at,
        "termination": termination_data(getattr(agreement, "_open_termination", None)),
        # What the viewer may do now, named as the action endpoints (SPEC §6).
        "actions": action_list(agreement, viewer),
    }
    if agreement.verification_code and agreement.status in ONCE_EFFECTIVE_STATUSES:
        data["verification_code"] = agreement.verification_code
    return data


def _shows_dispatch(agreement: Agreement) -> bool:
    return shows_dispatch_fields(agreement.school, agreement.student.graduation_year)


def agreement_data(agreement: Agreement, viewer: User) -> AgreementOut:
    return AgreementOut(**_agreement_fields(agreement, viewer))


# --- a list page's rows from values (core.selectors.agreement_values) ------------------------------------------
# The list answers these dicts as they are, without building a model or a pydantic answer per row: they are what
# `agreement_data(...).model_dump()` gives for the same agreement (api/tests/test_list_values.py holds the two equal
# for every role and every kind of row), and AgreementPage stays the list's documented schema.


class _Part:
    """The few attributes of a related row that core.rules reads, for `_RowAgreement`."""

    __slots__ = ("requester_role", "user_id", "verification_status")

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)


class _RowAgreement:
    """A list row as core.rules reads an agreement (`allowed_actions`): status, paper, parties and the open 解约."""

    __slots__ = (
        "college_id",
        "employer",
        "employer_id",
        "expires_at",
        "open_termination",
        "paper",
        "school_id",
        "status",
        "student",
    )

    def __init__(self, row: dict[str, Any]) -> None:
        self.status = row["status"]
        self.paper = row["paper"]
        self.expires_at = row["expires_at"]
        self.school_id = row["school_id"]
        self.college_id = row["college_id"]
        self.employer_id = row["employer_id"]
        self.student = _Part(user_id=row["student.user_id"])
        self.employer = _Part(verification_status=row["employer.verification_status"])
        requester = row["termination.requester_role"]
        self.open_termination = None if row["termination.id"] is None else _Part(requester_role=requester)


_STATUS_LABELS = {status.value: status.label for status in Status}
_DEGREE_LABELS = {degree.value: degree.label for degree in Student.Degree}
_STATE_LABELS = {state.value: state.label for state in Termination.State}
_PAPER_TERMS = ("paper_number", "unit_nature", "unit_location")


def _label(table: str, value: str) -> str:
    return codes.label(table, value, default=value)


def _row_student(row: dict[str, Any], viewer: User) -> dict[str, Any]:
    masked = viewer.role == Role.EMPLOYER
    return {
        "kind": "masked" if masked else "full",
        "id": row["student.id"],
        "student_no": None if masked else row["student.student_no"],
        "name": row["student.name"],
        "gender": row["student.gender"],
        "id_number": mask_id_number(row["student.id_number"]) if masked else row["student.id_number"],
        "phone": mask_phone(row["student.phone"]) if masked else row["student.phone"],
        "email": mask_email(row["student.email"]) if masked else row["student.email"],
        "graduation_year": row["student.graduation_year"],
        "school": row["school.name"],
        "college": row["student.college"],
        "major": row["student.major"],
        "degree": row["student.degree"],
        "degree_label": _DEGREE_LABELS.get(row["student.degree"], row["student.degree"]),
    }


def _row_employer(row: dict[str, Any]) -> dict[str, Any]:
    data = {
        "id": row["employer_id"],
        "name": row["employer.name"],
        "credit_code": row["employer.credit_code"],
        "contact_person": row["employer.contact_person"],
        "phone": row["employer.phone"],
        "email": row["employer.email"],
        "address": row["employer.address"],
        "nature": row["employer.nature"],
        "location": row["employer.location"],
    }
    if row["employer.nature"]:
        data["nature_label"] = _label("nature", row["employer.nature"])
    if row["employer.location"]:
        data["location_label"] = _label("region", row["employer.location"])
    return data


# Per whether a row shows the 报到证 fields: (answer key, row key) of each term, and (term, its label's key, its code
# table) of each coded term, in the order the loops over TERMS_FIELDS and CODED_FIELDS give them.
_TERMS_READ = {
    shown: tuple((field, f"terms.{field}") for field in TERMS_FIELDS if shown or field not in DISPATCH_FIELDS)
    for shown in (True, False)
}
_TERMS_LABELS = {
    shown: tuple(
        (field, f"{field}_label", table)
        for field, table in CODED_FIELDS.items()
        if field in TERMS_FIELDS and (shown or field not in DISPATCH_FIELDS)
    )
    for shown in (True, False)
}
_PAPER_READ = tuple((field, f"terms.{field}") for field in _PAPER_TERMS)


def _row_terms(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["terms.id"] is None:
        return None
    shown = bool(shows_dispatch_fields_of(row["school.show_dispatch_fields"], row["student.graduation_year"]))
    data: dict[str, Any] = {"version": row["terms.version"]}
    for field, key in _TERMS_READ[shown]:
        data[field] = row[key]
    for field, label, table in _TERMS_LABELS[shown]:
        if value := data[field]:
            data[label] = codes.label(table, value, default=value)
    for field, key in _PAPER_READ:
        if value := row[key]:
            data[field] = value
    if row["terms.unit_nature"]:
        data["unit_nature_label"] = _label("nature", row["terms.unit_nature"])
    if row["terms.unit_location"]:
        data["unit_location_label"] = _label("region", row["terms.unit_location"])
    return data


def _row_termination(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["termination.id"] is None:
        return None
    return {
        "id": row["termination.id"],
        "requester_role": row["termination.requester_role"],
        "reason": row["termination.reason"],
        "state": row["termination.state"],
        "state_label": _STATE_LABELS.get(row["termination.state"], row["termination.state"]),
        "previous_status": row["termination.previous_status"],
        "response_remark": row["termination.response_remark"],
        "review_remark": row["termination.review_remark"],
        "created_at": row["termination.created_at"],
    }


_RENDERER = AnswerRenderer()


def json_answer(request: HttpRequest, data: Any, status: int = 200) -> HttpResponse:
    """`data` (what a schema's model_dump gives) rendered as the API renders every answer."""
    return HttpResponse(
        _RENDERER.render(request, data, response_status=status),
        status=status,
        content_type=f"{_RENDERER.media_type}; charset={_RENDERER.charset}",
    )


def agreement_row_data(row: dict[str, Any], viewer: User) -> dict[str, Any]:
    """One list row (core.selectors.agreement_row_values) as AgreementOut answers it."""
    status = row["status"]
    agreement = cast(Agreement, _RowAgreement(row))
    data: dict[str, Any] = {
        "id": row["id"],
        "status": status,
        "status_label": _STATUS_LABELS.get(status, status),
        "response_status_label": RESPONSE_LABELS[Status(status)],
        "review_status_label": review_status_label(status, row["termination.previous_status"]),
        "number": row["number"],
        "school": {"id": row["school_id"], "name": row["school.name"], "code": row["school.code"]},
        "student": _row_student(row, viewer),
        "employer": _row_employer(row),
        "terms": _row_terms(row),
        "accepted_terms_version": None,
        "invited_at": row["invited_at"],
        "expires_at": row["expires_at"],
        "signed_at": row["signed_at"],
        "effective_at": row["effective_at"],
        "terminated_at": row["terminated_at"],
        "termination": _row_termination(row),
        "actions": action_list(agreement, viewer),
    }
    if row["verification_code"] and status in ONCE_EFFECTIVE_STATUSES:
        data["verification_code"] = row["verification_code"]
    data["paper"] = row["paper"]
    return data


def event_data(event: TimelineEvent, viewer: User | None = None) -> EventOut:
    """One line of 流程追踪, of an agreement or of a 去向 alike (they share `TimelineEvent`'s shape), with its
    本人确认 as `viewer` may read it (read with the event: `select_related("confirmation")`)."""
    shown = evidence_display(confirmation_of(event), viewer) if viewer is not None else None
    return EventOut(
        actor=event.actor_name,
        role=event.actor_role,
        action=event.action,
        action_label=event.action_label,
        remark=event.remark,
        old_status=event.old_status,
        new_status=event.new_status,
        sequence=event.sequence,
        time=event.created_at,
        confirmation=(
            ConfirmedOut(
                method=shown["method"],
                method_label=shown["label"],
                time=shown["time"],
                details=shown["details"],
            )
            if shown
            else None
        ),
    )


def agreement_detail(agreement: Agreement, viewer: User) -> AgreementDetailOut:
    data = _agreement_fields(agreement, viewer)
    versions = list(agreement.terms_versions.all())
    accepted = next((t for t in versions if t.pk == agreement.accepted_terms_id), None)
    data["accepted_terms_version"] = accepted.version if accepted else None
    data["terms_versions"] = [terms_data(t, show_dispatch=_shows_dispatch(agreement)) for t in versions]
    data["events"] = [event_data(e, viewer) for e in agreement.events.select_related("confirmation")]
    viewer_is_employer = viewer.role == Role.EMPLOYER
    data["attachments"] = [] if viewer_is_employer else [attachment_data(a) for a in agreement.attachments.all()]
    if data["termination"] is None and (last := agreement.terminations.first()) is not None:
        data["termination"] = termination_data(last)
    return AgreementDetailOut(**data)


def me_data(user: User) -> MeOut:
    school = Named(id=user.school.pk, name=user.school.name) if user.school else None
    employer = None
    if user.employer:
        employer = EmployerAccountOut(
            **employer_fields(user.employer),
            verification_status=Employer.Verification(user.employer.verification_status),
            profile_complete=user.employer.profile_complete,
        )
    student = getattr(user, "student", None) if user.role == Role.STUDENT else None
    student_out = None
    if student is not None:
        full = student_data(student, user)
        assert isinstance(full, StudentOut)
        student_out = full
        school = Named(id=student.school_id, name=student.school.name)
    return MeOut(
        id=user.pk,
        username=user.username,
        name=user.name,
        role=user.role,
        role_label=user.get_role_display() if user.role else "",
        must_change_password=user.must_change_password,
        school=school,
        college=Named(id=user.college.pk, name=user.college.name) if user.college else None,
        employer=employer,
        student=student_out,
    )


# --- 毕业去向 -------------------------------------------------------------------------------------------------


def attachment_data(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.pk,
        name=attachment.name,
        content_type=attachment.content_type,  # type: ignore[arg-type]  # sniffed: one of the three
        size=attachment.size,
        url=f"/api/v1/attachments/{attachment.pk}",
        created_at=attachment.created_at,
    )


def destination_version_data(version: DestinationVersion) -> DestinationVersionOut:
    values: dict[str, Any] = {name: getattr(version, name) for name in DESTINATION_FIELDS}
    labels: dict[str, Any] = {}
    if version.unit_nature:
        labels["unit_nature_label"] = codes.label("nature", version.unit_nature, default=version.unit_nature)
    if version.unit_location:
        labels["unit_location_label"] = codes.label("region", version.unit_location, default=version.unit_location)
    return DestinationVersionOut(
        version=version.version,
        code=version.code,
        code_label=codes.label("destination", version.code, default=version.code),
        created_at=version.created_at,
        **values,
        **labels,
    )


def _destination_fields(destination: Destination, viewer: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": destination.pk,
        "student": student_data(destination.student, viewer),
        "status": destination.status,
        "status_label": destination.get_status_display(),
        "source": destination.source,
        "code": destination.code,
        "current": destination_version_data(destination.current) if destination.current else None,
        "agreement_id": destination.agreement_id,
        "attachments": [attachment_data(a) for a in destination.attachments.all()],
        "submitted_at": destination.submitted_at,
        "approved_at": destination.approved_at,
        "updated_at": destination.updated_at,
        "actions": destination_actions(destination, viewer),
    }
    if destination.code:
        data["code_label"] = codes.label("destination", destination.code, default=destination.code)
    return data


def destination_data(destination: Destination, viewer: User) -> DestinationOut:
    return DestinationOut(**_destination_fields(destination, viewer))


def destination_detail(destination: Destination, viewer: User) -> DestinationDetailOut:
    data = _destination_fields(destination, viewer)
    events = destination_events(destination)
    data["versions"] = [destination_version_data(v) for v in destination_versions(destination)]
    data["events"] = [event_data(e, viewer) for e in events]
    if viewer.role in AUDITORS:
        data["retired_attachments"] = [
            RetiredAttachmentOut(
                **attachment_data(a).model_dump(),
                retired_at=a.retired_at,  # type: ignore[arg-type]  # never None in retired_attachments()
                retired_reason=a.retired_reason,  # type: ignore[arg-type]  # set with retired_at
            )
            for a in retired_attachments(viewer, destination)
        ]
    if destination.status == DestinationStatus.RETURNED:
        returns = [e for e in events if e.action.endswith("_return")]
        if returns:
            data["return_remark"] = returns[-1].remark
    return DestinationDetailOut(**data)


def destination_forms() -> list[DestinationFormOut]:
    answers = []
    for code in REPORTABLE_CODES:
        fields = []
        for spec in form_specs(code).values():
            extra: dict[str, Any] = {}
            if spec.code_table:
                extra["code_table"] = spec.code_table
            if spec.max_length:
                extra["max_length"] = spec.max_length
            fields.append(
                DestinationFieldOut(name=spec.name, label=spec.label, kind=spec.kind, required=spec.required, **extra)
            )
        answers.append(
            DestinationFormOut(
                code=code, label=codes.label("destination", code), needs_attachment=code in NEEDS_PROOF, fields=fields
            )
        )
    return answers
