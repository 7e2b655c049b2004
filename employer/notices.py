"""The employer's 消息 sentences: each event told from the employer's side."""

from __future__ import annotations

from core.models import AgreementEvent, Status

_NOTICES = {
    "accept": "{student}同意了签约邀约，协议已提交学校审核",
    "decline": "{student}拒绝了签约邀约",
    "expire": "发给{student}的签约邀约已过期，学生未应约",
    "college_approve": "与{student}的协议已通过学院审核",
    "college_return": "与{student}的协议被学院退回，请修改或撤回",
    "school_approve": "与{student}的协议已通过学校审核，协议已生效",
    "school_return": "与{student}的协议被学校退回，请修改或撤回",
    "termination_request": "{student}提出解约申请，请在“解约办理”中处理",
    "termination_withdraw": "{student}撤回了解约申请",
    "termination_decline": "{student}拒绝了贵单位的解约申请",
    "termination_approve": "学校已审核通过与{student}的解约，协议已解除",
    "termination_return": "学校退回了与{student}的解约申请，协议恢复原状态",
    "student_corrected": "学校更正了{student}的生源信息",
}


def notice_text(event: AgreementEvent) -> str:
    student = event.agreement.student.name
    if event.action == "termination_accept":
        if event.new_status == Status.TERMINATED:
            return f"{student}同意了贵单位的解约申请，解约已生效"
        return f"{student}同意了贵单位的解约申请，等待学校审核"
    template = _NOTICES.get(event.action)
    return template.format(student=student) if template else f"{student}：{event.action_label}"
