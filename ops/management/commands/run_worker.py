from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from ops.workers import Heartbeat


class Command(DbWorkerCommand):
    help = "Run a task worker (django-tasks-db's db_worker) with a heartbeat, so its jobs have a lease."

    def handle(self, *args: Any, **options: Any) -> None:
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
