"""Background jobs. Tasks take ids, stay thin, and leave the work to documents.services."""

from __future__ import annotations

from django_tasks import task

from documents import services


@task()
def generate_document(document_id: int) -> str:
    try:
        document = services.document_generate(document_id)
    except Exception:
        # The attempt is recorded on the row; queue the next one (with back-off) unless attempts are used up,
        # then let the task fail so the queue's own record shows the error too.
        services.schedule_retry(document_id)
        raise
    return document.state
