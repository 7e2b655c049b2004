"""AgreementDocumentData from the core models: every code turned into its label, every time into local time."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.fields import PROFILE_FIELDS, TERMS_FIELDS, FieldSpec
from core.models import Agreement, AgreementTerms, Status
from core.rules import shows_dispatch_fields
from documents.data import (
    AgreementDocumentData,
    AgreementTermsData,
    EmployerParty,
    ReviewEntry,
    SchoolParty,
    StudentParty,
)

TERMINATED_WATERMARK = "已解约"
DRAFT_WATERMARK = "未生效"


def _label(spec: FieldSpec, code: str) -> str:
    # Stored codes may outlive a revision of the table: print the raw code rather than fail the document.
    return spec.display(code, empty="")


def format_code(code: str) -> str:
    """K7QF2M9XTR4D -> K7QF-2M9X-TR4D: groups of four are easier to read off paper and type back."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def verify_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("documents:verify_code", args=[code])


def load_agreement(agreement_id: int) -> Agreement:
    return Agreement.objects.select_related(
        "school", "student", "student__college", "student__major", "employer", "current_terms", "accepted_terms"
    ).get(pk=agreement_id)


def _terms(terms: AgreementTerms, *, show_dispatch: bool) -> AgreementTermsData:
    return AgreementTermsData(
        unit_name=terms.unit_name,
        position_category_label=_label(TERMS_FIELDS["position_category"], terms.position_category),
        position=terms.position,
        archive_receiving_label=_label(TERMS_FIELDS["archive_receiving"], terms.archive_receiving),
        archive_unit_name=terms.archive_unit_name,
        archive_address=terms.archive_address,
        archive_postcode=terms.archive_postcode,
        archive_contact=terms.archive_contact,
        archive_phone=terms.archive_phone,
        affiliation_label=_label(TERMS_FIELDS["affiliation"], terms.affiliation),
        hukou_receiving_label=_label(TERMS_FIELDS["hukou_receiving"], terms.hukou_receiving),
        hukou_address=terms.hukou_address,
        work_location_label=_label(TERMS_FIELDS["work_location"], terms.work_location),
        monthly_salary=terms.monthly_salary,
        probation_months=terms.probation_months,
        liquidated_damages=terms.liquidated_damages,
        other_terms=terms.other_terms,
        show_dispatch=show_dispatch,
        dispatch_title=terms.dispatch_title,
        dispatch_location_label=_label(TERMS_FIELDS["dispatch_location"], terms.dispatch_location),
    )


def build_document_data(agreement: Agreement, *, draft: bool = False) -> AgreementDocumentData:
    """What the PDF prints for `agreement` now. A draft (before the school's approval) is watermarked 未生效."""
    school, employer, student = agreement.school, agreement.employer, agreement.student
    # The student agreed to `accepted_terms`; while a modification awaits consent `current_terms` is newer,
    # but a draft shows what is being proposed.
    terms = agreement.current_terms if draft or agreement.accepted_terms is None else agreement.accepted_terms
    assert terms is not None, "an agreement always has terms"
    events = tuple(
        ReviewEntry(
            time=timezone.localtime(event.created_at).replace(tzinfo=None),
            actor=event.actor_name,
            action=event.action_label,
            remark=event.remark,
        )
        for event in agreement.events.order_by("created_at", "id")
    )
    code = agreement.verification_code if not draft else None
    if draft:
        watermark: str | None = DRAFT_WATERMARK
    elif agreement.status == Status.TERMINATED:
        watermark = TERMINATED_WATERMARK
    else:
        watermark = None
    return AgreementDocumentData(
        school=SchoolParty(name=school.name, code=school.code),
        employer=EmployerParty(
            name=employer.name,
            credit_code=employer.credit_code,
            contact_person=employer.contact_person,
            phone=employer.phone,
            email=employer.email,
            address=employer.address,
            nature_label=_label(PROFILE_FIELDS["nature"], employer.nature),
            location_label=_label(PROFILE_FIELDS["location"], employer.location),
        ),
        student=StudentParty(
            name=student.name,
            gender=student.gender,
            id_number=student.id_number,
            student_no=student.student_no,
            degree_label=student.get_degree_display(),
            college=student.college.name,
            major=student.major.name,
            graduation_year=student.graduation_year,
            phone=student.phone,
            email=student.email,
        ),
        terms=_terms(terms, show_dispatch=shows_dispatch_fields(school, student.graduation_year)),
        terms_version=terms.version,
        number=None if draft else agreement.number,
        verification_code=format_code(code) if code else None,
        verify_url=verify_url(code) if code else None,
        events=events,
        signed_date=timezone.localdate(agreement.signed_at) if agreement.signed_at else None,
        effective_date=timezone.localdate(agreement.effective_at) if agreement.effective_at and not draft else None,
        watermark=watermark,
        digitally_signed=not draft,
        issued_at=timezone.localtime(),
    )
