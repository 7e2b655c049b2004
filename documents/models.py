"""Issued agreement documents: every version the system has signed, kept with its SHA-256 for verification."""

from __future__ import annotations

from django.db import models


def document_file_name(document: AgreementDocument, filename: str) -> str:
    """Where a version's PDF lives in the storage: per agreement, named by version and hash, never reused."""
    return f"agreements/{document.agreement_id}/v{document.version}-{document.sha256[:16]}.pdf"


class AgreementDocument(models.Model):
    """One issued version of an agreement's PDF.

    A row is created `pending` when the agreement reaches a state that needs a (new) document, and filled in
    by the background job. Rows are never deleted: the verification page must recognise old files as superseded.
    """

    class State(models.TextChoices):
        PENDING = "pending", "生成中"
        READY = "ready", "已签发"
        FAILED = "failed", "生成失败"

    class Kind(models.TextChoices):
        EFFECTIVE = "effective", "生效协议书"
        TERMINATED = "terminated", "已解约协议书"

    agreement = models.ForeignKey("core.Agreement", on_delete=models.CASCADE, related_name="documents")
    version = models.PositiveIntegerField("版本")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.PENDING)
    # The PDF lives in the storage (local folder, or S3-compatible object storage that every host reads), written
    # once under a name of its own; the row keeps its SHA-256, and every read is checked against it, so a lost or
    # replaced file is reported, never served, and verification still recognises every version ever issued.
    file = models.FileField("PDF文件", upload_to=document_file_name, blank=True, editable=False, max_length=200)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, db_index=True)
    signed = models.BooleanField("已数字签名", default=False)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    generated_at = models.DateTimeField("签发时间", null=True, blank=True)
    superseded_at = models.DateTimeField("被取代时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "协议书文件"
        ordering = ["agreement", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "version"], name="document_unique_version"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="document_state")]

    def __str__(self) -> str:
        return f"协议书 #{self.agreement_id} 第{self.version}版（{self.get_state_display()}）"

    @property
    def is_current(self) -> bool:
        return self.state == self.State.READY and self.superseded_at is None
