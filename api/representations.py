"""Model → JSON for one viewer. Employers see students' personal data masked, as the manual shows it."""

from __future__ import annotations

from typing import Any

from core import codes
from core.masking import mask_email, mask_id_number, mask_phone
from core.models import Agreement, AgreementTerms, Employer, Role, Student, Termination, User
from core.rules import ONCE_EFFECTIVE_STATUSES, action_list
from core.services.terms import TERMS_FIELDS

CODE_FIELDS = {
    "position_category": "position_category",
    "archive_receiving": "archive_receiving",
    "affiliation": "affiliation",
    "hukou_receiving": "hukou_receiving",
    "work_location": "region",
    "dispatch_location": "region",
    "nature": "nature",
    "location": "region",
}


def code_labels(values: dict[str, Any]) -> dict[str, str]:
    return {
        f"{field}_label": codes.label(table, value, default=value)
        for field, table in CODE_FIELDS.items()
        if (value := values.get(field))
    }


def terms_data(terms: AgreementTerms | None) -> dict[str, Any] | None:
    if terms is None:
        return None
    values = {field: getattr(terms, field) for field in TERMS_FIELDS}
    return {"version": terms.version, **values, **code_labels(values)}


def student_data(student: Student, viewer: User) -> dict[str, Any]:
    masked = viewer.role == Role.EMPLOYER
    return {
        "id": student.pk,
        "student_no": None if masked else student.student_no,
        "name": student.name,
        "gender": student.gender,
        "id_number": mask_id_number(student.id_number) if masked else student.id_number,
        "phone": mask_phone(student.phone) if masked else student.phone,
        "email": mask_email(student.email) if masked else student.email,
        "graduation_year": student.graduation_year,
        "school": student.school.name,
        "college": student.college.name,
        "major": student.major.name,
        "degree": student.degree,
        "degree_label": student.get_degree_display(),
    }


def employer_data(employer: Employer) -> dict[str, Any]:
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


def termination_data(termination: Termination | None) -> dict[str, Any] | None:
    if termination is None:
        return None
    return {
        "id": termination.pk,
        "requester_role": termination.requester_role,
        "reason": termination.reason,
        "state": termination.state,
        "state_label": termination.get_state_display(),
        "previous_status": termination.previous_status,
        "response_remark": termination.response_remark,
        "review_remark": termination.review_remark,
        "created_at": termination.created_at,
    }


def agreement_data(agreement: Agreement, viewer: User, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": agreement.pk,
        "status": agreement.status,
        "status_label": agreement.get_status_display(),
        "response_status_label": agreement.response_status_label,
        "review_status_label": agreement.review_status_label,
        "number": agreement.number,
        "school": {"id": agreement.school_id, "name": agreement.school.name, "code": agreement.school.code},
        "student": student_data(agreement.student, viewer),
        "employer": employer_data(agreement.employer),
        "terms": terms_data(agreement.current_terms),
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
    if detail:
        versions = list(agreement.terms_versions.all())
        accepted = next((t for t in versions if t.pk == agreement.accepted_terms_id), None)
        data["accepted_terms_version"] = accepted.version if accepted else None
        data["terms_versions"] = [terms_data(t) for t in versions]
        data["events"] = [
            {
                "actor": e.actor_name,
                "role": e.actor_role,
                "action": e.action,
                "action_label": e.action_label,
                "remark": e.remark,
                "old_status": e.old_status,
                "new_status": e.new_status,
                "time": e.created_at,
            }
            for e in agreement.events.all()
        ]
        last = agreement.terminations.first()
        if data["termination"] is None and last is not None:
            data["termination"] = termination_data(last)
    return data


def me_data(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "role_label": user.get_role_display() if user.role else "",
        "must_change_password": user.must_change_password,
        "school": {"id": user.school.pk, "name": user.school.name} if user.school else None,
        "college": {"id": user.college.pk, "name": user.college.name} if user.college else None,
        "employer": None,
        "student": None,
    }
    if user.employer:
        data["employer"] = {
            **employer_data(user.employer),
            "verification_status": user.employer.verification_status,
            "profile_complete": user.employer.profile_complete,
        }
    student = getattr(user, "student", None) if user.role == Role.STUDENT else None
    if student is not None:
        data["student"] = student_data(student, user)
        data["school"] = {"id": student.school_id, "name": student.school.name}
    return data
