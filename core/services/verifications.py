"""核查 (issue 21 item 2): draw a reproducible sample, ask each sampled graduate (and for a 签约 the employer's HR) by
SMS and e-mail with a one-time link, record 属实 / 不属实, mark silence 存疑 after the deadline.

The population is the approved 去向 of the chosen schools and 毕业年度 (of the chosen codes), ordered by student id;
`random.Random(seed).sample` draws from it, so the same seed over the same data draws the same graduates. The draw
and every answer are chained in the audit ledger (kinds `verification_draw`, `verification_answer`).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
import random
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django_tasks import task

from core import codes
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import AgreementEvent, Role, School, User
from core.models.destinations import Attachment, Destination, DestinationEvent, DestinationSource, DestinationStatus
from core.models.ledger import canonical
from core.models.verifications import VerificationAnswer, VerificationCampaign, VerificationRow
from core.services.confirmations import VERIFICATION_ANSWER as CONFIRM_ANSWER
from core.services.confirmations import (
    confirmation_attach,
    confirmation_take,
    verification_bound,
    verification_row_of,
)
from core.services.ledger import VERIFICATION_ANSWER, VERIFICATION_DRAW, ledger_append, ledger_record
from core.services.passkeys import passkeys_of
from core.services.xlsx import write_xlsx
from core.signals import verification_drawn
from core.sms import send_sms
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

AGREEMENT_CODE = "10"


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors={field: message})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def schools_for_verification(user: User) -> list[School]:
    """The schools this user may sample: a province admin its province's, a school admin its own."""
    if user.role == Role.PROVINCE_ADMIN and user.province_id is not None:
        return list(School.objects.filter(provinces=user.province_id).order_by("code"))
    if user.role == Role.SCHOOL_ADMIN and user.school_id is not None:
        return list(School.objects.filter(pk=user.school_id))
    raise Forbidden("仅省级主管部门或学校管理员可以发起核查", code="forbidden_role")


def campaigns_visible_to(user: User) -> Any:
    if user.role == Role.PROVINCE_ADMIN and user.province_id is not None:
        return VerificationCampaign.objects.filter(province_id=user.province_id)
    if user.role == Role.SCHOOL_ADMIN and user.school_id is not None:
        return VerificationCampaign.objects.filter(school_id=user.school_id, province__isnull=True)
    return VerificationCampaign.objects.none()


def campaign_for_user(user: User, campaign_id: int | str) -> VerificationCampaign:
    try:
        pk = int(campaign_id)
    except (TypeError, ValueError):
        raise NotFound()
    found = campaigns_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def _parse(
    *, school_ids: Any, graduation_year: Any, destination_codes: Any, size: Any, share: Any, seed: Any
) -> tuple[list[int], int, list[str], int | None, Decimal | None, str]:
    if not isinstance(school_ids, list) or not school_ids:
        raise _invalid("school_ids", "请选择至少一所院校")
    try:
        ids = sorted({int(i) for i in school_ids})
    except (TypeError, ValueError):
        raise _invalid("school_ids", "院校编号应为整数")
    try:
        year = int(graduation_year)
    except (TypeError, ValueError):
        raise _invalid("graduation_year", "毕业年度应为四位年份，如2027")
    if not 2000 <= year <= 2100:
        raise _invalid("graduation_year", "毕业年度应为四位年份，如2027")
    known = {code for code, _ in codes.choices("destination")}
    wanted = sorted({str(c) for c in (destination_codes or [])})
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise _invalid("destination_codes", f"未知的毕业去向代码：{'、'.join(unknown)}")
    if (size in (None, "")) == (share in (None, "")):
        raise _invalid("size", "请填写抽样人数或抽样比例（二选一）")
    limit = settings.WANGQIAN_VERIFICATION_MAX_SAMPLE
    n: int | None = None
    ratio: Decimal | None = None
    if size not in (None, ""):
        try:
            n = int(size)
        except (TypeError, ValueError):
            raise _invalid("size", "抽样人数应为整数")
        if not 1 <= n <= limit:
            raise _invalid("size", f"抽样人数应在 1 到 {limit} 之间")
    else:
        try:
            ratio = Decimal(str(share))
        except (InvalidOperation, ValueError):
            raise _invalid("share", "抽样比例应为 0 到 1 之间的小数，如 0.05")
        if not ratio.is_finite() or not Decimal(0) < ratio <= Decimal(1):
            raise _invalid("share", "抽样比例应为 0 到 1 之间的小数，如 0.05")
        ratio = ratio.quantize(Decimal("0.0001"))
        if ratio == 0:
            raise _invalid("share", "抽样比例应为 0 到 1 之间的小数，如 0.05")
    text = secrets.token_hex(8) if seed in (None, "") else str(seed).strip()
    if not text or len(text) > 64:
        raise _invalid("seed", "随机种子应为 1 到 64 个字符")
    return ids, year, wanted, n, ratio, text


def _population(school_ids: list[int], year: int, wanted: list[str]) -> list[Destination]:
    qs = Destination.objects.filter(
        school_id__in=school_ids, graduation_year=year, status=DestinationStatus.APPROVED
    ).exclude(code="")
    if wanted:
        qs = qs.filter(code__in=wanted)
    return list(
        qs.select_related("student", "current", "agreement", "agreement__employer", "school").order_by("student_id")
    )


def _shown(d: Destination) -> dict[str, Any]:
    v = d.current
    data: dict[str, Any] = {
        "school": d.school.name,
        "student_no": d.student.student_no,
        "name": d.student.name,
        "code": d.code,
        "code_label": codes.label("destination", d.code, default=d.code),
        "unit_name": v.unit_name if v else "",
        "position": v.position if v else "",
        "school_name": v.school_name if v else "",
    }
    if d.agreement is not None:
        data.update(agreement_number=d.agreement.number or "", employer=d.agreement.employer.name)
    return data


def draw(
    *,
    school_ids: Any,
    graduation_year: Any,
    destination_codes: Any = None,
    size: Any = None,
    share: Any = None,
    seed: Any = None,
    acting_user: User,
) -> VerificationCampaign:
    """The sample and its rows, written in batches; no message is sent and no link minted here: the sending task
    (`verification_send_task`, enqueued when the draw commits) does both, row by row."""
    allowed = {s.pk for s in schools_for_verification(acting_user)}
    ids, year, wanted, n, ratio, text = _parse(
        school_ids=school_ids,
        graduation_year=graduation_year,
        destination_codes=destination_codes,
        size=size,
        share=share,
        seed=seed,
    )
    if not set(ids) <= allowed:
        raise NotFound("院校不存在")  # another province's school is not there for this user
    population = _population(ids, year, wanted)
    k = n if n is not None else math.ceil(len(population) * float(ratio or 0))
    k = min(k, len(population), settings.WANGQIAN_VERIFICATION_MAX_SAMPLE)
    if k == 0:
        raise _invalid("graduation_year", "所选院校和毕业年度没有审核通过的毕业去向，无法抽样")
    picked = sorted(random.Random(text).sample(range(len(population)), k))
    now = timezone.now()
    with transaction.atomic():
        campaign = VerificationCampaign.objects.create(
            created_by=acting_user,
            province_id=acting_user.province_id if acting_user.role == Role.PROVINCE_ADMIN else None,
            school_id=ids[0] if acting_user.role == Role.SCHOOL_ADMIN else None,
            graduation_year=year,
            school_ids=ids,
            destination_codes=wanted,
            size=n,
            share=ratio,
            seed=text,
            population=len(population),
            deadline=now + datetime.timedelta(days=settings.VERIFICATION_DAYS),
        )
        VerificationRow.objects.bulk_create(
            (
                VerificationRow(
                    campaign=campaign,
                    student=d.student,
                    school=d.school,
                    agreement=d.agreement,
                    shown=_shown(d),
                    employer_asked=d.code == AGREEMENT_CODE and d.agreement_id is not None,
                )
                for d in (population[i] for i in picked)
            ),
            batch_size=500,
        )
        content = {
            "kind": VERIFICATION_DRAW,
            "campaign": campaign.pk,
            "actor": acting_user.pk,
            "schools": ids,
            "graduation_year": year,
            "destination_codes": wanted,
            "size": n,
            "share": str(ratio) if ratio is not None else None,
            "seed": text,
            "population": len(population),
            "students": [population[i].student_id for i in picked],
        }
        ledger_append(VERIFICATION_DRAW, campaign.pk, canonical(content))
        enqueue_on_commit(verification_send_task, campaign.pk)
    return campaign


def _link(token: str) -> str:
    return f"{settings.SITE_URL}/verification/{token}/"


def _deliver(send: Any, *args: Any) -> tuple[int, str]:
    """One message through its provider: how many went out, and why not when the provider failed."""
    try:
        return int(send(*args)), ""
    except Exception as exc:  # the provider's fault: logged, the row retried
        logger.exception("核查 message failed")
        return 0, f"{type(exc).__name__}"[:100]


def _send_row(row_id: int, deadline: str, stale: datetime.datetime) -> int:
    """Mint the row's links and send its messages, once: the row is claimed by a conditional UPDATE (unsent, and
    not taken by a live run), which also stores the new tokens' hashes, so two runs never both send it. A run that
    dies after claiming leaves the row to be taken again once its claim is older than TASK_LEASE_SECONDS (with new
    links: the old ones, if they went out, stop working). Returns how many messages went out."""
    row = VerificationRow.objects.select_related("student", "agreement__employer").get(pk=row_id)
    student_token = secrets.token_urlsafe(24)
    employer_token = secrets.token_urlsafe(24) if row.employer_asked and row.agreement is not None else None
    now = timezone.now()
    claimed = (
        VerificationRow.objects.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale), pk=row_id)
        .filter(sent_at__isnull=True)
        .update(
            claimed_at=now,
            student_token_hash=_token_hash(student_token),
            employer_token_hash=_token_hash(employer_token) if employer_token else None,
        )
    )
    if not claimed:
        return 0
    what = row.shown.get("code_label", "")
    unit = row.shown.get("unit_name") or row.shown.get("school_name") or ""
    text = (
        f"{row.student.name}同学，主管部门正在核查毕业去向：平台记录你的去向为“{what}"
        f"{'，' + unit if unit else ''}”。请于{deadline}前登录后确认是否属实：{_link(student_token)}"
    )
    outcomes = [_deliver(send_sms, row.student.phone, text)]
    if row.student.email:
        outcomes.append(_deliver(send_mail, "【就业协议书网签】毕业去向核查", text, None, [row.student.email]))
    student_messages = sum(n for n, _ in outcomes)
    employer_messages = 0
    if employer_token and row.agreement is not None:
        employer = row.agreement.employer
        text = (
            f"{employer.name}：主管部门正在核查就业协议，平台记录{row.student.name}"
            f"（{row.shown.get('school', '')}）与贵单位签订就业协议。"
            f"请于{deadline}前确认是否属实：{_link(employer_token)}"
        )
        sent = [_deliver(send_sms, employer.phone, text)]
        if employer.email:
            sent.append(_deliver(send_mail, "【就业协议书网签】就业协议核查", text, None, [employer.email]))
        employer_messages = sum(n for n, _ in sent)
        outcomes += sent
    errors = "、".join(sorted({error for _, error in outcomes if error}))
    mine = VerificationRow.objects.filter(pk=row_id, claimed_at=now, sent_at__isnull=True)
    if errors and not student_messages + employer_messages:
        # Nothing went out: the row goes back, to be sent (with new links) by the retry.
        mine.update(claimed_at=None, send_attempts=F("send_attempts") + 1, send_error=f"发送失败：{errors}"[:200])
        return 0
    mine.update(
        sent_at=timezone.now(),
        student_messages=student_messages,
        employer_messages=employer_messages,
        send_error=f"部分消息发送失败：{errors}"[:200] if errors else "",
    )
    return student_messages + employer_messages


def verification_send(campaign_id: int) -> int:
    """Send every unsent row of the campaign (idempotent: a row sent is never sent again, whichever run or worker
    sent it); rows whose provider failed are retried by a later run, VERIFICATION_SEND_RETRY_SECONDS on, until
    VERIFICATION_SEND_ATTEMPTS. Returns how many messages this run sent."""
    campaign = VerificationCampaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return 0
    deadline = timezone.localtime(campaign.deadline).strftime("%Y-%m-%d %H:%M")
    stale = timezone.now() - datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    unsent = campaign.rows.filter(sent_at__isnull=True, send_attempts__lt=settings.VERIFICATION_SEND_ATTEMPTS)
    sent = 0
    for row_id in list(unsent.order_by("pk").values_list("pk", flat=True)):
        sent += _send_row(row_id, deadline, stale)
    if unsent.filter(send_attempts__gt=0, claimed_at__isnull=True).exists():
        enqueue_on_commit(
            verification_send_task,
            campaign_id,
            delay=datetime.timedelta(seconds=settings.VERIFICATION_SEND_RETRY_SECONDS),
        )
    return sent


@task()
def verification_send_task(campaign_id: int) -> None:
    verification_send(campaign_id)


def verifications_resend_stalled(now: datetime.datetime | None = None) -> int:
    """Campaigns still open whose unsent rows nobody is sending (the task lost to a queue hiccup, or a worker that
    died after its last retry was enqueued): their task enqueued again. Run hourly by `expire_verifications`;
    returns how many campaigns."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    quiet = now - datetime.timedelta(seconds=max(settings.VERIFICATION_SEND_RETRY_SECONDS, 60) * 2)
    stalled = (
        VerificationRow.objects.filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale),
            sent_at__isnull=True,
            send_attempts__lt=settings.VERIFICATION_SEND_ATTEMPTS,
            campaign__deadline__gt=now,
            campaign__created_at__lt=quiet,
        )
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    campaigns = sorted(set(stalled))
    for campaign_id in campaigns:
        enqueue_on_commit(verification_send_task, campaign_id)
    return len(campaigns)


def verification_start(*, acting_user: User, **params: Any) -> VerificationCampaign:
    campaign = draw(acting_user=acting_user, **params)
    verification_drawn.send(sender=VerificationCampaign, campaign_id=campaign.pk)
    return campaign


def row_for_token(token: str) -> tuple[VerificationRow, str]:
    """The row a link names and whose link it is ("student" or "employer"); NotFound for any other token."""
    digest = _token_hash(token or "")
    row = (
        VerificationRow.objects.select_related("campaign", "student", "agreement__employer")
        .filter(student_token_hash=digest)
        .first()
    )
    if row is not None:
        return row, "student"
    row = (
        VerificationRow.objects.select_related("campaign", "student", "agreement__employer")
        .filter(employer_token_hash=digest)
        .first()
    )
    if row is not None:
        return row, "employer"
    raise NotFound("链接无效或已失效")


def _result(row: VerificationRow) -> str:
    answers = (row.student_answer, row.employer_answer)
    if VerificationRow.Answer.FALSE in answers:
        return VerificationRow.Result.FALSE
    if row.student_answer == VerificationRow.Answer.TRUE:
        return VerificationRow.Result.TRUE
    return VerificationRow.Result.PENDING


def _check_answer(answer: str, remark: str) -> str:
    if answer not in VerificationRow.Answer.values:
        raise _invalid("answer", "请选择“属实”或“不属实”")
    remark = (remark or "").strip()
    if len(remark) > 200:
        raise _invalid("remark", "说明不能超过200字")
    if answer == VerificationRow.Answer.FALSE and not remark:
        raise _invalid("remark", "选择“不属实”时请说明实际情况")
    return remark


def answer_needs_confirmation(user: User) -> bool:
    """The graduate's answer is a 本人确认 when they have a passkey (issue 21: "本人确认 when they have a passkey");
    without one, being signed in to their own account is the proof: the link itself came by SMS and e-mail to
    the roster's phone and address, so a code sent to the same phone would prove nothing the sign-in does not."""
    return passkeys_of(user).exists()


def verification_answer(
    token: str, *, answer: str, remark: str = "", acting_user: User | None, confirmation: str | None = None
) -> VerificationRow:
    """Record 属实 / 不属实 through the link. The graduate's link needs the graduate signed in (and their 本人确认
    when they have a passkey: `verification_answer_own`); the employer's link is the HR's one-time proof. One
    answer per link; none after the deadline."""
    row, who = row_for_token(token)
    if who == "student":
        if acting_user is None or row.student.user_id != acting_user.pk:
            raise NotFound("链接无效或已失效")  # someone else's link, as if it did not exist
        return verification_answer_own(
            row.pk, answer=answer, remark=remark, acting_user=acting_user, confirmation=confirmation
        )
    remark = _check_answer(answer, remark)
    now = timezone.now()
    with transaction.atomic():
        row = VerificationRow.objects.select_for_update().select_related("campaign").get(pk=row.pk)
        if now > row.campaign.deadline:
            raise Conflict("核查已截止，无法再答复", code="verification_closed")
        if row.employer_answer:
            raise Conflict("该链接已答复，不能重复提交", code="already_answered")
        row.employer_answer, row.employer_remark, row.employer_answered_at = answer, remark, now
        row.result = _result(row)
        row.save()
        answered = VerificationAnswer.objects.create(
            row=row,
            by="employer",
            actor=acting_user,
            answer=answer,
            remark=remark,
            method=VerificationAnswer.Method.LINK,
        )
        ledger_record(VERIFICATION_ANSWER, answered)
    return row


def verification_answer_own(
    row_id: int, *, answer: str, remark: str = "", acting_user: User, confirmation: str | None = None
) -> VerificationRow:
    """The sampled graduate answers their own row (the link's page, or POST /verifications/mine/{id}/answer): with
    a passkey, the act spends a 本人确认 (`confirmation`, a `cfm_…` token for action verification_answer and this
    row), whose evidence is linked to the answer and chained; without one, the signed-in session is the proof
    (a 本人确认 sent anyway is spent and recorded). The method is kept on the answer for the 核查报告."""
    remark = _check_answer(answer, remark)
    needs = answer_needs_confirmation(acting_user)
    with transaction.atomic():
        row = verification_row_of(acting_user, row_id, lock=True)
        proof = None
        if needs or (confirmation or "").strip():
            proof = confirmation_take(
                confirmation, user=acting_user, action=CONFIRM_ANSWER, bound=verification_bound(row)
            )
        now = timezone.now()
        row.student_answer, row.student_remark, row.student_answered_at = answer, remark, now
        row.result = _result(row)
        row.save()
        method = VerificationAnswer.Method(proof.method) if proof is not None else VerificationAnswer.Method.LOGIN
        answered = VerificationAnswer.objects.create(
            row=row, by="student", actor=acting_user, answer=answer, remark=remark, method=method
        )
        ledger_record(VERIFICATION_ANSWER, answered)
        confirmation_attach(proof, answered)
    return row


def verifications_expire(now: datetime.datetime | None = None) -> int:
    """Rows nobody answered by their campaign's deadline become 存疑; how many."""
    now = now or timezone.now()
    return VerificationRow.objects.filter(result=VerificationRow.Result.PENDING, campaign__deadline__lt=now).update(
        result=VerificationRow.Result.DOUBTFUL
    )


REPORT_HEADERS = [
    "院校",
    "学号",
    "姓名",
    "毕业去向",
    "单位或学校",
    "协议书编号",
    "核查结果",
    "学生答复",
    "学生说明",
    "学生答复时间",
    "学生答复方式",
    "单位答复",
    "单位说明",
    "单位答复时间",
    "单位答复方式",
    "应约人",
    "应约时间",
    "本人确认方式",
    "单位营业执照",
    "单位资质审核",
    "发给学生的消息",
    "发给单位的消息",
    # A 去向's own evidence (a row without an agreement): who entered it, the graduate's binding act, its proof.
    "去向登记方式",
    "去向本人确认",
    "去向证明材料",
]


def _when(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def answer_methods(campaign: VerificationCampaign) -> dict[tuple[int, str], str]:
    """How each answer was given, by (row, "student"/"employer"): 通行密钥, 短信验证码 (the graduate's 本人确认),
    登录账号 (signed in, no passkey), 一次性链接 (the HR)."""
    labels = dict(VerificationAnswer.Method.choices)
    found = VerificationAnswer.objects.filter(row__campaign=campaign).values_list("row_id", "by", "method")
    return {(row_id, by): labels.get(method, "未记录") for row_id, by, method in found}


def report_rows(campaign: VerificationCampaign) -> list[list[Any]]:
    """核查报告: one line per sampled graduate, with the evidence an auditor reads: how each answer was given (the
    graduate's 本人确认 method), who accepted the agreement and when, by which 本人确认 method, the employer's
    licence and its 资质审核."""
    rows = list(campaign.rows.select_related("student", "school", "agreement__employer").order_by("school_id", "id"))
    methods = answer_methods(campaign)
    accepts = {
        e.agreement_id: e
        for e in AgreementEvent.objects.filter(
            agreement_id__in=[r.agreement_id for r in rows if r.agreement_id], action__in=["accept", "paper"]
        )
        .select_related("confirmation")
        .order_by("agreement_id", "sequence")
    }
    answer = dict(VerificationRow.Answer.choices)
    evidence = _destination_evidence([r.student_id for r in rows if not r.agreement_id])
    out = []
    for r in rows:
        employer = r.agreement.employer if r.agreement is not None else None
        accept = accepts.get(r.agreement_id) if r.agreement_id else None
        confirmation = getattr(accept, "confirmation", None) if accept is not None else None
        out.append(
            [
                r.school.name,
                r.student.student_no,
                r.student.name,
                r.shown.get("code_label", ""),
                r.shown.get("unit_name") or r.shown.get("school_name") or "",
                r.shown.get("agreement_number", ""),
                r.get_result_display(),
                answer.get(r.student_answer, "未答复"),
                r.student_remark,
                _when(r.student_answered_at),
                methods.get((r.pk, "student"), ""),
                answer.get(r.employer_answer, "未答复") if r.employer_asked else "不适用",
                r.employer_remark,
                _when(r.employer_answered_at),
                methods.get((r.pk, "employer"), ""),
                accept.actor_name if accept is not None else "",
                _when(accept.created_at) if accept is not None else "",
                confirmation.get_method_display() if confirmation is not None else ("未经本人确认" if accept else ""),
                ("已上传" if employer.licence else "未上传") if employer is not None else "",
                employer.get_verification_status_display() if employer is not None else "",
                r.student_messages,
                r.employer_messages,
                *evidence.get(r.student_id, ("", "", "")),
            ]
        )
    return out


def _destination_evidence(student_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """By student, the 去向's evidence for the 核查报告: 学生登记 or 学校代为登记 and by whom (被就业 is what a 核查
    looks for), the graduate's last binding act (提交 or 本人确认 of the school's entry) with its method and time,
    and how many proof files it has now. Three queries for the whole report."""
    destinations = {d.pk: d for d in Destination.objects.filter(student_id__in=student_ids)}
    entered: dict[int, str] = {}
    bound: dict[int, str] = {}
    events = (
        DestinationEvent.objects.filter(
            destination_id__in=destinations, action__in=["staff_enter", "submit", "confirm"]
        )
        .select_related("confirmation")
        .order_by("destination_id", "sequence")
    )
    for event in events:  # the last of each wins
        if event.action == "staff_enter":
            entered[event.destination_id] = f"学校代为登记（{event.actor_name}，{_when(event.created_at)}）"
        else:
            confirmation = getattr(event, "confirmation", None)
            how = confirmation.get_method_display() if confirmation is not None else "未经本人确认"
            bound[event.destination_id] = f"{event.action_label}（{how}，{_when(event.created_at)}）"
    proofs = dict(
        Attachment.objects.filter(destination_id__in=destinations)
        .values_list("destination_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    out = {}
    for pk, d in destinations.items():
        source = entered.get(pk, "") if d.source == DestinationSource.STAFF else d.get_source_display()
        out[d.student_id] = (source, bound.get(pk, ""), f"{proofs.get(pk, 0)}个")
    return out


def campaign_summary(campaign: VerificationCampaign) -> dict[str, Any]:
    counts = {value: 0 for value in VerificationRow.Result.values}
    for result, n in campaign.rows.values_list("result").annotate(n=Count("*")).order_by():
        counts[result] = n
    schools = dict(School.objects.filter(pk__in=campaign.school_ids).values_list("pk", "name"))
    by_school = []
    for school_id in campaign.school_ids:
        per = {value: 0 for value in VerificationRow.Result.values}
        for result, n in (
            campaign.rows.filter(school_id=school_id).values_list("result").annotate(n=Count("*")).order_by()
        ):
            per[result] = n
        by_school.append({"id": school_id, "name": schools.get(school_id, ""), "sample": sum(per.values()), **per})
    sending = sending_progress(campaign)
    return {
        "id": campaign.pk,
        "graduation_year": campaign.graduation_year,
        "school_ids": campaign.school_ids,
        "destination_codes": campaign.destination_codes,
        "size": campaign.size,
        "share": float(campaign.share) if campaign.share is not None else None,
        "seed": campaign.seed,
        "population": campaign.population,
        "created_at": campaign.created_at,
        "deadline": campaign.deadline,
        "sample": sum(counts.values()),
        "pending": counts["pending"],
        "true": counts["true"],
        "false": counts["false"],
        "doubtful": counts["doubtful"],
        "schools": by_school,
        **sending,
    }


def sending_progress(campaign: VerificationCampaign) -> dict[str, Any]:
    """The sending task's progress: rows sent, rows whose provider failed VERIFICATION_SEND_ATTEMPTS times (发送失败),
    and whether it is still at work."""
    progress = campaign.rows.aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        failed=Count("pk", filter=Q(sent_at__isnull=True, send_attempts__gte=settings.VERIFICATION_SEND_ATTEMPTS)),
    )
    total, sent, failed = progress["total"], progress["sent"], progress["failed"]
    return {"rows_sent": sent, "rows_send_failed": failed, "sending": sent + failed < total}


def campaign_data(campaign: VerificationCampaign) -> dict[str, Any]:
    """The campaign's progress and each sampled graduate's answers (GET /verifications/{id})."""
    rows = []
    methods = answer_methods(campaign)
    for r in campaign.rows.select_related("student", "school").order_by("school_id", "id"):
        rows.append(
            {
                "id": r.pk,
                "school": r.school.name,
                "student_no": r.student.student_no,
                "name": r.student.name,
                "destination": r.shown.get("code_label", ""),
                "unit_or_school": r.shown.get("unit_name") or r.shown.get("school_name") or "",
                "result": r.result,
                "result_label": r.get_result_display(),
                "student_answer": r.student_answer,
                "student_remark": r.student_remark,
                "student_answered_at": r.student_answered_at,
                "student_answer_method": methods.get((r.pk, "student"), ""),
                "employer_asked": r.employer_asked,
                "employer_answer": r.employer_answer,
                "employer_remark": r.employer_remark,
                "employer_answered_at": r.employer_answered_at,
                "messages": r.student_messages + r.employer_messages,
                "sent": r.sent_at is not None,
                "send_error": r.send_error,
            }
        )
    return {**campaign_summary(campaign), "rows": rows}


def graduate_rows(user: User) -> list[dict[str, Any]]:
    """A graduate's own 核查 rows whose messages went out (GET /verifications/mine), newest first."""
    if user.role != Role.STUDENT:
        raise Forbidden("仅学生本人可以查看和答复自己的核查", code="forbidden_role")
    rows = list(
        VerificationRow.objects.filter(student__user=user, sent_at__isnull=False)
        .select_related("campaign")
        .order_by("-campaign__created_at", "-id")
    )
    labels = dict(VerificationAnswer.Method.choices)
    methods = dict(VerificationAnswer.objects.filter(row__in=rows, by="student").values_list("row_id", "method"))
    needs = answer_needs_confirmation(user)
    now = timezone.now()
    return [
        {
            "id": r.pk,
            "school": r.shown.get("school", ""),
            "destination": r.shown.get("code_label", ""),
            "unit_or_school": r.shown.get("unit_name") or r.shown.get("school_name") or "",
            "position": r.shown.get("position", ""),
            "agreement_number": r.shown.get("agreement_number", ""),
            "deadline": r.campaign.deadline,
            "answer": r.student_answer,
            "remark": r.student_remark,
            "answered_at": r.student_answered_at,
            "method": labels.get(methods.get(r.pk, ""), ""),
            "open": not r.student_answer and now <= r.campaign.deadline,
            "confirmation_required": needs,
        }
        for r in rows
    ]


def report_xlsx(campaign: VerificationCampaign) -> bytes:
    return write_xlsx(REPORT_HEADERS, report_rows(campaign), title=f"核查报告{campaign.pk}")
