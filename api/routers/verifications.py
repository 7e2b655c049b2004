"""核查 campaigns (issue 21 item 2): a province admin over its schools, a school admin over its own graduates."""

import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja import Status as WithStatus
from pydantic import Field

from api.schemas import Answer, CampaignOut, binary, binary_answer, responses
from core.inputs import Id
from core.models import User
from core.services.verifications import (
    campaign_data,
    campaign_for_user,
    graduate_rows,
    report_xlsx,
    verification_answer_own,
    verification_start,
)
from core.services.xlsx import XLSX_CONTENT_TYPE
from web.downloads import xlsx_download

router = Router(tags=["verifications"])


class VerificationIn(Schema):
    school_ids: list[int]
    graduation_year: int
    destination_codes: list[str] = []
    size: int | None = None
    share: float | None = None
    seed: str | None = None


class MyVerificationOut(Answer):
    id: int = Field(description="核查样本 id：答复和本人确认（action verification_answer）用它")
    school: str
    destination: str = Field(description="核查时平台记录的毕业去向")
    unit_or_school: str
    position: str
    agreement_number: str
    deadline: datetime.datetime = Field(description="答复截止，逾期未答复为存疑")
    answer: str = Field(description="true 属实 / false 不属实，未答复为空")
    remark: str
    answered_at: datetime.datetime | None
    method: str = Field(description="答复方式：通行密钥、短信验证码、登录账号；未答复为空")
    open: bool = Field(description="仍可答复（未答复且未截止）")
    confirmation_required: bool = Field(
        description="答复须本人确认（该学生有通行密钥）：先 POST /auth/confirmations {action: verification_answer}"
    )


class MyAnswerIn(Schema):
    answer: str = Field(description="true 属实 / false 不属实")
    remark: str = Field(default="", description="说明，选择不属实时必填，不超过200字")
    confirmation: str | None = Field(default=None, description="本人确认凭证（cfm_…）；有通行密钥的学生必填")


@router.get(
    "/mine",
    response=responses(list[MyVerificationOut], 401, 403),
    summary="学生：我的毕业去向核查（平台记录的内容、截止时间、是否已答复）",
)
def mine(request: HttpRequest) -> list[MyVerificationOut]:
    user: User = request.auth  # type: ignore[attr-defined]
    return [MyVerificationOut.model_validate(row) for row in graduate_rows(user)]


@router.post(
    "/mine/{row_id}/answer",
    response=responses(MyVerificationOut, 400, 401, 403, 404, 409),
    summary="学生：答复核查（属实/不属实）；有通行密钥时须带本人确认凭证（action verification_answer，对象为样本 id）",
)
def answer(request: HttpRequest, row_id: Id, payload: MyAnswerIn) -> MyVerificationOut:
    user: User = request.auth  # type: ignore[attr-defined]
    row = verification_answer_own(
        row_id, answer=payload.answer, remark=payload.remark, acting_user=user, confirmation=payload.confirmation
    )
    return MyVerificationOut.model_validate(next(r for r in graduate_rows(user) if r["id"] == row.pk))


@router.post(
    "",
    response=responses(CampaignOut, 400, 401, 403, 404, status=201),
    summary="发起核查：按院校、毕业年度、去向代码抽样（人数或比例，可给随机种子以重现），向学生和签约单位发送核查链接",
)
def start(request: HttpRequest, payload: VerificationIn) -> WithStatus[CampaignOut]:
    user: User = request.auth  # type: ignore[attr-defined]
    campaign = verification_start(acting_user=user, **payload.dict())
    return WithStatus(201, CampaignOut.model_validate(campaign_data(campaign)))


@router.get("/{campaign_id}", response=responses(CampaignOut, 401, 403, 404), summary="核查进度与每名样本的答复")
def detail(request: HttpRequest, campaign_id: Id) -> CampaignOut:
    user: User = request.auth  # type: ignore[attr-defined]
    return CampaignOut.model_validate(campaign_data(campaign_for_user(user, campaign_id)))


@router.get(
    "/{campaign_id}/report",
    response=responses(None, 401, 403, 404),
    openapi_extra=binary(XLSX_CONTENT_TYPE),
    summary="核查报告（xlsx：每名样本的结果与佐证：应约人、时间、本人确认方式、营业执照、资质审核）",
)
def report(request: HttpRequest, campaign_id: Id) -> HttpResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    campaign = campaign_for_user(user, campaign_id)
    return binary_answer(request, xlsx_download(report_xlsx(campaign), f"核查报告-{campaign.pk}.xlsx"))
