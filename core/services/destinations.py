"""毕业去向登记: every change of a graduate's 去向 goes through a function here.

A transition reads as the agreement workflow does: guard the role → one transaction that locks the row → check the
rules (`core.rules.destination_require`) → change → save(update_fields) → append a DestinationEvent (流程追踪).
The agreement workflow calls `destination_from_agreement` / `destination_clear_agreement` inside its own
transaction, so an effective agreement and its 解约 move the 去向 in the same commit.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.catalogue import destination_event
from core.destination_fields import AGREEMENT_CODE, FORMS, NEEDS_PROOF, form_specs
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import (
    Agreement,
    Attachment,
    Destination,
    DestinationEvent,
    DestinationSource,
    DestinationStatus,
    DestinationVersion,
    Role,
    School,
    Student,
    User,
)
from core.rules import (
    DestinationAction,
    counts_as_effective,
    destination_enter_refusal,
    destination_require,
    destination_require_role,
    effective_q,
)
from core.services.confirmations import (
    DESTINATION_CONFIRM,
    DESTINATION_SUBMIT,
    confirmation_attach,
    confirmation_take,
    destination_bound,
)
from core.services.events import actor_display_name, next_sequence, notify_destination_event
from core.services.ledger import DESTINATION_EVENT, ledger_record
from core.services.stats_counters import DESTINATIONS_SOURCE, count_destination, register_source
from core.services.terms import clean_fields
from core.validators import validate_reason

# 去向落实 is counted (metric `placed`) by the 统计 counters: every change below calls `count_destination`.
register_source(DESTINATIONS_SOURCE)


def _record(
    destination: Destination,
    action: str,
    *,
    actor: User | None,
    old_status: str,
    old_code: str | None = None,
    remark: str = "",
) -> DestinationEvent:
    """Append the event and keep the 去向落实 counter in step (`old_code` None: the code did not change)."""
    count_destination(destination, before=(old_status, destination.code if old_code is None else old_code))
    event = DestinationEvent.objects.create(
        destination=destination,
        sequence=next_sequence(Destination, destination.pk, DestinationEvent, "destination"),
        actor=actor,
        actor_name=actor_display_name(actor),
        actor_role=actor.role if actor else "",
        action=action,
        action_label=destination_event(action).label,
        remark=remark,
        old_status=old_status,
        new_status=destination.status,
        code=destination.code,
    )
    ledger_record(DESTINATION_EVENT, event)
    notify_destination_event(destination, event)
    return event


def _ensure(student: Student) -> Destination:
    destination, _ = Destination.objects.get_or_create(
        student=student,
        defaults={
            "school_id": student.school_id,
            "college_id": student.college_id,
            "graduation_year": student.graduation_year,
        },
    )
    return destination


def _lock(destination: Destination | int) -> Destination:
    pk = destination.pk if isinstance(destination, Destination) else destination
    try:
        return (
            Destination.objects.select_for_update(of=("self",))
            .select_related("school", "student", "current")
            .get(pk=pk)
        )
    except Destination.DoesNotExist:
        raise NotFound()


def _student_of(user: User) -> Student:
    student = Student.objects.filter(user_id=user.pk).first() if user.role == Role.STUDENT else None
    if student is None:
        raise NotFound("没有找到你的生源信息")
    return student


def _add_version(destination: Destination, code: str, data: Mapping[str, Any], *, acting_user: User | None) -> None:
    number = (destination.versions.aggregate(v=Max("version"))["v"] or 0) + 1
    version = DestinationVersion.objects.create(
        destination=destination, version=number, code=code, created_by=acting_user, **data
    )
    destination.current = version
    destination.code = code


def destination_open(*, acting_user: User) -> Destination:
    """The student's 去向 record, created 未登记 on their first visit."""
    destination_require_role(acting_user, DestinationAction.UPDATE)
    return _ensure(_student_of(acting_user))


def clean_destination(data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(code, fields) from a form or the API; every message names its field."""
    code = str(data.get("code") or "").strip()
    if code == AGREEMENT_CODE:
        message = "签就业协议形式就业由就业协议书自动登记；签了纸质协议请办理纸质协议登记"
        raise InvalidInput(message, errors={"code": message})
    if code not in FORMS:
        message = "请选择毕业去向" if not code else "毕业去向不在代码表中，请从列表中选择"
        raise InvalidInput(message, errors={"code": message})
    specs = form_specs(code)
    fields = clean_fields(specs, data)
    start, end = fields.get("contract_start"), fields.get("contract_end")
    if start and end and end < start:
        message = f"{specs['contract_end'].label}不能早于{specs['contract_start'].label}"
        raise InvalidInput(message, errors={"contract_end": message})
    return code, fields


def destination_update(data: Mapping[str, Any], *, acting_user: User) -> Destination:
    """填写/修改: a new version; an approved or returned 去向 goes back to 未提交 until submitted again."""
    destination_require_role(acting_user, DestinationAction.UPDATE)
    code, fields = clean_destination(data)
    student = _student_of(acting_user)
    with transaction.atomic():
        destination = _lock(_ensure(student))
        destination_require(destination, acting_user, DestinationAction.UPDATE)
        old, old_code = destination.status, destination.code
        _add_version(destination, code, fields, acting_user=acting_user)
        destination.status = DestinationStatus.DRAFT
        destination.approved_at = None
        destination.save(update_fields=["current", "code", "status", "approved_at", "updated_at"])
        _record(destination, "update", actor=acting_user, old_status=old, old_code=old_code)
    return destination


def destination_submit(*, acting_user: User, confirmation: str = "") -> Destination:
    """提交: the graduate declares this 去向 theirs, so it spends their 本人确认 (`confirmation`, action
    `destination_submit`, bound to the version and the proof files submitted)."""

    destination_require_role(acting_user, DestinationAction.SUBMIT)
    student = _student_of(acting_user)
    with transaction.atomic():
        destination = _lock(_ensure(student))
        destination_require(destination, acting_user, DestinationAction.SUBMIT)
        if destination.code in NEEDS_PROOF and not destination.attachments.exists():
            message = "请上传证明材料（如录用通知、劳动合同、录取通知书）后再提交"
            raise Conflict(message, code="attachment_required")
        proof = confirmation_take(
            confirmation, user=acting_user, action=DESTINATION_SUBMIT, bound=destination_bound(destination)
        )
        school = destination.school
        if school.college_review_enabled:
            new = DestinationStatus.COLLEGE_REVIEW
        elif school.school_review_enabled:
            new = DestinationStatus.SCHOOL_REVIEW
        else:
            new = DestinationStatus.APPROVED
            destination.approved_at = timezone.now()
        old = destination.status
        destination.status = new
        destination.submitted_at = timezone.now()
        destination.save(update_fields=["status", "submitted_at", "approved_at", "updated_at"])
        confirmation_attach(proof, _record(destination, "submit", actor=acting_user, old_status=old))
    return destination


def destination_approve(destination: Destination | int, *, acting_user: User) -> Destination:
    destination_require_role(acting_user, DestinationAction.APPROVE)
    with transaction.atomic():
        destination = _lock(destination)
        destination_require(destination, acting_user, DestinationAction.APPROVE)
        old = destination.status
        college_level = old == DestinationStatus.COLLEGE_REVIEW
        if college_level and destination.school.school_review_enabled:
            destination.status = DestinationStatus.SCHOOL_REVIEW
        else:
            destination.status = DestinationStatus.APPROVED
            destination.approved_at = timezone.now()
        destination.save(update_fields=["status", "approved_at", "updated_at"])
        action = "college_approve" if college_level else "school_approve"
        _record(destination, action, actor=acting_user, old_status=old)
    return destination


def destination_return(destination: Destination | int, *, remark: str, acting_user: User) -> Destination:
    destination_require_role(acting_user, DestinationAction.RETURN)
    remark = validate_reason(remark or "", field="remark", label="退回原因")
    with transaction.atomic():
        destination = _lock(destination)
        destination_require(destination, acting_user, DestinationAction.RETURN)
        old = destination.status
        destination.status = DestinationStatus.RETURNED
        destination.save(update_fields=["status", "updated_at"])
        action = "college_return" if old == DestinationStatus.COLLEGE_REVIEW else "school_return"
        _record(destination, action, actor=acting_user, old_status=old, remark=remark)
    return destination


def destinations_approve_batch(ids: list[int], *, acting_user: User) -> tuple[int, list[str]]:
    """批量通过: each in its own transaction; returns (approved count, messages of the refused)."""
    approved, refused = 0, []
    for pk in ids:
        try:
            destination_approve(pk, acting_user=acting_user)
            approved += 1
        except (Conflict, NotFound) as exc:
            refused.append(f"#{pk}：{exc.detail}")
    return approved, refused


# --- attachments -------------------------------------------------------------------------------------------

# The first bytes of the types we accept; the browser's Content-Type is not trusted.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, JPEG or PNG by its first bytes, else None."""
    for magic, content_type, extension in _SIGNATURES:
        if content.startswith(magic):
            return content_type, extension
    return None


def clean_attachment(name: str, content: bytes, *, field: str = "file") -> tuple[str, str, str]:
    """(display name, content type, extension) of an acceptable upload; InvalidInput names the file otherwise."""
    display = (name or "附件").replace("\x00", "").strip()[-100:] or "附件"
    limit = settings.WANGQIAN_ATTACHMENT_MAX_BYTES
    if not content:
        raise InvalidInput(f"附件“{display}”是空文件", errors={field: f"附件“{display}”是空文件"})
    if len(content) > limit:
        message = f"附件“{display}”超过大小上限（{limit // (1024 * 1024)} MB）"
        raise InvalidInput(message, errors={field: message})
    kind = sniff(content)
    if kind is None:
        message = f"附件“{display}”不是 PDF、JPG 或 PNG 文件"
        raise InvalidInput(message, errors={field: message})
    # The name it is stored and downloaded under ends as what the file is: "offer.html" holding a PDF is offer.pdf.
    stem = display.rsplit(".", 1)[0] if "." in display[1:] else display
    return f"{stem[: 100 - len(kind[1])]}{kind[1]}", kind[0], kind[1]


def store_attachment(
    *,
    name: str,
    content: bytes,
    acting_user: User,
    destination: Destination | None = None,
    agreement: Agreement | None = None,
) -> Attachment:
    """Save through Django's storage (local folder or S3); the display name is kept apart from the stored name.

    Called inside the caller's transaction: a caller whose transaction fails later deletes the file (`discard_file`)."""
    display, content_type, extension = clean_attachment(name, content)
    owner = agreement or destination
    assert owner is not None
    attachment = Attachment(
        destination=destination,
        agreement=agreement,
        kind=Attachment.Kind.SCAN if agreement is not None else Attachment.Kind.PROOF,
        school_id=owner.school_id,
        subject=str(owner.student)[:100],
        name=display,
        content_type=content_type,
        size=len(content),
        uploaded_by=acting_user,
    )
    # A random stored name: the student's file name may say more than it should, and is kept only for display.
    attachment.file.save(f"{secrets.token_hex(16)}{extension}", ContentFile(content), save=False)
    try:
        attachment.save()
    except Exception:
        discard_file(attachment.file.name)
        raise
    return attachment


def discard_file(name: str) -> None:
    with contextlib.suppress(OSError):
        default_storage.delete(name)


def destination_attach(*, name: str, content: bytes, acting_user: User) -> Attachment:
    destination_require_role(acting_user, DestinationAction.ATTACH)
    clean_attachment(name, content)  # refuse before taking any lock
    student = _student_of(acting_user)
    stored = ""
    try:
        with transaction.atomic():
            destination = _lock(_ensure(student))
            destination_require(destination, acting_user, DestinationAction.ATTACH)
            limit = settings.WANGQIAN_ATTACHMENT_MAX_FILES
            if destination.attachments.count() >= limit:
                raise Conflict(f"附件最多{limit}个，请先删除不需要的附件", code="too_many_attachments")
            attachment = store_attachment(name=name, content=content, acting_user=acting_user, destination=destination)
            stored = attachment.file.name
            _record(destination, "attach", actor=acting_user, old_status=destination.status, remark=attachment.name)
    except Exception:
        if stored:
            discard_file(stored)
        raise
    return attachment


def destination_detach(attachment_id: int, *, acting_user: User) -> None:
    destination_require_role(acting_user, DestinationAction.ATTACH)
    student = _student_of(acting_user)
    with transaction.atomic():
        destination = _lock(_ensure(student))
        attachment = destination.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFound()
        destination_require(destination, acting_user, DestinationAction.ATTACH)
        # 佐证材料: gone from the student's pages, kept for the reviewers and the province until the purge.
        attachment.retired_at = timezone.now()
        attachment.retired_reason = Attachment.Retired.DETACHED
        attachment.save(update_fields=["retired_at", "retired_reason"])
        _record(destination, "detach", actor=acting_user, old_status=destination.status, remark=attachment.name)


# --- kept in step with agreements ----------------------------------------------------------------------------


def destination_from_agreement(agreement: Agreement, *, acting_user: User | None) -> Destination:
    """An agreement became effective: the 去向 is 签就业协议形式就业 with the employer's data, approved (the agreement
    itself was reviewed). Called inside the agreement's transaction."""
    destination = _lock(_ensure(agreement.student))
    terms = agreement.current_terms
    employer = agreement.employer
    data = {
        "unit_name": (terms.unit_name if terms else "") or employer.name,
        "unit_credit_code": employer.credit_code,
        "unit_nature": employer.nature,
        "unit_location": (terms.work_location if terms else "") or employer.location,
        "position": terms.position if terms else "",
    }
    if agreement.paper and terms is not None:
        # The unit as printed on the paper, never the codes of the employer row its 信用代码 found (issue 18 bug 5).
        data.update(unit_nature=terms.unit_nature, unit_location=terms.unit_location or terms.work_location)
    old, old_code = destination.status, destination.code
    _add_version(destination, AGREEMENT_CODE, data, acting_user=acting_user)
    destination.status = DestinationStatus.APPROVED
    destination.source = DestinationSource.AGREEMENT
    destination.agreement = agreement
    destination.approved_at = timezone.now()
    destination.save(update_fields=["current", "code", "status", "source", "agreement", "approved_at", "updated_at"])
    remark = f"协议书 {agreement.number}" if agreement.number else "纸质协议"
    _record(destination, "agreement_effective", actor=acting_user, old_status=old, old_code=old_code, remark=remark)
    return destination


def destination_clear_agreement(agreement: Agreement, *, acting_user: User | None) -> Destination | None:
    """The agreement was terminated (解约): a 去向 it set is cleared back to 未登记, its history kept."""
    found = Destination.objects.filter(agreement=agreement, source=DestinationSource.AGREEMENT).first()
    if found is None:
        return None
    destination = _lock(found)
    old, old_code = destination.status, destination.code
    destination.status = DestinationStatus.UNREGISTERED
    destination.source = DestinationSource.STUDENT
    destination.agreement = None
    destination.current = None
    destination.code = ""
    destination.approved_at = None
    destination.save(update_fields=["current", "code", "status", "source", "agreement", "approved_at", "updated_at"])
    _record(destination, "agreement_terminated", actor=acting_user, old_status=old, old_code=old_code)
    return destination


def read_upload(upload: Any) -> bytes:
    """An uploaded file's bytes, reading at most one byte past the limit so a huge upload is refused, not loaded."""
    limit = settings.WANGQIAN_ATTACHMENT_MAX_BYTES
    upload.seek(0)
    return bytes(upload.read(limit + 1))


def read_attachment(attachment: Attachment) -> bytes:
    try:
        with default_storage.open(attachment.file.name, "rb") as f:
            return bytes(f.read())
    except OSError:
        raise NotFound("附件文件不存在")


def destinations_backfill(*, limit: int | None = None) -> int:
    """Give each effective agreement that has no 去向 the one it sets (agreements that became effective before
    毕业去向登记 existed, or a data set loaded set-based): through `destination_from_agreement`, one agreement per
    transaction under its row lock, so the 落实 counters follow. Run once after upgrading; safe to run again.
    How many 去向 were set."""
    pending = (
        Agreement.objects.filter(effective_q())
        .exclude(destinations__source=DestinationSource.AGREEMENT)
        .order_by("id")
        .values_list("id", flat=True)
    )
    done = 0
    for agreement_id in pending[:limit] if limit else pending.iterator():
        with transaction.atomic():
            agreement = (
                Agreement.objects.select_for_update(of=("self",))
                .select_related("student", "employer", "current_terms")
                .get(pk=agreement_id)
            )
            if (
                not counts_as_effective(agreement)
                or agreement.destinations.filter(source=DestinationSource.AGREEMENT).exists()
            ):
                continue
            destination_from_agreement(agreement, acting_user=None)
            done += 1
    return done


# --- entered by the school, confirmed or disputed by the graduate (issue 20 item 2) ---------------------------


def destination_enter(student_id: int, data: Mapping[str, Any], *, acting_user: User) -> Destination:
    """学校代为登记: a college admin (their college's graduates) or school admin enters or changes a graduate's 去向.
    It is 待本人确认 and counts nowhere (统计, 就业方案, 去向落实率) until the graduate confirms it; the graduate may
    dispute it instead, and a disputed one the school cannot change."""
    if acting_user.role not in (Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN):
        raise Forbidden("当前账号角色无权进行此操作", code="forbidden_role")
    code, fields = clean_destination(data)
    if acting_user.school_id is None:
        raise NotFound()
    scope = Student.objects.filter(pk=student_id, school_id=acting_user.school_id)
    if acting_user.role == Role.COLLEGE_ADMIN:
        scope = scope.filter(college_id=acting_user.college_id or 0)
    student = scope.first()
    if student is None:
        raise NotFound()
    with transaction.atomic():
        destination = _lock(_ensure(student))
        refusal = destination_enter_refusal(destination, acting_user)
        if refusal is not None:
            raise refusal
        if _already_entered(destination, code, fields):
            return destination  # the same entry posted again: nothing new to confirm, no second event
        old, old_code = destination.status, destination.code
        _add_version(destination, code, fields, acting_user=acting_user)
        destination.status = DestinationStatus.PENDING_CONFIRMATION
        destination.source = DestinationSource.STAFF
        destination.approved_at = None
        destination.save(update_fields=["current", "code", "status", "source", "approved_at", "updated_at"])
        # The graduate's proof files proved what they registered, not this entry: kept for the auditors (留存备查),
        # no longer the 去向's 证明材料 (the graduate may attach them again once they confirm).
        replaced = destination.attachments.update(retired_at=timezone.now(), retired_reason=Attachment.Retired.REPLACED)
        remark = f"原{replaced}个证明材料转为留存备查" if replaced else ""
        _record(destination, "staff_enter", actor=acting_user, old_status=old, old_code=old_code, remark=remark)
    return destination


def _already_entered(destination: Destination, code: str, fields: Mapping[str, Any]) -> bool:
    """The school's own entry, still waiting for the graduate, with exactly these values."""
    current = destination.current
    return (
        current is not None
        and destination.source == DestinationSource.STAFF
        and destination.status == DestinationStatus.PENDING_CONFIRMATION
        and current.code == code
        and all(getattr(current, name) == value for name, value in fields.items())
    )


def destination_confirm(*, acting_user: User, confirmation: str = "") -> Destination:
    """The graduate confirms the 去向 the school entered (本人确认, action `destination_confirm`, bound to that
    version): from then on it counts, as an approved one."""
    destination_require_role(acting_user, DestinationAction.CONFIRM)
    student = _student_of(acting_user)
    with transaction.atomic():
        destination = _lock(_ensure(student))
        destination_require(destination, acting_user, DestinationAction.CONFIRM)
        proof = confirmation_take(
            confirmation,
            user=acting_user,
            action=DESTINATION_CONFIRM,
            bound=destination_bound(destination, action=DESTINATION_CONFIRM),
        )
        old = destination.status
        destination.status = DestinationStatus.APPROVED
        destination.approved_at = timezone.now()
        destination.save(update_fields=["status", "approved_at", "updated_at"])
        confirmation_attach(proof, _record(destination, "confirm", actor=acting_user, old_status=old))
    return destination


def destination_dispute(reason: str, *, acting_user: User) -> Destination:
    """异议: “这不是我的去向”, with the reason. The 去向 stays out of every figure and the school cannot change or
    clear it; it stays open for the province's 核查."""
    destination_require_role(acting_user, DestinationAction.DISPUTE)
    reason = validate_reason(reason or "", field="reason", label="异议理由")
    student = _student_of(acting_user)
    with transaction.atomic():
        destination = _lock(_ensure(student))
        destination_require(destination, acting_user, DestinationAction.DISPUTE)
        old = destination.status
        destination.status = DestinationStatus.DISPUTED
        destination.dispute_reason = reason
        destination.disputed_at = timezone.now()
        destination.save(update_fields=["status", "dispute_reason", "disputed_at", "updated_at"])
        _record(destination, "dispute", actor=acting_user, old_status=old, remark=reason)
    return destination


def destination_dispute_close(destination_id: int, *, upheld: bool, remark: str, acting_user: User) -> Destination:
    """The province closes a graduate's 异议 (SPEC §11: only the province does), with its finding as the remark.
    异议成立: the 去向 the school entered was not the graduate's; it is withdrawn (未登记, its versions kept in the
    history) and the graduate registers their own. 异议不成立: the 去向 stands and counts, as an approved one."""
    if acting_user.role != Role.PROVINCE_ADMIN or acting_user.province_id is None:
        raise Forbidden("仅省级主管部门可以处理学生异议", code="forbidden_role")
    remark = validate_reason(remark or "", field="remark", label="处理意见")
    in_province = School.objects.filter(provinces=acting_user.province_id).values("pk")
    if not Destination.objects.filter(pk=destination_id, school_id__in=in_province).exists():
        raise NotFound()
    with transaction.atomic():
        destination = _lock(destination_id)
        if destination.status != DestinationStatus.DISPUTED:
            label = DestinationStatus(destination.status).label
            raise Conflict(f"毕业去向当前状态为“{label}”，没有待处理的异议", code="invalid_status")
        old, old_code = destination.status, destination.code
        action = "dispute_upheld" if upheld else "dispute_rejected"
        if upheld:
            destination.status = DestinationStatus.UNREGISTERED
            destination.source = DestinationSource.STUDENT
            destination.current = None
            destination.code = ""
            destination.approved_at = None
        else:
            destination.status = DestinationStatus.APPROVED
            destination.approved_at = timezone.now()
        destination.save(update_fields=["status", "source", "current", "code", "approved_at", "updated_at"])
        _record(destination, action, actor=acting_user, old_status=old, old_code=old_code, remark=remark)
    return destination
