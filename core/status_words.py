"""What an agreement's status means to the person looking at it, decided once beside the workflow's rules
(`core.rules`): the sentence that says where it stands and what comes next, its tone, whether the viewer sees the
student's personal data in full, which 解约 is shown; and what a step that cannot be undone will do, in the words
the confirmation asks with. Templates only print these.

Every sentence follows the school's review settings (学院审核, 学校审核, 解约学校审核 on or off) and the agreement's
own path (online or paper, who asked for the 解约): a step the school switched off is never announced, and a step
the agreement did not pass through is never said to be passed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from core.models.org import Role
from core.models.status import Status
from core.rules import FINAL_STATUSES, TERMINATING_STATUSES, Action

if TYPE_CHECKING:
    from core.models import Agreement, School, Termination, User


class Tone(enum.StrEnum):
    """How a status reads at a glance (Bootstrap's colour names, as the badges use them)."""

    SUCCESS = "success"  # in force
    PRIMARY = "primary"  # moving on, somebody acts next
    DANGER = "danger"  # returned: the parties must act
    WARNING = "warning"  # a 解约 is being handled
    SECONDARY = "secondary"  # over


@dataclass(frozen=True)
class Sentence:
    """A sentence with the part to stress (who acts next), which must be a part of the text, or empty."""

    text: str
    stress: str = ""

    def __post_init__(self) -> None:
        assert not self.stress or self.stress in self.text, (self.stress, self.text)

    def __str__(self) -> str:
        return self.text

    @property
    def parts(self) -> tuple[str, str, str]:
        """(before, stressed, after) for a template to print with the stressed part in bold."""
        if not self.stress:
            return self.text, "", ""
        before, _, after = self.text.partition(self.stress)
        return before, self.stress, after


@dataclass(frozen=True)
class StatusMeaning:
    sentence: Sentence
    tone: Tone
    masked: bool  # the viewer sees the student's 身份证号, 手机号 and 邮箱 masked (an employer: SPEC §4)
    termination: Termination | None  # the 解约 shown: the one being handled, or the one that ended the agreement


def _viewer(user: User) -> str:
    return {Role.STUDENT: "student", Role.EMPLOYER: "employer"}.get(Role(user.role), "reviewer")


def masks_personal_data(viewer: User) -> bool:
    """Employers see 身份证号, 手机号 and 邮箱 masked as the manual does; the student and their reviewers in full."""
    return viewer.role == Role.EMPLOYER


def shown_termination(agreement: Agreement) -> Termination | None:
    """The 解约 a page shows: the open request, or after a 解约 the one that ended the agreement."""
    termination = agreement.open_termination
    if termination is None and agreement.status == Status.TERMINATED:
        termination = agreement.terminations.order_by("-created_at", "-id").first()
    return termination


def tone_of(agreement: Agreement) -> Tone:
    status = agreement.status
    if status == Status.EFFECTIVE:
        return Tone.SUCCESS
    if status in FINAL_STATUSES:
        return Tone.SECONDARY
    if status == Status.RETURNED:
        return Tone.DANGER
    if status in TERMINATING_STATUSES:
        return Tone.WARNING
    return Tone.PRIMARY


def passed_college_review(agreement: Agreement) -> bool:
    """Whether the agreement's last signature went through 学院审核 (the school may have switched it on or off
    since): the last 学生同意 or 学院审核通过 in its 流程追踪 decides."""
    last = (
        agreement.events.filter(action__in=("accept", "college_approve"))
        .order_by("-created_at", "-id")
        .values_list("action", flat=True)
        .first()
    )
    return last == "college_approve"


def after_college_review(school: School) -> str:
    """What follows 学院审核 under the school's settings."""
    return "学院审核通过后转学校审核" if school.school_review_enabled else "学院审核通过后协议即生效"


def _termination_next(agreement: Agreement) -> str:
    """What follows both parties' consent to a 解约."""
    if agreement.school.termination_review_enabled:
        return "双方同意后须经学校审核，审核通过后解约生效"
    return "双方同意后解约即生效"


def _date(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else ""  # type: ignore[arg-type]


def _student_sentence(agreement: Agreement, termination: Termination | None) -> Sentence:
    status = agreement.status
    if agreement.paper:
        paper = {
            Status.SCHOOL_REVIEW: Sentence("纸质协议已登记，正在等待学校审核。", "学校审核"),
            Status.RETURNED: Sentence("纸质协议被学校退回（原因见上），请修改后重新提交，或撤回登记。"),
            Status.EFFECTIVE: Sentence("纸质协议已审核通过，与网上签约的协议同样有效。"),
            Status.WITHDRAWN: Sentence("你已撤回该纸质协议的登记。"),
            Status.TERMINATION_REVIEW: Sentence("你已申请解约，正在等待学校审核。", "学校审核"),
        }
        if status in paper:
            return paper[Status(status)]
    if status == Status.INVITED:
        if agreement.accepted_terms_id:
            return Sentence("单位修改了协议，你同意的版本已失效，请查看变更并重新确认。", "重新确认")
        return Sentence(f"单位向你发出了邀约，请在{_date(agreement.expires_at)}前同意或拒绝。", "同意或拒绝")
    if status == Status.COLLEGE_REVIEW:
        next_step = after_college_review(agreement.school)
        return Sentence(f"你已同意邀约，协议正在等待学院审核，{next_step}。审核结果会通过“消息”通知你。", "学院审核")
    if status == Status.SCHOOL_REVIEW:
        done = "学院审核已通过" if passed_college_review(agreement) else "你已同意邀约"
        return Sentence(f"{done}，协议正在等待学校审核，审核通过后协议即生效。", "学校审核")
    if status == Status.RETURNED:
        return Sentence("协议被审核退回（原因见上）。请等待单位修改协议后重新确认，或联系单位。")
    if status == Status.EFFECTIVE:
        return Sentence(f"协议已生效，协议书编号 {agreement.number}。", agreement.number or "")
    if status == Status.TERMINATION_REQUESTED:
        if termination is not None and termination.requester_role == Role.EMPLOYER:
            return Sentence(
                f"单位向你提出了解约申请，请处理。{_termination_next(agreement)}。", "单位向你提出了解约申请"
            )
        return Sentence(f"你已提出解约申请，正在等待单位处理。{_termination_next(agreement)}。")
    if status == Status.TERMINATION_REVIEW:
        return Sentence("双方已同意解约，正在等待学校审核。审核通过后解约生效。", "学校审核")
    if status == Status.TERMINATED:
        when = f"（{_date(agreement.terminated_at)}）" if agreement.terminated_at else ""
        return Sentence(f"协议已解约{when}，你可以重新接受其他单位的邀约。")
    return {
        Status.DECLINED: Sentence("你已拒绝该邀约。"),
        Status.WITHDRAWN: Sentence("单位已撤回该邀约。"),
        Status.EXPIRED: Sentence("该邀约未在有效期内处理，已过期。"),
    }[Status(status)]


def _employer_sentence(agreement: Agreement, termination: Termination | None) -> Sentence:
    status = agreement.status
    if status == Status.INVITED:
        if agreement.accepted_terms_id:
            return Sentence("已修改协议，学生此前的同意已失效，等待学生确认修改后的协议。", "等待学生确认")
        return Sentence(f"邀约已发出，等待学生处理（有效期至{_date(agreement.expires_at)}）。", "等待学生处理")
    if status == Status.COLLEGE_REVIEW:
        return Sentence(f"学生已同意邀约，协议正在等待学院审核，{after_college_review(agreement.school)}。", "学院审核")
    if status == Status.SCHOOL_REVIEW:
        done = "学院审核已通过" if passed_college_review(agreement) else "学生已同意邀约"
        return Sentence(f"{done}，协议正在等待学校审核，审核通过后协议即生效。", "学校审核")
    if status == Status.RETURNED:
        return Sentence("协议被审核退回（原因见上），请修改邀约后由学生重新确认，或撤回邀约。", "修改邀约")
    if status == Status.EFFECTIVE:
        return Sentence(f"协议已生效，协议书编号 {agreement.number}。", agreement.number or "")
    if status == Status.TERMINATION_REQUESTED:
        if termination is not None and termination.requester_role == Role.STUDENT:
            return Sentence(f"学生提出了解约申请，请处理。{_termination_next(agreement)}。", "学生提出了解约申请")
        return Sentence(f"单位已提出解约申请，等待学生处理。{_termination_next(agreement)}。")
    if status == Status.TERMINATION_REVIEW:
        return Sentence("双方已同意解约，正在等待学校审核。审核通过后解约生效。", "学校审核")
    if status == Status.TERMINATED:
        when = f"（{_date(agreement.terminated_at)}）" if agreement.terminated_at else ""
        return Sentence(f"协议已解约{when}。")
    return {
        Status.DECLINED: Sentence("学生已拒绝该邀约。"),
        Status.WITHDRAWN: Sentence("已撤回该邀约。"),
        Status.EXPIRED: Sentence("学生未在有效期内处理，邀约已过期。"),
    }[Status(status)]


def _reviewer_sentence(agreement: Agreement, viewer: User, termination: Termination | None) -> Sentence:
    status = agreement.status
    paper = "学生登记的纸质协议" if agreement.paper else ""
    if status == Status.INVITED:
        if agreement.accepted_terms_id:
            return Sentence("单位修改了协议，等待学生确认修改后的协议。")
        return Sentence("单位已发出邀约，等待学生处理。")
    if status == Status.COLLEGE_REVIEW:
        return Sentence(f"学生已同意邀约，等待学院审核，{after_college_review(agreement.school)}。", "学院审核")
    if status == Status.SCHOOL_REVIEW:
        done = paper or ("学院审核已通过" if passed_college_review(agreement) else "学生已同意邀约")
        return Sentence(f"{done}，等待学校审核，审核通过后协议即生效。", "学校审核")
    if status == Status.RETURNED:
        if agreement.paper:
            return Sentence("纸质协议已退回，等待学生修改后重新提交。")
        return Sentence("协议已退回，等待单位修改邀约后由学生重新确认。")
    if status == Status.EFFECTIVE:
        number = f"，协议书编号 {agreement.number}" if agreement.number else ""
        return Sentence(f"{paper or '协议'}已生效{number}。")
    if status == Status.TERMINATION_REQUESTED:
        asker = "单位" if termination is not None and termination.requester_role == Role.EMPLOYER else "学生"
        other = "学生" if asker == "单位" else "单位"
        return Sentence(f"{asker}提出了解约申请，等待{other}处理。{_termination_next(agreement)}。")
    if status == Status.TERMINATION_REVIEW:
        who = "学生申请解除纸质协议" if agreement.paper else "双方已同意解约"
        return Sentence(f"{who}，等待学校审核，审核通过后解约生效。", "学校审核")
    if status == Status.TERMINATED:
        when = f"（{_date(agreement.terminated_at)}）" if agreement.terminated_at else ""
        return Sentence(f"协议已解约{when}。")
    return {
        Status.DECLINED: Sentence("学生已拒绝该邀约。"),
        Status.WITHDRAWN: Sentence("学生已撤回纸质协议登记。" if agreement.paper else "单位已撤回该邀约。"),
        Status.EXPIRED: Sentence("学生未在有效期内处理，邀约已过期。"),
    }[Status(status)]


def status_meaning(agreement: Agreement, viewer: User) -> StatusMeaning:
    """What `agreement`'s status means to `viewer` (its student, its employer, or one of its reviewers)."""
    termination = shown_termination(agreement)
    who = _viewer(viewer)
    if who == "student":
        sentence = _student_sentence(agreement, termination)
    elif who == "employer":
        sentence = _employer_sentence(agreement, termination)
    else:
        sentence = _reviewer_sentence(agreement, viewer, termination)
    return StatusMeaning(sentence, tone_of(agreement), masks_personal_data(viewer), termination)


# --- what a step that cannot be undone does ------------------------------------------------------------


def consequence(agreement: Agreement, action: Action, viewer: User) -> str:
    """What taking `action` now does, said before it is taken (the confirmation's second sentence)."""
    school = agreement.school
    if action == Action.APPROVE:
        return approve_consequence(agreement.status, school, paper=agreement.paper)
    if action == Action.TERMINATION_APPROVE:
        return "审核通过后解约即生效，协议书失效，不能恢复；学生的毕业去向恢复为未登记。"
    if action == Action.TERMINATION_RETURN:
        return "退回后本次解约申请结束，协议恢复原状态；如仍需解约，须重新申请。"
    if action == Action.WITHDRAW:
        if agreement.paper:
            return "撤回后这份纸质协议的登记即结束，不能恢复；如需登记，须重新提交。"
        return "撤回后学生不能再应约，邀约不能恢复。"
    if action == Action.DECLINE:
        if agreement.accepted_terms_id:
            return "拒绝后，你与该单位的这份协议将终止（已拒约），如仍需签约，须由单位重新发起邀约。"
        return "拒绝后该邀约即结束，不能恢复；单位可重新向你发起邀约。"
    if action == Action.ACCEPT:
        return "同意后即与该单位签约，在办理解约之前不能再同意其他单位的邀约。"
    if action == Action.MODIFY:
        return "修改后学生此前的同意即失效，协议回到待应约，须学生重新确认修改后的协议。"
    if action == Action.TERMINATION:
        # Said after "解约申请一旦发出将无法撤回，请谨慎办理。" (the manual's words, on the dialog).
        return "学生同意且学校审核通过后即完成解约。" if school.termination_review_enabled else "学生同意后即完成解约。"
    if action == Action.TERMINATION_ACCEPT:
        if school.termination_review_enabled:
            return "同意后将提交学校审核，审核通过后本协议失效，不能恢复。"
        return "同意后解约立即生效，本协议失效，不能恢复。"
    if action == Action.TERMINATION_DECLINE:
        return "拒绝后本次解约申请结束，协议恢复原状态。"
    return ""


def approve_consequence(level: str, school: School, *, paper: bool = False) -> str:
    """What 审核通过 does at a review level (待学院审核 or 待学校审核) under the school's settings; for 批量通过 too."""
    if level == Status.COLLEGE_REVIEW and school.school_review_enabled:
        return "学院审核通过后，协议书转学校审核。"
    if paper:
        return "审核通过后纸质协议即生效，计入就业，不能再退回。"
    return "审核通过后协议书即生效，生成协议书编号并签发正式协议书，不能再退回。"


def destination_approve_consequence(level: str, school: School) -> str:
    """What 审核通过 of a 毕业去向 does at a review level (college_review or school_review)."""
    if level == "college_review" and school.school_review_enabled:
        return "学院审核通过后，毕业去向转学校审核。"
    return "审核通过后毕业去向即计入去向落实率，不能再退回；去向有变化时须由学生修改后重新提交。"
