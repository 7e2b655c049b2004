"""Agreements (就业协议书): one row per invitation, its terms versions, its 流程追踪 and its 解约 requests."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models.org import College, Employer, Role, School, Student, User
from core.models.status import ACTIVE_STATUSES, FINAL_STATUSES, SIGNED_STATUSES, TERMINATING_STATUSES, Status
from core.models.timeline import TimelineEvent

# The manual's two display columns, derived from status.
RESPONSE_LABELS = {
    Status.INVITED: "待应约",
    Status.DECLINED: "已拒约",
    Status.WITHDRAWN: "已撤回",
    Status.EXPIRED: "已过期",
    Status.COLLEGE_REVIEW: "双方已签约",
    Status.SCHOOL_REVIEW: "双方已签约",
    Status.RETURNED: "双方已签约",
    Status.EFFECTIVE: "双方已签约",
    Status.TERMINATION_REQUESTED: "待解约",
    Status.TERMINATION_REVIEW: "待解约",
    Status.TERMINATED: "已解约",
}
REVIEW_LABELS = {
    Status.COLLEGE_REVIEW: "待学院审核",
    Status.SCHOOL_REVIEW: "待学校审核",
    Status.RETURNED: "签约审核退回",
    Status.EFFECTIVE: "签约审核通过",
    Status.TERMINATION_REVIEW: "解约待审核",
    Status.TERMINATED: "解约审核通过",
}


def review_status_label(status: str, previous: str | None) -> str:
    """审核状态 of an agreement in `status`; 申请解约中 shows the one from before the request (`previous`, the open
    解约's previous_status). For list rows read as values as for the model."""
    if status == Status.TERMINATION_REQUESTED:
        return REVIEW_LABELS.get(Status(previous), "") if previous else ""
    return REVIEW_LABELS.get(Status(status), "")


class Agreement(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="agreements")
    # Denormalised from the student for scoping, list filters and statistics without joining 400,000 students;
    # kept right by the services that change a student (core.services.students.agreements_follow_students).
    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="agreements")
    graduation_year = models.PositiveSmallIntegerField("毕业年度")
    student_name = models.CharField("学生姓名", max_length=50)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="agreements")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="agreements")
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.INVITED)
    # A paper 就业协议书 the student registered (纸质签约): the employer never used the system; the school reviews
    # the scan, and once approved it counts like an online agreement (one-active rule, statistics).
    paper = models.BooleanField("纸质协议", default=False)
    number = models.CharField("协议书编号", max_length=40, unique=True, null=True, blank=True)
    verification_code = models.CharField("验证码", max_length=16, unique=True, null=True, blank=True)
    current_terms = models.ForeignKey(
        "AgreementTerms", on_delete=models.PROTECT, null=True, related_name="+", verbose_name="当前条款"
    )
    # The version the student last agreed to, to show what a modification changed.
    accepted_terms = models.ForeignKey(
        "AgreementTerms", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField("邀请日期")
    expires_at = models.DateTimeField("邀约有效期至")
    signed_at = models.DateTimeField("签约时间", null=True, blank=True)
    effective_at = models.DateTimeField("生效时间", null=True, blank=True)
    terminated_at = models.DateTimeField("解约时间", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "就业协议书"
        ordering = ["-invited_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="agreement_one_active_per_student",
            ),
            models.UniqueConstraint(
                fields=["employer", "student"],
                condition=Q(status=Status.INVITED),
                name="agreement_one_open_invitation",
            ),
        ]
        indexes = [
            # Lists are ordered newest first and read a page's ids first (core.selectors.paging): each viewer's
            # list index carries the tab's and filters' columns, so the ids of any tab, 毕业年度 and page come
            # from the index alone (PostgreSQL; elsewhere `include` is left out).
            models.Index(
                fields=["employer", "-invited_at", "-id"],
                include=["status", "graduation_year", "school"],
                name="agreement_employer_list",
            ),
            models.Index(
                fields=["school", "-invited_at", "-id"],
                include=["status", "graduation_year", "college"],
                name="agreement_school_list",
            ),
            # With its school: a college admin's scope is both keys, and this index answers both without the rows
            # (one generic plan whatever the college: its first page is prepared, AgreementFilters.plannable_for).
            models.Index(
                fields=["college", "-invited_at", "-id"],
                include=["status", "graduation_year", "school"],
                name="agreement_college_list",
            ),
            # The 已应约 and 待解约 tabs (several statuses each) in the list's order: their rows are scattered among the
            # others, so the whole-list index above would read tens of thousands of entries for a page's 20.
            *(
                models.Index(
                    fields=[scope, "-invited_at", "-id"],
                    include=["status", "graduation_year", other],
                    condition=Q(status__in=statuses),
                    name=f"agreement_{scope}_{tab}",
                )
                for scope, other in (("school", "college"), ("employer", "school"))
                for tab, statuses in (("accepted", SIGNED_STATUSES), ("terminating", TERMINATING_STATUSES))
            ),
            # Counts of a tab or 毕业年度 (and the statistics) read these without the rows.
            models.Index(fields=["school", "status", "college"], name="agreement_school_status"),
            models.Index(fields=["school", "graduation_year", "status"], name="agreement_school_year"),
            models.Index(fields=["employer", "status"], name="agreement_employer_status"),
            models.Index(fields=["employer", "graduation_year", "status"], name="agreement_employer_year"),
            # 学生姓名 is matched from its first character, which a btree reads as a range. The list's order and the
            # filters' columns ride along (INCLUDE), so a name's page and its count read the index alone, not each
            # matching row from the table (102 rows of 王伟 at 1M: 1.9 ms of heap reads).
            models.Index(
                fields=["employer", "student_name"],
                opclasses=["", "varchar_pattern_ops"],
                include=["invited_at", "id", "status", "graduation_year", "school"],
                name="agreement_employer_name",
            ),
            models.Index(
                fields=["school", "student_name"],
                opclasses=["", "varchar_pattern_ops"],
                include=["invited_at", "id", "status", "graduation_year", "college"],
                name="agreement_school_name",
            ),
            models.Index(fields=["status", "expires_at"], name="agreement_expiry"),
        ]

    def __str__(self) -> str:
        return f"协议书 #{self.pk}"

    @property
    def response_status_label(self) -> str:
        return RESPONSE_LABELS[Status(self.status)]

    @property
    def review_status_label(self) -> str:
        previous = self.open_termination_previous_status if self.status == Status.TERMINATION_REQUESTED else None
        return review_status_label(self.status, previous)

    @property
    def open_termination(self) -> Termination | None:
        """The 解约 request being handled (pending or in review); list selectors attach it in advance."""
        if hasattr(self, "_open_termination"):
            return self._open_termination  # type: ignore[no-any-return]
        return self.terminations.filter(state__in=Termination.OPEN_STATES).first()

    @property
    def open_termination_previous_status(self) -> str | None:
        termination = self.open_termination
        return termination.previous_status if termination else None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class AgreementTerms(models.Model):
    """One version of the invitation's terms (邀请函). Versions are never edited, only added."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="terms_versions")
    version = models.PositiveIntegerField("版本")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    unit_name = models.CharField("单位名称", max_length=100)
    position_category = models.CharField("工作职位类别", max_length=4)
    position = models.CharField("拟聘用职位", max_length=100)
    archive_receiving = models.CharField("档案接收类型", max_length=4)
    archive_unit_name = models.CharField("档案转寄单位名称", max_length=100)
    archive_address = models.CharField("档案转寄地址", max_length=200)
    archive_postcode = models.CharField("档案转寄邮编", max_length=6)
    archive_contact = models.CharField("档案转寄联系人", max_length=50)
    archive_phone = models.CharField("档案转寄联系电话", max_length=20)
    dispatch_title = models.CharField("报到证抬头", max_length=100, blank=True)
    dispatch_location = models.CharField("报到证签发所在地", max_length=6, blank=True)
    affiliation = models.CharField("单位隶属", max_length=6)
    hukou_receiving = models.CharField("户口接收类型", max_length=4)
    hukou_address = models.CharField("户口接收地址", max_length=200)
    work_location = models.CharField("工作地点", max_length=6)
    monthly_salary = models.PositiveIntegerField("月薪（元）", null=True, blank=True)
    probation_months = models.PositiveSmallIntegerField("试用期（月）", null=True, blank=True)
    liquidated_damages = models.PositiveIntegerField("违约金（元）", null=True, blank=True)
    other_terms = models.TextField("其他约定", blank=True)
    # A paper 就业协议书's own: what the student read off the paper (an online agreement takes 单位性质 and
    # 单位所在地 from the employer's 签约信息 and its 协议书编号 from us), so its 就业方案 row is as complete as an
    # online one's and never mixes the typed 单位名称 with codes of the employer row found by 信用代码.
    unit_nature = models.CharField("单位性质", max_length=4, blank=True)
    unit_location = models.CharField("单位所在地", max_length=6, blank=True)
    paper_number = models.CharField("协议书编号（纸质）", max_length=40, blank=True)

    class Meta:
        ordering = ["version"]
        constraints = [models.UniqueConstraint(fields=["agreement", "version"], name="terms_unique_version")]


class AgreementEvent(TimelineEvent):
    """流程追踪 of an agreement (the shape is `TimelineEvent`'s)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["agreement", "created_at"], name="event_timeline")]
        constraints = [models.UniqueConstraint(fields=["agreement", "sequence"], name="event_sequence_once")]


class EventAnnouncement(models.Model):
    """An agreement event whose subscribers (document, webhooks, e-mail and SMS) have not been told yet: written in
    the event's own transaction and deleted once they have been, so an event committed by a process that died
    before its on-commit announcement is announced later by `manage.py events_announce` (the scheduler's)."""

    # No database constraint: the row is a note beside the event, written and deleted on the hot path without
    # locking the event; an event removed by hand (the ledger reports it) leaves a row that nothing joins to.
    event = models.OneToOneField(
        AgreementEvent, on_delete=models.CASCADE, primary_key=True, related_name="+", db_constraint=False
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)


class Termination(models.Model):
    """A 解约 request: who asked, why, the other party's answer and the school's review."""

    class State(models.TextChoices):
        PENDING = "pending", "待对方处理"
        REVIEW = "review", "待学校审核"
        APPROVED = "approved", "解约审核通过"
        DECLINED = "declined", "对方拒绝"
        RETURNED = "returned", "解约审核退回"
        WITHDRAWN = "withdrawn", "已撤回"

    OPEN_STATES = (State.PENDING, State.REVIEW)

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="terminations")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requester_role = models.CharField(max_length=20, choices=Role.choices)
    reason = models.CharField("解约原因", max_length=200)
    previous_status = models.CharField(max_length=24, choices=Status.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    response_remark = models.CharField("对方意见", max_length=200, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    review_remark = models.CharField("审核意见", max_length=200, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(state__in=["pending", "review"]),
                name="termination_one_open_per_agreement",
            )
        ]
        indexes = [
            # The employer's 解约办理 badge on every page (core.selectors.asked_by_student): the students' requests
            # still to answer, a few of the platform's open 解约, read without their rows.
            models.Index(
                fields=["agreement"],
                condition=Q(state="pending", requester_role="student"),
                name="termination_asked_by_student",
            )
        ]


class SendListItem(models.Model):
    """签约发送列表: students an employer has picked, before sending 邀约."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="send_list")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["employer", "student"], name="send_list_unique")]


class NumberSequence(models.Model):
    """The last 协议书编号 sequence used per school and 毕业年度; numbers are never reused."""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    graduation_year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "graduation_year"], name="sequence_unique")]


class Notification(models.Model):
    """消息: an event that concerns a user, with its read state."""

    # A student's answer to an 邀约: unread, it waits on the employer in 单位签约中心 (the menu's to-do count).
    ANSWER_ACTIONS = ("accept", "decline")

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey(AgreementEvent, on_delete=models.CASCADE, related_name="notifications")
    read_at = models.DateTimeField(null=True, blank=True)
    # The event's action is one of ANSWER_ACTIONS, copied from it when the 消息 is made: the to-do count on every
    # employer page reads this index alone instead of joining the events (issue 22: 14.6 ms → an index count).
    answer = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True, answer=True), name="notification_unread_answer"
            ),
        ]


class NoticeSent(models.Model):
    """A notice (an event's e-mail and short messages, a reminder, a digest) that has gone out, or is going out.

    The row is inserted before sending and the unique key lets exactly one of several workers or schedulers
    racing on the same notice win: the others see the conflict and send nothing. `period` tells notices of the
    same kind and object apart in time (an invitation's expiry time, a digest's date); blank when there is one."""

    kind = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    period = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id", "period"], name="notice_sent_once")]


class SearchHit(models.Model):
    """A student an employer found through the exact search; only those may be added to its send list,
    so ids cannot be enumerated to browse the roster."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["employer", "student"], name="search_hit_unique")]


class SearchMiss(models.Model):
    """One exact search of an employer that found nobody (学生搜索, the API or a row of 导入拟签约名单): the budget of
    `core.services.search_budget` counts them, so sweeping the masked digits of a 身份证号 or phone fails."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="+")
    # An HMAC of the 毕业年度 and 姓名 searched: counted per name, never stored in the clear.
    target = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["employer", "created_at"], name="search_miss_window")]
