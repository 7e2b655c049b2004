"""毕业去向登记: each graduate's one current 去向, its versions, its 流程追踪 and its attachments.

A 去向 is coded by the national 毕业去向 code table (`core/codes/data/destination.json`). An effective agreement
(online or on paper) sets it (`source = agreement`); any other 去向 the student reports, with proof, and the college
and the school review it as they review agreements.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core import codes
from core.models.org import College, School, Student, User


class DestinationStatus(models.TextChoices):
    UNREGISTERED = "unregistered", "未登记"
    DRAFT = "draft", "未提交"
    COLLEGE_REVIEW = "college_review", "待学院审核"
    SCHOOL_REVIEW = "school_review", "待学校审核"
    RETURNED = "returned", "审核退回"
    APPROVED = "approved", "审核通过"


class DestinationSource(models.TextChoices):
    STUDENT = "student", "学生登记"
    AGREEMENT = "agreement", "就业协议书"


class Destination(models.Model):
    """The student's current 毕业去向; one row per student, its data in `current` (a version)."""

    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="destination")
    # Denormalised from the student for scoping and statistics without joins, like Agreement.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="destinations")
    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="destinations")
    graduation_year = models.PositiveSmallIntegerField("毕业年度")
    status = models.CharField(
        "审核状态", max_length=16, choices=DestinationStatus.choices, default=DestinationStatus.UNREGISTERED
    )
    source = models.CharField(
        "来源", max_length=12, choices=DestinationSource.choices, default=DestinationSource.STUDENT
    )
    # The national code of the current version, copied here so lists and statistics filter without a join.
    code = models.CharField("毕业去向代码", max_length=4, blank=True)
    current = models.ForeignKey(
        "DestinationVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="当前版本"
    )
    # The agreement that set it (source = agreement); cleared by its 解约.
    agreement = models.ForeignKey(
        "core.Agreement", on_delete=models.SET_NULL, null=True, blank=True, related_name="destinations"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_at = models.DateTimeField("审核通过时间", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "毕业去向"
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["school", "graduation_year", "status", "college"], name="destination_review"),
            models.Index(fields=["school", "graduation_year", "code"], name="destination_stats"),
        ]

    def __str__(self) -> str:
        return f"毕业去向 #{self.pk}"

    @property
    def code_label(self) -> str:
        return codes.label("destination", self.code, default=self.code) if self.code else ""


class DestinationVersion(models.Model):
    """One version of what the student (or an agreement) reported. Versions are never edited, only added."""

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本")
    code = models.CharField("毕业去向代码", max_length=4)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # Employment (签就业协议/签劳动合同/其他录用/科研助理/基层项目/自主创业): the unit.
    unit_name = models.CharField("单位名称", max_length=100, blank=True)
    unit_credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    unit_nature = models.CharField("单位性质", max_length=4, blank=True)
    unit_location = models.CharField("单位所在地", max_length=6, blank=True)
    position = models.CharField("工作职位", max_length=100, blank=True)
    contract_start = models.DateField("合同开始日期", null=True, blank=True)
    contract_end = models.DateField("合同结束日期", null=True, blank=True)
    project_name = models.CharField("项目名称", max_length=100, blank=True)
    # 升学 / 出国（境）: the school.
    school_name = models.CharField("学校名称", max_length=100, blank=True)
    programme = models.CharField("专业", max_length=100, blank=True)
    country = models.CharField("国家（地区）", max_length=50, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["version"]
        constraints = [models.UniqueConstraint(fields=["destination", "version"], name="destination_unique_version")]


class DestinationEvent(models.Model):
    """流程追踪 of a 去向: one row per action, append-only."""

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField("用户名称", max_length=100)
    actor_role = models.CharField("角色", max_length=20, blank=True)
    action = models.CharField("操作代码", max_length=40)
    action_label = models.CharField("操作", max_length=40)
    remark = models.TextField("备注", blank=True)
    old_status = models.CharField(max_length=16, blank=True)
    new_status = models.CharField(max_length=16, blank=True)
    code = models.CharField("毕业去向代码", max_length=4, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["destination", "created_at"], name="destination_event_timeline")]


class Attachment(models.Model):
    """A proof file: of a 去向 (offer, admission letter, …) or the scan of a paper 就业协议书.

    The file lives in Django's storage; it is served only to its student and their reviewers."""

    destination = models.ForeignKey(
        Destination, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    agreement = models.ForeignKey(
        "core.Agreement", on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField("文件", upload_to="attachments/%Y/%m/", max_length=200)
    name = models.CharField("文件名", max_length=100)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(destination__isnull=False, agreement__isnull=True)
                | Q(destination__isnull=True, agreement__isnull=False),
                name="attachment_one_owner",
            )
        ]
