"""The agreement's status and its groups, on their own: the models' constraints and `core.rules` both read them, and
neither imports the other for them."""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    INVITED = "invited", "待应约"
    DECLINED = "declined", "已拒约"
    WITHDRAWN = "withdrawn", "已撤回"
    EXPIRED = "expired", "已过期"
    COLLEGE_REVIEW = "college_review", "待学院审核"
    SCHOOL_REVIEW = "school_review", "待学校审核"
    RETURNED = "returned", "签约审核退回"
    EFFECTIVE = "effective", "已生效"
    TERMINATION_REQUESTED = "termination_requested", "待解约"
    TERMINATION_REVIEW = "termination_review", "解约待审核"
    TERMINATED = "terminated", "已解约"


# A student holds at most one agreement in these statuses (a conditional unique index enforces it).
ACTIVE_STATUSES = (
    Status.COLLEGE_REVIEW,
    Status.SCHOOL_REVIEW,
    Status.RETURNED,
    Status.EFFECTIVE,
    Status.TERMINATION_REQUESTED,
    Status.TERMINATION_REVIEW,
)
# Both parties have signed (the manual's 已应约 tab).
SIGNED_STATUSES = (Status.COLLEGE_REVIEW, Status.SCHOOL_REVIEW, Status.RETURNED, Status.EFFECTIVE)
# Signed, but the school has not yet approved it.
SIGNING_STATUSES = (Status.COLLEGE_REVIEW, Status.SCHOOL_REVIEW, Status.RETURNED)
REVIEW_STATUSES = (Status.COLLEGE_REVIEW, Status.SCHOOL_REVIEW)
TERMINATING_STATUSES = (Status.TERMINATION_REQUESTED, Status.TERMINATION_REVIEW)
# Ended before both parties signed.
CLOSED_STATUSES = (Status.DECLINED, Status.WITHDRAWN, Status.EXPIRED)
FINAL_STATUSES = (*CLOSED_STATUSES, Status.TERMINATED)
# An approved agreement stays in force while a 解约 is being handled, until the 解约 is approved (SPEC §2, §9):
# it counts for 签约率, the 就业方案, the issued document and public verification. A 解约 may also be asked for
# before approval, so "counts as effective" also needs `effective_at`: see `counts_as_effective`.
EFFECTIVE_STATUSES = (Status.EFFECTIVE, *TERMINATING_STATUSES)
# Statuses in which an agreement that was once approved can be: it carries a 协议书编号 and a verification code.
ONCE_EFFECTIVE_STATUSES = (*EFFECTIVE_STATUSES, Status.TERMINATED)
