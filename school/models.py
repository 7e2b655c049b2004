"""The school portal's own state: roster import jobs (upload, preview, progress, result)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RosterImportJob(models.Model):
    """One uploaded roster file, from its dry run to the import itself.

    The file is kept in Django's storage only while it is needed (preview → import); it is deleted once the
    job reaches a final state, however it gets there, so the roster's personal data does not linger.
    """

    class State(models.TextChoices):
        VALIDATING = "validating", "正在校验"
        INVALID = "invalid", "校验未通过"
        READY = "ready", "待确认导入"
        IMPORTING = "importing", "正在导入"
        DONE = "done", "导入完成"
        FAILED = "failed", "导入失败"

    RUNNING_STATES = (State.VALIDATING, State.IMPORTING)
    FINAL_STATES = (State.INVALID, State.DONE, State.FAILED)

    school = models.ForeignKey("core.School", on_delete=models.CASCADE, related_name="roster_import_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField("文件", upload_to="roster_imports/%Y/%m/", blank=True)
    original_name = models.CharField("文件名", max_length=200)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.VALIDATING)
    # Rows in the file (known after the dry run) and rows written so far by the import.
    total = models.PositiveIntegerField("总行数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    # {created, updated, unchanged, colleges_created, majors_created} of the dry run, then of the import.
    preview = models.JSONField("预览", default=dict, blank=True)
    result = models.JSONField("导入结果", default=dict, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)  # [{row, column, message}]
    detail = models.CharField("说明", max_length=500, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    started_at = models.DateTimeField("开始导入时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "生源导入任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school", "state"], name="roster_job_school_state")]
        # One import per school at a time (school.roster_jobs._claim_import), held by the database itself.
        constraints = [
            models.UniqueConstraint(
                fields=["school"], condition=models.Q(state="importing"), name="roster_job_one_import_per_school"
            )
        ]

    def __str__(self) -> str:
        return f"生源导入 #{self.pk}（{self.original_name}）"

    @property
    def is_running(self) -> bool:
        return self.state in self.RUNNING_STATES

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
