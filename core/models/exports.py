"""导出 jobs: a large export written by a worker, with its progress and, once done, its file in Django's storage."""

from __future__ import annotations

from django.db import models

from core.models.org import User


class ExportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在导出"
        DONE = "done", "导出完成"
        FAILED = "failed", "导出失败"

    class Kind(models.TextChoices):
        AGREEMENTS = "agreements", "协议书列表"
        PLAN = "plan", "就业方案"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="export_jobs")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField("名称", max_length=60)
    # The list's query exactly as the page filtered and scoped it (a pickled django Query, written only by
    # core.services.export_jobs, never from a request), so the file holds the same rows the page counted.
    query = models.BinaryField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField("总行数", default=0)
    done = models.PositiveIntegerField("已导出", default=0)
    file = models.FileField("文件", upload_to="exports/%Y/%m/", blank=True, max_length=200)
    filename = models.CharField("文件名", max_length=120)
    detail = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导出任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="export_job_owner")]

    def __str__(self) -> str:
        return f"导出 #{self.pk}（{self.title}）"

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, int(self.done * 100 / self.total)) if self.total else 0
