"""本人确认 (issue 20, SPEC §11): the graduate's own proof for each act that binds them; the session never suffices.

Three steps, each a function:
- `confirmation_start(user, action, object_id)`: the act is named (user, action, object) and bound to the SHA-256
  of its exact content (the agreement's terms version shown); refused at once when the act itself would be. By a
  passkey (the user has one) it answers WebAuthn request options bound to this confirmation; by SMS it sends a
  six-digit code to the roster phone (at most CONFIRMATION_CODES_PER_HOUR an hour).
- `confirmation_verify(id, assertion=… | code=…)`: the proof (user verification required for a passkey; a code
  allows CONFIRMATION_CODE_MAX_FAILURES wrong tries), answered by a single-use token `cfm_…`, valid
  CONFIRMATION_MINUTES from the start.
- `confirmation_take(token, …)`: the act's service spends it in its own transaction, for the same user, action,
  object and content, and `confirmation_attach` links it to the 流程追踪 event the act recorded: the evidence.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from core import codes
from core.client_address import normalized
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.masking import mask_phone
from core.models import (
    Agreement,
    AgreementEvent,
    Confirmation,
    Destination,
    DestinationEvent,
    Role,
    Student,
    Termination,
    User,
    VerificationAnswer,
    VerificationRow,
)
from core.rules import Action, refusal
from core.services.evidence import retention_cutoff
from core.services.ledger import ledger_record_evidence
from core.services.passkeys import passkey_authentication_options, passkey_verify_assertion, passkeys_of
from core.sms import send_sms, sms_enabled
from core.throttle import TooManyAttempts

logger = logging.getLogger(__name__)

PURPOSE = "confirm"
TOKEN_PREFIX = "cfm_"
CODE_DIGITS = 6


class ConfirmationRequired(DomainError):
    """The act needs a valid 本人确认 (403 confirmation_required); the detail says what was wrong with the one sent.

    Not a `Forbidden`: the portals show it on the page (web.actions), where a Forbidden goes to the role guard."""

    status = 403
    code = "confirmation_required"


REQUIRED = "此操作须本人确认：请先用通行密钥或短信验证码确认"


@dataclass(frozen=True)
class Bound:
    """What an act binds: its object, a description the graduate reads (and the SMS says), the terms version
    shown, and the SHA-256 of the act's exact content."""

    object_id: int
    description: str
    version: int | None
    binding: str


def _digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _terms_content(agreement: Agreement) -> dict[str, Any]:
    from core.fields import TERMS_FIELDS

    terms = agreement.current_terms
    if terms is None:
        return {}
    return {"version": terms.version, **{name: getattr(terms, name) for name in TERMS_FIELDS}}


# The agreement acts that bind the graduate, with what the graduate is told they confirm.
AGREEMENT_ACTS: dict[Action, str] = {
    Action.ACCEPT: "同意{employer}的邀约（签约信息第{version}版）",
    Action.TERMINATION: "申请与{employer}解除就业协议",
    Action.TERMINATION_ACCEPT: "同意{employer}提出的解约申请",
    Action.TERMINATION_DECLINE: "拒绝{employer}提出的解约申请",
    Action.RESUBMIT: "重新提交与{employer}的纸质协议登记",
}
# Acts on the graduate's own records, named like the API's action endpoints; their object is the graduate's own.
PAPER = "paper"
DESTINATION_SUBMIT = "destination_submit"
DESTINATION_CONFIRM = "destination_confirm"  # a 去向 the school entered for the graduate (issue 20 item 2)
VERIFICATION_ANSWER = "verification_answer"  # answering a 核查 (issue 21 item 2): the object is the sampled row


def agreement_bound(agreement: Agreement, action: Action) -> Bound:
    """The act `action` on `agreement` as it stands now: the current terms version and its content, and the open
    解约 (its reason) the act answers."""
    terms = agreement.current_terms
    version = terms.version if terms is not None else None
    description = AGREEMENT_ACTS[action].format(employer=agreement.employer.name, version=version)
    termination = (
        Termination.objects.filter(agreement=agreement, state__in=Termination.OPEN_STATES)
        .values_list("pk", "reason", "requester_role")
        .first()
    )
    content = {
        "action": action.value,
        "agreement": agreement.pk,
        "terms": _terms_content(agreement),
        "termination": list(termination) if termination else None,
    }
    return Bound(agreement.pk, description, version, _digest(content))


def paper_bound(student: Student) -> Bound:
    """纸质协议登记: the graduate declares a signed paper agreement; bound to them (the school checks the paper)."""
    return Bound(student.pk, "登记纸质就业协议书", None, _digest({"action": PAPER, "student": student.pk}))


def destination_bound(destination: Destination, *, action: str = DESTINATION_SUBMIT) -> Bound:
    """提交毕业去向, or confirming one the school entered: bound to the exact version and its proof files."""
    from django.forms.models import model_to_dict

    current = destination.current
    data = model_to_dict(current) if current is not None else {}
    attachments = sorted(destination.attachments.values_list("pk", flat=True))
    label = codes.label("destination", destination.code) if destination.code else ""
    content = {"action": action, "destination": destination.pk, "data": data, "files": attachments}
    version = current.version if current is not None else None
    verb = "确认学校代为登记的毕业去向" if action == DESTINATION_CONFIRM else "提交毕业去向"
    return Bound(destination.pk, f"{verb}（{label or '未填写'}）", version, _digest(content))


def _agreement_act(user: User, action: Action, object_id: int) -> Bound:
    from core.selectors import get_agreement_for_user

    agreement = get_agreement_for_user(user, object_id)
    error = refusal(agreement, user, action)
    if error is not None:
        raise error
    return agreement_bound(agreement, action)


def _agreement_describer(action: Action) -> Callable[[User, int], Bound]:
    return lambda user, object_id: _agreement_act(user, action, object_id)


# Every act that takes a 本人确认, by name (the API's action names): what it binds, refused as the act would be.
def _paper_act(user: User, object_id: int) -> Bound:
    return paper_bound(_student(user))


def _destination_act(user: User, object_id: int, action: str = DESTINATION_SUBMIT) -> Bound:
    destination = Destination.objects.filter(student=_student(user)).select_related("current").first()
    if destination is None:
        raise Conflict("请先填写毕业去向，再提交审核", code="invalid_status")
    return destination_bound(destination, action=action)


def _destination_confirm_act(user: User, object_id: int) -> Bound:
    return _destination_act(user, object_id, DESTINATION_CONFIRM)


def verification_bound(row: VerificationRow) -> Bound:
    """答复核查: bound to the sampled row and the record it shows (what the graduate says is, or is not, true)."""
    label = row.shown.get("code_label", "")
    content = {"action": VERIFICATION_ANSWER, "row": row.pk, "shown": row.shown}
    return Bound(row.pk, f"答复毕业去向核查（{label or '未填写'}）", None, _digest(content))


def verification_row_of(user: User, row_id: int, *, lock: bool = False) -> VerificationRow:
    """The graduate's own sampled row, asked (its message sent) and still open for their answer: 404 for anyone
    else's, 409 when answered or past the deadline."""
    rows = VerificationRow.objects.select_related("campaign", "student")
    if lock:
        rows = rows.select_for_update()
    row = rows.filter(pk=row_id, student__user=user, sent_at__isnull=False).first()
    if row is None:
        raise NotFound("核查不存在或无权访问")
    if row.student_answer:
        raise Conflict("该核查已答复，不能重复提交", code="already_answered")
    if timezone.now() > row.campaign.deadline:
        raise Conflict("核查已截止，无法再答复", code="verification_closed")
    return row


def _verification_act(user: User, object_id: int) -> Bound:
    _student(user)
    return verification_bound(verification_row_of(user, object_id))


ACTIONS: dict[str, Callable[[User, int], Bound]] = {
    **{action.value: _agreement_describer(action) for action in AGREEMENT_ACTS},
    PAPER: _paper_act,
    DESTINATION_SUBMIT: _destination_act,
    DESTINATION_CONFIRM: _destination_confirm_act,
    VERIFICATION_ANSWER: _verification_act,
}
# The acts whose object is the graduate's own record: object_id is not needed.
OWN_ACTS = frozenset({PAPER, DESTINATION_SUBMIT, DESTINATION_CONFIRM})


def _student(user: User) -> Student:
    student = Student.objects.filter(user=user).first()
    if user.role != Role.STUDENT or student is None:
        raise ConfirmationRequired("本人确认仅用于学生本人的操作", code="forbidden_role")
    return student


def confirmation_methods(user: User, *, student: Student | None = None) -> list[str]:
    """How this graduate can confirm now: a passkey when they registered one, SMS when the site sends short
    messages and the roster has their phone (`student`: the user's row, when the caller has read it)."""
    methods: list[str] = []
    if passkeys_of(user).exists():
        methods.append(Confirmation.Method.PASSKEY)
    if student is None:
        student = Student.objects.filter(user=user).only("phone").first()
    if sms_enabled() and student is not None and student.phone:
        methods.append(Confirmation.Method.SMS)
    return methods


def _lifetime() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.CONFIRMATION_MINUTES)


def _code_hash(confirmation_id: int, code: str) -> str:
    return salted_hmac("wangqian.confirmations.code", f"{confirmation_id}:{code}").hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sms_budget(user: User) -> None:
    since = timezone.now() - datetime.timedelta(hours=1)
    sent = Confirmation.objects.filter(user=user, sms_sent_at__gte=since).count()
    if sent >= settings.CONFIRMATION_CODES_PER_HOUR:
        raise TooManyAttempts(
            f"一小时内最多发送{settings.CONFIRMATION_CODES_PER_HOUR}次确认验证码，请稍后再试或改用通行密钥"
        )


def confirmation_start(
    user: User,
    action: str,
    object_id: int,
    *,
    method: str = "",
    version: int | None = None,
    address: str | None = None,
    deliver: Callable[[str, str], int] = send_sms,
) -> tuple[Confirmation, dict[str, Any] | None]:
    """Ask for a 本人确认 of one act; returns it and, by passkey, the WebAuthn request options. `version` is the
    terms version the page showed: refused (409) when the terms changed since. `deliver` sends the SMS (the demo
    loader and the tests read the code on its way)."""
    describe = ACTIONS.get(action)
    if describe is None:
        message = "不支持的确认操作"
        raise InvalidInput(message, errors={"action": message})
    bound = describe(user, object_id)  # refused as the act itself would be: 403, 404, 409
    student = _student(user)
    if version is not None and bound.version is not None and version != bound.version:
        raise Conflict("签约信息已更新，请查看最新版本后再确认", code="terms_changed")
    available = confirmation_methods(user, student=student)
    if not available:
        raise Conflict(
            "无法进行本人确认：请先在“账号安全”中添加通行密钥，或请学校核对学生名单中的手机号",
            code="no_confirmation_method",
        )
    chosen = method or available[0]
    if chosen not in available:
        message = "该确认方式当前不可用" if chosen in Confirmation.Method.values else "确认方式应为 passkey 或 sms"
        raise InvalidInput(message, errors={"method": message})
    if chosen == Confirmation.Method.SMS:
        _sms_budget(user)
    now = timezone.now()
    confirmation = Confirmation.objects.create(
        user=user,
        subject=f"{student.name}（{student.student_no}）",
        action=action,
        object_id=bound.object_id,
        binding=bound.binding,
        version=bound.version,
        description=bound.description,
        method=chosen,
        created_address=normalized(address) if address else None,
        expires_at=now + _lifetime(),
    )
    confirmation.methods = available
    if chosen == Confirmation.Method.PASSKEY:
        options = passkey_authentication_options(user, purpose=PURPOSE, binding=_passkey_binding(confirmation))
        return confirmation, options
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    text = (
        f"您正在{bound.description}，本人确认验证码：{code}，{settings.CONFIRMATION_MINUTES}分钟内有效。"
        "验证码仅限本人使用，请勿告诉任何人（包括老师和用人单位）。"
    )
    confirmation.code_hash = _code_hash(confirmation.pk, code)
    confirmation.sms_phone = mask_phone(student.phone)
    confirmation.sms_sent_at = timezone.now()
    try:
        confirmation.sms_accepted = deliver(student.phone, text)
    except Exception:  # the provider's fault, not the graduate's: logged, and said as such
        logger.exception("SMS for confirmation %s failed", confirmation.pk)
    confirmation.save(update_fields=["code_hash", "sms_phone", "sms_sent_at", "sms_accepted"])
    if not confirmation.sms_accepted:
        raise Conflict("验证码短信发送失败，请稍后重试或改用通行密钥", code="sms_failed")
    return confirmation, None


def _passkey_binding(confirmation: Confirmation) -> str:
    return f"{confirmation.pk}:{confirmation.action}:{confirmation.object_id}:{confirmation.binding}"


def get_confirmation_for_user(user: User, confirmation_id: int) -> Confirmation:
    confirmation = Confirmation.objects.filter(pk=confirmation_id, user=user).first()
    if confirmation is None:
        raise NotFound("本人确认不存在或无权访问")
    return confirmation


def confirmation_verify(
    confirmation_id: int,
    *,
    acting_user: User,
    assertion: Any = None,
    code: str = "",
    address: str | None = None,
) -> tuple[str, datetime.datetime]:
    """Prove a started confirmation: by the passkey's assertion or the SMS code. Returns the single-use token
    (`cfm_…`, shown once; only its hash is kept) and when it expires."""
    failure: DomainError | None = None
    with transaction.atomic():
        # Read once, locked, and only when it is this user's (else 404, as get_confirmation_for_user answers).
        confirmation = Confirmation.objects.select_for_update().filter(pk=confirmation_id, user=acting_user).first()
        if confirmation is None:
            raise NotFound("本人确认不存在或无权访问")
        if confirmation.verified_at is not None or confirmation.expires_at <= timezone.now():
            raise Conflict("本次确认已完成或已过期，请重新发起本人确认", code="confirmation_expired")
        if confirmation.method == Confirmation.Method.PASSKEY:
            if assertion is None:
                message = "请用通行密钥完成确认"
                raise InvalidInput(message, errors={"assertion": message})
            passkey = passkey_verify_assertion(
                acting_user, assertion, purpose=PURPOSE, binding=_passkey_binding(confirmation)
            )
            confirmation.passkey = passkey
            confirmation.credential_id = bytes(passkey.credential_id)
            confirmation.assertion = assertion if isinstance(assertion, dict) else json.loads(assertion)
        else:
            failure = _code_failure(confirmation, code)
            if failure is not None and failure.code == "wrong_code":
                # The wrong try counts: saved with this transaction, which then commits; the refusal follows.
                confirmation.attempts += 1
                confirmation.save(update_fields=["attempts"])
        if failure is None:
            token = TOKEN_PREFIX + secrets.token_urlsafe(24)
            confirmation.token_hash = _token_hash(token)
            confirmation.verified_at = timezone.now()
            confirmation.verified_address = normalized(address) if address else None
            confirmation.code_hash = ""  # the code has done its work; the delivery record stays
            confirmation.save()
    if failure is not None:
        raise failure
    return token, confirmation.expires_at


def _code_failure(confirmation: Confirmation, code: str) -> DomainError | None:
    """Why this code does not prove the confirmation, or None when it does."""
    code = (code or "").strip()
    if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
        message = f"请输入短信中的{CODE_DIGITS}位数字验证码"
        return InvalidInput(message, errors={"code": message})
    if confirmation.attempts >= settings.CONFIRMATION_CODE_MAX_FAILURES:
        return Conflict("验证码错误次数过多，请重新获取验证码", code="confirmation_expired")
    if constant_time_compare(confirmation.code_hash, _code_hash(confirmation.pk, code)):
        return None
    left = settings.CONFIRMATION_CODE_MAX_FAILURES - confirmation.attempts - 1
    message = f"验证码不正确，还可以再试{left}次" if left > 0 else "验证码错误次数过多，请重新获取验证码"
    return InvalidInput(message, code="wrong_code", errors={"code": message})


def confirmation_take(token: str | None, *, user: User, action: Action | str, bound: Bound) -> Confirmation:
    """Spend the token for this act, in the act's transaction (call it after the act's own guard): refused with
    403 confirmation_required when missing, unknown, another user's, made for another action, object or content
    (the terms changed), not proven, expired or already used."""
    action = action.value if isinstance(action, Action) else action
    token = (token or "").strip()
    if not token:
        raise ConfirmationRequired(REQUIRED)
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise ConfirmationRequired("本人确认凭证无效，请重新确认")
    confirmation = Confirmation.objects.select_for_update().filter(token_hash=_token_hash(token), user=user).first()
    if confirmation is None:
        raise ConfirmationRequired("本人确认凭证无效，请重新确认")
    if confirmation.used_at is not None:
        raise ConfirmationRequired("本人确认凭证已使用过，每次确认只能用于一次操作，请重新确认")
    if confirmation.expires_at <= timezone.now():
        raise ConfirmationRequired(f"本人确认已超过{settings.CONFIRMATION_MINUTES}分钟有效期，请重新确认")
    if confirmation.action != action or confirmation.object_id != bound.object_id:
        raise ConfirmationRequired("本人确认凭证不是为这项操作签发的，请重新确认")
    if confirmation.binding != bound.binding:
        raise ConfirmationRequired("确认后签约信息已变更，请查看最新版本后重新确认")
    confirmation.used_at = timezone.now()
    confirmation.save(update_fields=["used_at"])
    return confirmation


def graduate_proof(
    token: str | None, *, user: User, action: Action | str, bound: Callable[[], Bound]
) -> Confirmation | None:
    """For an act that may be taken by the graduate or by another party (a 解约): the graduate's act spends its
    confirmation (`confirmation_take`); another party's takes none (None)."""
    if user.role != Role.STUDENT:
        return None
    return confirmation_take(token, user=user, action=action, bound=bound())


def confirmation_attach(
    confirmation: Confirmation | None, event: AgreementEvent | DestinationEvent | VerificationAnswer
) -> None:
    """The act's evidence hangs on its 流程追踪 event (or, for a 核查, on the answer it recorded)."""
    if confirmation is None:
        return
    if isinstance(event, VerificationAnswer):
        confirmation.verification_answer = event
        confirmation.save(update_fields=["verification_answer"])
    elif isinstance(event, AgreementEvent):
        confirmation.agreement_event = event
        confirmation.save(update_fields=["agreement_event"])
    else:
        confirmation.destination_event = event
        confirmation.save(update_fields=["destination_event"])
    ledger_record_evidence(confirmation)


def confirmation_made_by_sms(
    user: User, action: str, object_id: int, *, deliver: Callable[[str, str], int] = send_sms
) -> str:
    """A token made as the graduate makes one by SMS, the code read on its way: for the demo loader (its SMS still
    go out, to the demo's SMS page) and the tests (which pass a `deliver` that keeps them out of the outbox)."""
    sent: list[str] = []

    def keep(phone: str, text: str) -> int:
        sent.append(text)
        return deliver(phone, text)

    confirmation, _ = confirmation_start(user, action, object_id, method=Confirmation.Method.SMS, deliver=keep)
    code = next(word for word in sent[-1].replace("，", " ").replace("：", " ").split() if word.isdigit())
    token, _ = confirmation_verify(confirmation.pk, acting_user=user, code=code)
    return token


# A started confirmation that never served an act is no evidence; kept a day for support questions, then removed.
UNUSED_KEEP = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Purged:
    evidence: int  # 本人确认 evidence older than EVIDENCE_RETENTION_YEARS
    oldest: datetime.datetime | None  # the oldest act among them
    unused: int  # confirmations started and never used by an act


def evidence_purge(*, now: datetime.datetime | None = None) -> Purged:
    """Remove 本人确认 evidence once EVIDENCE_RETENTION_YEARS have passed since the act (whatever became of the
    agreement, the event or the account: the rows outlive them), and unused confirmations after a day."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    old = Confirmation.objects.filter(used_at__isnull=False, used_at__lt=cutoff)
    oldest = old.order_by("used_at").values_list("used_at", flat=True).first()
    evidence, _ = old.delete()
    unused, _ = Confirmation.objects.filter(used_at__isnull=True, created_at__lt=now - UNUSED_KEEP).delete()
    return Purged(evidence=evidence, oldest=oldest, unused=unused)
