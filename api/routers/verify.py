from django.http import HttpRequest
from ninja import Router

from api.schemas import VerificationOut, responses
from core.errors import NotFound
from core.masking import mask_name
from core.models import Agreement, Status

router = Router(tags=["公开验证"])


@router.get("/{code}", auth=None, response=responses(VerificationOut, 404), summary="协议书验证（公开）")
def verify(request: HttpRequest, code: str) -> VerificationOut:
    agreement = (
        Agreement.objects.select_related("employer", "student", "school")
        .filter(verification_code=code.strip().upper())
        .first()
    )
    if agreement is None:
        raise NotFound("未找到该验证码对应的协议书，请核对验证码", code="unknown_code")
    return VerificationOut(
        exists=True,
        effective=agreement.status == "effective",
        status=Status(agreement.status),
        status_label=agreement.get_status_display(),
        number=agreement.number,
        employer=agreement.employer.name,
        student=mask_name(agreement.student.name),
        school=agreement.school.name,
        effective_at=agreement.effective_at,
        terminated_at=agreement.terminated_at,
    )
