"""The shared 查看详情 block of one agreement, for every portal.

Contract (kept small on purpose):

    from web.agreement_detail import agreement_detail_context
    context.update(agreement_detail_context(agreement, request.user))
    {% include "includes/agreement_detail.html" %}

`agreement` must be fetched through core.selectors.get_agreement_for_user (so it is the viewer's and has
school, student (+major, college), employer and current_terms loaded). The function returns one key,
`detail`, a dict with:

    agreement       the Agreement itself (for the caller's own buttons)
    meaning         core.status_words.StatusMeaning: the status's sentence for this viewer, its tone, masking, 解约
    masked          True when the viewer is an employer: 身份证号/手机号/邮箱 are masked as the manual shows
    steps           [{"number": "①", "label": "单位发起签约", "state": "done" | "current" | "stopped" | "todo"}]
    employment      [(label, value)] 就业信息: 就业类别, 协议书编号, 拟录用岗位, 签约时间, 协议书状态
    party_a         [(label, value)] 甲方 (the employer's 基本信息)
    party_b         [(label, value)] 乙方 (the student)
    party_rows      [(a_label, a_value, b_label, b_value)] both side by side, as the manual's table
    terms_version   the current terms version number (or None)
    terms           [(label, value)] the current terms, code tables turned into labels
    changes         [(label, old, new)] what the current version changed against the version the student
                    last accepted (empty when they are the same or nothing was accepted yet)
    termination     the 解约 shown: the open one, or the one that ended the agreement, or None
    events          [{"actor", "time", "action", "remark", "confirmation"}] 流程追踪, oldest first; `confirmation`
                    is the act's 本人确认 as this viewer may read it (core.selectors.confirmations), or None
    has_document    True once the agreement has its 协议书编号 (查看原图 / 下载协议书 may be offered)

Queries: terms versions (one) and events (one); everything else comes with the agreement.
"""

from __future__ import annotations

from typing import Any

from core.fields import DISPATCH_FIELDS, TERMS_FIELDS
from core.masking import mask_email, mask_id_number, mask_phone
from core.models import Agreement, Status, User
from core.rules import CLOSED_STATUSES, SIGNING_STATUSES, shows_dispatch_fields
from core.selectors.confirmations import confirmation_of, evidence_display
from core.services.paper_agreements import PAPER_TERMS_FIELDS
from core.services.terms import terms_diff
from core.status_words import status_meaning

EMPLOYMENT_CATEGORY = "协议就业（线上签约）"
PAPER_CATEGORY = "协议就业（纸质协议，学生登记）"
STEP_LABELS = ("单位发起签约", "学生处理", "管理员审核")
PAPER_STEP_LABELS = ("双方纸质签约", "学生登记", "学校审核")
STEP_NUMBERS = ("①", "②", "③")


def _steps(status: str, *, paper: bool = False) -> list[dict[str, str]]:
    if status == Status.INVITED:
        states = ("done", "current", "todo")
    elif status in CLOSED_STATUSES:  # ended at step ② (declined, withdrawn, expired)
        states = ("done", "stopped", "todo")
    elif status in SIGNING_STATUSES:
        states = ("done", "done", "current")
    else:  # effective and everything after it: all three steps are behind
        states = ("done", "done", "done")
    return [
        {"number": number, "label": label, "state": state}
        for number, label, state in zip(STEP_NUMBERS, PAPER_STEP_LABELS if paper else STEP_LABELS, states, strict=True)
    ]


def terms_rows(terms: Any, *, show_dispatch: bool = True) -> list[tuple[str, str]]:
    if terms is None:
        return []
    rows = [
        (spec.label, spec.display(getattr(terms, name)))
        for name, spec in TERMS_FIELDS.items()
        if show_dispatch or name not in DISPATCH_FIELDS
    ]
    if terms.unit_nature or terms.unit_location:  # a paper agreement's unit as printed on it
        rows[1:1] = [(PAPER_TERMS_FIELDS[n].label, PAPER_TERMS_FIELDS[n].display(getattr(terms, n))) for n in _UNIT]
    return rows


_UNIT = ("unit_nature", "unit_location")


def _date(value: Any) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d") if value else "—"


def agreement_detail_context(agreement: Agreement, viewer: User) -> dict[str, Any]:
    meaning = status_meaning(agreement, viewer)
    masked = meaning.masked
    student = agreement.student
    employer = agreement.employer
    school = agreement.school
    terms = agreement.current_terms

    def id_number(v: str) -> str:
        return mask_id_number(v) if masked else v

    def phone(v: str) -> str:
        return mask_phone(v) if masked else v

    def email(v: str) -> str:
        return mask_email(v) if masked else v

    versions = list(agreement.terms_versions.all()) if agreement.accepted_terms_id else []
    accepted = next((t for t in versions if t.pk == agreement.accepted_terms_id), None)
    changes: list[tuple[str, Any, Any]] = []
    if accepted is not None and terms is not None and accepted.pk != terms.pk:
        old = {name: spec.display(getattr(accepted, name)) for name, spec in TERMS_FIELDS.items()}
        new = {name: spec.display(getattr(terms, name)) for name, spec in TERMS_FIELDS.items()}
        changes = terms_diff(old, new)

    # A paper agreement's employer says only what the paper and a verified registration say: an unverified claim of
    # its row (issue 19 item 6(c)) shows no contact of its own on the student's agreement.
    vouched = not agreement.paper or employer.verification_status == employer.Verification.VERIFIED
    party_a = [
        ("单位名称", employer.name),
        ("统一社会信用代码", employer.credit_code),
        ("联系人", employer.contact_person if vouched else "—"),
        ("联系电话", phone(employer.phone) if vouched else "—"),
        ("邮箱", email(employer.email) if vouched else "—"),
        ("通讯地址", employer.address if vouched else "—"),
    ]
    party_b = [
        ("姓名", student.name),
        ("身份证号", id_number(student.id_number)),
        ("毕业学校", school.name),
        ("学历", student.get_degree_display()),
        ("专业", student.major.name),
        ("联系电话", phone(student.phone)),
    ]
    return {
        "detail": {
            "agreement": agreement,
            "meaning": meaning,
            "masked": masked,
            "steps": _steps(agreement.status, paper=agreement.paper),
            "employment": [
                ("就业类别", PAPER_CATEGORY if agreement.paper else EMPLOYMENT_CATEGORY),
                # A paper agreement's number is the paper's own; we give it none.
                ("协议书编号", (terms.paper_number if agreement.paper and terms else agreement.number) or "—"),
                ("拟录用岗位", terms.position if terms else "—"),
                ("签约时间", _date(agreement.signed_at)),
                ("协议书状态", agreement.get_status_display()),
            ],
            "party_a": party_a,
            "party_b": party_b,
            "party_rows": [(a[0], a[1], b[0], b[1]) for a, b in zip(party_a, party_b, strict=True)],
            "terms_version": terms.version if terms else None,
            "terms": terms_rows(terms, show_dispatch=shows_dispatch_fields(school, student.graduation_year)),
            "changes": changes,
            "termination": meaning.termination,
            "events": [
                {
                    "actor": e.actor_name,
                    "time": e.created_at,
                    "action": e.action_label,
                    "remark": e.remark,
                    "confirmation": evidence_display(confirmation_of(e), viewer),
                }
                for e in agreement.events.select_related("confirmation")
            ],
            "has_document": bool(agreement.number),
        }
    }
