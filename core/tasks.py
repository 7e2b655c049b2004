"""Background jobs of the core. Tasks take ids and stay thin."""

from __future__ import annotations

from django_tasks import task

from core.services.notify import event_emails


@task()
def send_event_emails(event_id: int) -> int:
    return event_emails(event_id)


@task()
def send_password_reset(username: str) -> int:
    from core.services.password_reset import password_reset_email

    return password_reset_email(username)
