"""The agreement's status, on its own so that `core.rules` can group the statuses without importing the models."""

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
