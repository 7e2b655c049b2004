"""我的档案 (issue 21 item 4): the graduate's own record, with its chain proof. Students only (403 otherwise)."""

from django.http import HttpRequest
from ninja import Router

from api.schemas import MeRecordOut, responses
from core.errors import Forbidden, InvalidInput
from core.models import Role, User
from core.selectors import student_for_user
from core.selectors.ledger import student_record_proof
from core.selectors.record import student_record

router = Router(tags=["record"])


@router.get("", response=responses(MeRecordOut, 401, 403, 404), summary="我的档案：我的全部协议和毕业去向及其记录证明")
def me_record(request: HttpRequest) -> MeRecordOut:
    user: User = request.auth  # type: ignore[attr-defined]
    if user.role != Role.STUDENT:
        raise Forbidden("仅学生可以查看我的档案", code="forbidden_role")
    student = student_for_user(user)
    data = student_record(student).as_dict()
    try:
        proof, error = student_record_proof(student), ""
    except InvalidInput as exc:
        proof, error = None, exc.detail
    return MeRecordOut.model_validate({**data, "proof": proof, "proof_error": error})
