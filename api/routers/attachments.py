"""Proof files (毕业去向) and paper agreements' scans: their student and the student's reviewers only; others 404."""

from django.http import HttpRequest, HttpResponse
from ninja import Router

from api.schemas import binary, binary_answer, responses
from core.inputs import Id
from core.models import User
from core.selectors import get_attachment_for_user
from core.services.destinations import read_attachment
from web.downloads import download

router = Router(tags=["attachments"])
# An attachment is what its first bytes said it was when it was uploaded: one of these.
FILE_ANSWER = binary("application/pdf", "image/jpeg", "image/png")


@router.get(
    "/{attachment_id}",
    response=responses(None, 401, 403, 404),
    openapi_extra=FILE_ANSWER,
    summary="下载附件（学生本人和审核人）",
)
def attachment_file(request: HttpRequest, attachment_id: Id) -> HttpResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    attachment = get_attachment_for_user(user, attachment_id)
    return binary_answer(request, download(read_attachment(attachment), attachment.name, attachment.content_type))
