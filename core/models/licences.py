"""营业执照 scans no longer current: the one an employer replaced while waiting for 资质审核 (the Employer row holds
only its current scan). Kept as 佐证材料 for EVIDENCE_RETENTION_YEARS from `retired_at`, shown to 单位资质审核 under
the current one, then removed by `manage.py purge_evidence`."""

from __future__ import annotations

from django.db import models

from core.models.org import Employer


class RetiredLicence(models.Model):
    employer = models.ForeignKey(
        Employer, on_delete=models.SET_NULL, null=True, blank=True, related_name="retired_licences"
    )
    # The unit as registered when the scan was current, kept if the employer row goes.
    employer_name = models.CharField("单位名称", max_length=100)
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    file = models.FileField("营业执照扫描件", max_length=200)
    name = models.CharField("文件名", max_length=100)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）", null=True, blank=True)
    uploaded_at = models.DateTimeField("上传时间", null=True, blank=True)
    retired_at = models.DateTimeField("被替换时间")

    class Meta:
        verbose_name = verbose_name_plural = "已替换的营业执照扫描件"
        ordering = ["-retired_at", "-id"]
        indexes = [models.Index(fields=["retired_at"], name="retired_licence_time")]

    def __str__(self) -> str:
        return f"{self.employer_name}：{self.name}"
