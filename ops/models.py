"""What operations needs in the database: which task workers are alive."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """A task worker process writes its row every few seconds while it lives (ops.workers).

    A job whose worker's row has gone stale is taken again (the lease); /readyz reports the live workers."""

    worker_id = models.CharField("工作进程", max_length=64, unique=True)
    hostname = models.CharField("主机", max_length=255)
    pid = models.PositiveIntegerField("进程号")
    started_at = models.DateTimeField("启动时间", auto_now_add=True)
    last_seen = models.DateTimeField("最近心跳", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "任务工作进程"

    def __str__(self) -> str:
        return f"{self.worker_id}@{self.hostname}:{self.pid}"
