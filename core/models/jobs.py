"""Background jobs a user started and watches: one row per job, whatever its kind (issue 18 "one job model").

A job is run by a task of the queue (core.tasks.enqueue_on_commit); the worker lease (ops.workers) puts the task
back when its worker dies, and the task takes its job up again from the start, so "is it alive" has one answer:
a running job whose row has not moved for the lease lost its worker (core.services.jobs). `scope` names what a
job must be alone in (an employer's 导入拟签约名单: `employer:<id>`): a conditional unique index keeps one
queued or running job of a kind per scope. `file` holds the job's input (an upload, deleted when the job ends)
or its output (an export's file, kept WANGQIAN_JOB_KEEP_HOURS); `result` what it answers (counts, row errors).
Exports (导出 of a list, 就业方案), 导入拟签约名单 and 生源导入 are jobs. A 生源导入 (core.services.roster_jobs) runs
twice: its dry run ends `ready` (a preview the admin confirms) or `invalid` (every row error in `result`), the
confirmed import is queued again in the school's scope, so the index keeps one import per school.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from core.models.org import User


class Job(models.Model):
    class Kind(models.TextChoices):
        AGREEMENTS = "agreements", "导出协议书列表"
        PLAN = "plan", "导出就业方案"
        SHORTLIST = "shortlist", "导入拟签约名单"
        ROSTER = "roster", "生源导入"

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        READY = "ready", "待确认导入"  # a dry run passed; the admin confirms its preview (生源导入)
        DONE = "done", "已完成"
        INVALID = "invalid", "校验未通过"  # the file was refused: nothing written, every error in `result`
        FAILED = "failed", "失败"

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)
    FINAL_STATES = (State.DONE, State.INVALID, State.FAILED)
    EXPORT_KINDS = (Kind.AGREEMENTS, Kind.PLAN)
    # Kinds whose finished jobs are a record the users keep reading (生源导入's 导入记录): only their files expire.
    KEPT_KINDS = (Kind.ROSTER,)

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="jobs")
    scope = models.CharField("范围", max_length=40, blank=True)
    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField("总行数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    result = models.JSONField("结果", default=dict, blank=True)
    detail = models.CharField("说明", max_length=500, blank=True)
    file = models.FileField("文件", upload_to="jobs/%Y/%m/", blank=True, max_length=200)
    filename = models.CharField("文件名", max_length=200, blank=True)
    title = models.CharField("名称", max_length=60, blank=True)
    # What the job works on. An export: the list's query exactly as the page filtered and scoped it (a pickled
    # django Query, written only by core.services.export_jobs, never from a request), or its `params`.
    query = models.BinaryField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "kind", "-created_at"], name="job_owner_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scope"],
                condition=models.Q(state__in=["queued", "running"]) & ~models.Q(scope=""),
                name="job_one_active_per_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def is_export(self) -> bool:
        return self.kind in self.EXPORT_KINDS

    @property
    def errors(self) -> list[dict[str, Any]]:
        """An import's row errors ({row, column, message}), when its file was refused."""
        errors = self.result.get("errors") if isinstance(self.result, dict) else None
        return errors if isinstance(errors, list) else []

    @property
    def preview(self) -> dict[str, Any]:
        """A 生源导入's dry run: what the import would create and update."""
        preview = self.result.get("preview") if isinstance(self.result, dict) else None
        return preview if isinstance(preview, dict) else {}

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, int(self.done * 100 / self.total)) if self.total else 0
