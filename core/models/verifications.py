"""核查 (issue 21 item 2): a reproducible sample of graduates whose 去向 the province (or a school, of its own) checks
by asking the graduate, and for a 签约 the employer's HR, through a one-time link: 属实 or 不属实, with a remark.

A campaign records what was asked (schools, 毕业年度, 去向 codes, size or share) and the seed, so the same draw can be
made again from the same data; each row keeps the record as it was shown at the draw (`shown`), the answers, and its
result: 待答复 until answered, 存疑 when nobody answered by the deadline (`VERIFICATION_DAYS`).

The draw only creates the rows; a background task (core.services.verifications.verification_send_task) mints each
row's one-time link tokens and sends its messages, row by row: `claimed_at` while a run sends it, `sent_at` once
sent, `send_attempts` and `send_error` for a provider that failed (retried). The campaign page shows sent/total.
"""

from __future__ import annotations

from django.db import models

from core.models.agreements import Agreement
from core.models.org import Province, School, Student, User


class VerificationCampaign(models.Model):
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    graduation_year = models.PositiveSmallIntegerField("毕业年度")
    school_ids = models.JSONField("院校")  # the ids drawn from, sorted
    destination_codes = models.JSONField("毕业去向代码", default=list)  # [] for all
    size = models.PositiveIntegerField("抽样人数", null=True, blank=True)
    share = models.DecimalField("抽样比例", max_digits=5, decimal_places=4, null=True, blank=True)
    seed = models.CharField("随机种子", max_length=64)
    population = models.PositiveIntegerField("总体人数", default=0)
    created_at = models.DateTimeField("抽样时间", auto_now_add=True)
    deadline = models.DateTimeField("答复截止")

    class Meta:
        verbose_name = verbose_name_plural = "核查"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"核查 #{self.pk}"


class VerificationRow(models.Model):
    class Result(models.TextChoices):
        PENDING = "pending", "待答复"
        TRUE = "true", "属实"
        FALSE = "false", "不属实"
        DOUBTFUL = "doubtful", "存疑"

    class Answer(models.TextChoices):
        TRUE = "true", "属实"
        FALSE = "false", "不属实"

    campaign = models.ForeignKey(VerificationCampaign, on_delete=models.CASCADE, related_name="rows")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    shown = models.JSONField("核查内容")  # the record as the platform held it at the draw
    result = models.CharField("核查结果", max_length=10, choices=Result.choices, default=Result.PENDING)

    # The one-time links' SHA-256, minted by the sending task (null until then); `employer_asked` at the draw.
    student_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    student_answer = models.CharField("学生答复", max_length=6, choices=Answer.choices, blank=True)
    student_remark = models.CharField("学生说明", max_length=200, blank=True)
    student_answered_at = models.DateTimeField("学生答复时间", null=True, blank=True)
    student_messages = models.PositiveSmallIntegerField("发给学生的消息", default=0)

    employer_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    employer_answer = models.CharField("单位答复", max_length=6, choices=Answer.choices, blank=True)
    employer_remark = models.CharField("单位说明", max_length=200, blank=True)
    employer_answered_at = models.DateTimeField("单位答复时间", null=True, blank=True)
    employer_messages = models.PositiveSmallIntegerField("发给单位的消息", default=0)
    employer_asked = models.BooleanField("询问单位", default=False)  # a 签约: its employer's HR is asked too

    claimed_at = models.DateTimeField(null=True, blank=True)  # a sending run took the row up
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)  # its messages went out
    send_attempts = models.PositiveSmallIntegerField(default=0)  # runs whose provider failed on this row
    send_error = models.CharField("发送失败原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "核查样本"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "student"], name="verification_row_once")]
        indexes = [models.Index(fields=["campaign", "sent_at"], name="verification_row_sent")]

    def __str__(self) -> str:
        return f"核查样本 #{self.pk}"


class VerificationAnswer(models.Model):
    """One answer through a link, append-only: the record the audit ledger chains (core.services.ledger SOURCES,
    kind `verification_answer`), so an answer edited, deleted or inserted in the database is reported by
    audit_verify. The row's own fields are the current state the pages read."""

    row = models.ForeignKey(VerificationRow, on_delete=models.PROTECT, related_name="answers")

    class Method(models.TextChoices):
        """How the one who answered was known: the graduate's 本人确认 (a passkey, or the SMS code where they
        chose it), the graduate's signed-in session alone (no passkey: issue 21), the HR's one-time link."""

        PASSKEY = "passkey", "通行密钥"
        SMS = "sms", "短信验证码"
        LOGIN = "login", "登录账号"
        LINK = "link", "一次性链接"

    by = models.CharField("答复方", max_length=10)  # "student" or "employer"
    method = models.CharField("答复方式", max_length=10, choices=Method.choices, blank=True)  # blank: before it
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answer = models.CharField("答复", max_length=6, choices=VerificationRow.Answer.choices)
    remark = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("答复时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "核查答复"
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["row", "by"], name="verification_answer_once")]

    def __str__(self) -> str:
        return f"核查答复 #{self.pk}"
