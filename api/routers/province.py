"""省级主管部门 (issue 21): its schools' figures for one 毕业年度 (read-only), and closing a graduate's 异议 (SPEC §11:
only the province closes it). Any other role answers 403; a 去向 outside its schools 404."""

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from api.schemas import Answer, ProvinceSchoolsOut, binary, binary_answer, responses
from core.inputs import Id
from core.models import User
from core.replicas import replica_reads
from core.selectors import get_employer_for_province
from core.services.destinations import destination_dispute_close
from core.services.licences import read_licence, retired_licence_content
from core.services.province_stats import checked_year, province_of, province_stats
from web.downloads import download

router = Router(tags=["province"])


@router.get(
    "/schools",
    response=responses(ProvinceSchoolsOut, 400, 401, 403),
    summary="省级主管部门：所辖院校的生源、签约率、去向落实率、各去向占比、本人确认占比与逐周变化",
)
@replica_reads
def schools(request: HttpRequest, graduation_year: int | None = None) -> ProvinceSchoolsOut:
    user: User = request.auth  # type: ignore[attr-defined]
    province = province_of(user)
    return ProvinceSchoolsOut.model_validate(province_stats(province, checked_year(graduation_year)).as_dict())


class DisputeCloseIn(Schema):
    upheld: bool
    remark: str = ""


class DisputeClosedOut(Answer):
    id: int
    status: str = Field(description="unregistered（异议成立，去向撤销）或 approved（异议不成立，去向有效）")
    status_label: str
    code: str


@router.post(
    "/destinations/{destination_id}/dispute",
    response=responses(DisputeClosedOut, 400, 401, 403, 404, 409),
    summary="处理学生异议：upheld 为 true 异议成立（撤销去向），false 异议不成立（去向有效）",
)
def dispute_close(request: HttpRequest, destination_id: Id, payload: DisputeCloseIn) -> DisputeClosedOut:
    user: User = request.auth  # type: ignore[attr-defined]
    closed = destination_dispute_close(destination_id, upheld=payload.upheld, remark=payload.remark, acting_user=user)
    return DisputeClosedOut(
        id=closed.pk, status=closed.status, status_label=closed.get_status_display(), code=closed.code
    )


LICENCE_TYPES = ("application/pdf", "image/jpeg", "image/png")


@router.get(
    "/employers/{employer_id}/licence",
    response=responses(None, 401, 403, 404),
    openapi_extra=binary(*LICENCE_TYPES),
    summary="所辖院校签约或审核过的单位的营业执照扫描件（佐证材料）",
)
def licence(request: HttpRequest, employer_id: Id) -> HttpResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    province_of(user)
    employer = get_employer_for_province(user, employer_id)
    content = read_licence(employer)
    return binary_answer(request, download(content, employer.licence_name, employer.licence_type, inline=True))


@router.get(
    "/employers/{employer_id}/licences/{licence_id}",
    response=responses(None, 401, 403, 404),
    openapi_extra=binary(*LICENCE_TYPES),
    summary="该单位此前上传并已被替换的营业执照扫描件（留存备查）",
)
def retired_licence(request: HttpRequest, employer_id: Id, licence_id: Id) -> HttpResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    province_of(user)
    kept, content = retired_licence_content(get_employer_for_province(user, employer_id), licence_id)
    return binary_answer(request, download(content, kept.name, kept.content_type, inline=True))
