from django.http import HttpRequest
from ninja import Router

from api.schemas import VerificationOut, responses
from core.errors import NotFound
from core.models import Status
from documents.selectors import public_verification

router = Router(tags=["verify"])


@router.get("/{code}", auth=None, response=responses(VerificationOut, 404), summary="协议书验证（公开）")
def verify(request: HttpRequest, code: str) -> VerificationOut:
    """The code as printed (K7QF-2M9X-TR4D), in lower case or with spaces, finds the same agreement."""
    verification = public_verification(code)
    if verification is None:
        raise NotFound("未找到该验证码对应的协议书，请核对验证码", code="unknown_code")
    agreement = verification.agreement
    return VerificationOut(
        exists=True,
        effective=verification.effective,
        status=Status(agreement.status),
        status_label=agreement.get_status_display(),
        number=agreement.number,
        employer=agreement.employer.name,
        student=verification.student_name,
        school=agreement.school.name,
        effective_at=agreement.effective_at,
        terminated_at=agreement.terminated_at,
        confirmed_by=confirmation.method if (confirmation := verification.confirmation) else None,  # type: ignore[arg-type]
        confirmed_at=confirmation.verified_at if confirmation else None,
    )
