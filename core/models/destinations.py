"""毕业去向登记: each graduate's one current 去向, its versions, its 流程追踪 and its attachments.

A 去向 is coded by the national 毕业去向 code table (`core/codes/data/destination.json`). An effective agreement
(online or on paper) sets it (`source = agreement`); any other 去向 the student reports, with proof, and the college
and the school review it as they review agreements.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import codes
from core.models.org import College, School, Student, User
from core.models.timeline import TimelineEvent


class DestinationStatus(models.TextChoices):
    UNREGISTERED = "unregistered", "未登记"
    DRAFT = "draft", "未提交"
    COLLEGE_REVIEW = "college_review", "待学院审核"
    SCHOOL_REVIEW = "school_review", "待学校审核"
    RETURNED = "returned", "审核退回"
    APPROVED = "approved", "审核通过"
    # Entered or changed by the school for the graduate (issue 20): counts nowhere until the graduate confirms it.
    PENDING_CONFIRMATION = "pending_confirmation", "待本人确认"
    DISPUTED = "disputed", "学生有异议"


class DestinationSource(models.TextChoices):
    STUDENT = "student", "学生登记"
    AGREEMENT = "agreement", "就业协议书"
    STAFF = "staff", "学校代为登记"


class Destination(models.Model):
    """The student's current 毕业去向; one row per student, its data in `current` (a version)."""

    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="destination")
    # Denormalised from the student for scoping and statistics without joins, like Agreement.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="destinations")
    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="destinations")
    graduation_year = models.PositiveSmallIntegerField("毕业年度")
    status = models.CharField(
        "审核状态", max_length=24, choices=DestinationStatus.choices, default=DestinationStatus.UNREGISTERED
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
    # 异议: the graduate says a 去向 the school entered is not theirs; only the province closes it.
    dispute_reason = models.CharField("异议理由", max_length=200, blank=True)
    disputed_at = models.DateTimeField("提出异议时间", null=True, blank=True)
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


class DestinationEvent(TimelineEvent):
    """流程追踪 of a 去向 (the shape is `TimelineEvent`'s), with the 毕业去向代码 the event left."""

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="events")
    code = models.CharField("毕业去向代码", max_length=4, blank=True)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["destination", "created_at"], name="destination_event_timeline")]
        constraints = [
            models.UniqueConstraint(fields=["destination", "sequence"], name="destination_event_sequence_once")
        ]


class DestinationNotification(models.Model):
    """消息 of a 去向's event, as core.catalogue says (the school's side of a graduate's 异议, the graduate of a 去向
    the school entered), with its read state; the agreement's 消息 are `Notification`."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="destination_notifications")
    event = models.ForeignKey(DestinationEvent, on_delete=models.CASCADE, related_name="notifications")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="destination_notice_unread")]


def retire_attachments(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
    """`on_delete` of an attachment's owner: the row and its file stay, as 佐证材料 kept EVIDENCE_RETENTION_YEARS
    from now (`core.services.evidence`), whoever deletes the 去向, the agreement or the student, by whatever path.
    Updates run in the order added: the still-current rows are stamped while their owner key still finds them."""
    current = sub_objs.filter(retired_at__isnull=True)
    collector.add_field_update(Attachment._meta.get_field("retired_reason"), Attachment.Retired.OWNER_DELETED, current)
    collector.add_field_update(Attachment._meta.get_field("retired_at"), timezone.now(), current)
    collector.add_field_update(field, None, sub_objs)


retire_attachments.lazy_sub_objs = True  # type: ignore[attr-defined]


class CurrentAttachments(models.Manager["Attachment"]):
    """The files a 去向 or a paper agreement shows now; detached and orphaned ones are kept only for the auditors."""

    def get_queryset(self) -> models.QuerySet[Attachment]:
        return super().get_queryset().filter(retired_at__isnull=True)


class Attachment(models.Model):
    """A proof file: of a 去向 (offer, admission letter, …) or the scan of a paper 就业协议书.

    The file lives in Django's storage; it is served only to its student and their reviewers. A file that stops
    being current (the student deletes it, its 去向 or agreement or student is deleted) is retired, not deleted:
    `Attachment.objects` (and every `.attachments` of an owner) no longer lists it, its reviewers and the province
    still read it, and `manage.py purge_evidence` removes it EVIDENCE_RETENTION_YEARS after `retired_at`."""

    class Kind(models.TextChoices):
        PROOF = "proof", "毕业去向证明材料"
        SCAN = "scan", "纸质协议扫描件"

    class Retired(models.TextChoices):
        DETACHED = "detached", "学生已删除"
        OWNER_DELETED = "owner_deleted", "所属记录已删除"
        # The school entered another 去向 for the graduate: these proved the one it replaced, not the new entry.
        REPLACED = "replaced", "学校代为登记时替换"

    destination = models.ForeignKey(
        Destination, on_delete=retire_attachments, null=True, blank=True, related_name="attachments"
    )
    agreement = models.ForeignKey(
        "core.Agreement", on_delete=retire_attachments, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.PROOF)
    # Whose it is, kept when the owner goes: the school (whose auditors read it) and the student as text.
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject = models.CharField("所属学生", max_length=100, blank=True)
    file = models.FileField("文件", upload_to="attachments/%Y/%m/", max_length=200)
    name = models.CharField("文件名", max_length=100)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)
    retired_reason = models.CharField("停用原因", max_length=20, choices=Retired.choices, blank=True)

    objects = CurrentAttachments()
    kept = models.Manager["Attachment"]()  # every row, retired ones too: the auditors' reads and the purge

    class Meta:
        ordering = ["created_at", "id"]
        base_manager_name = "kept"
        indexes = [models.Index(fields=["retired_at"], name="attachment_retired")]
        constraints = [
            # Never two owners; a current file exactly one (a retired one may have lost it).
            models.CheckConstraint(
                condition=(Q(destination__isnull=True) | Q(agreement__isnull=True))
                & (Q(retired_at__isnull=False) | Q(destination__isnull=False) | Q(agreement__isnull=False)),
                name="attachment_one_owner",
            )
        ]
