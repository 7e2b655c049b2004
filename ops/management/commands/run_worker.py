import time
from typing import Any

from django.db import OperationalError, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.utils import is_locked_database_exception

from ops.workers import Heartbeat

# After SQLite said "database is locked" (a long write, such as a large 生源导入, held it past the busy timeout), the
# worker waits this long and goes on; the lock is released when that write commits.
LOCKED_PAUSE_SECONDS = 1.0


class Command(DbWorkerCommand):
    help = "Run a task worker (django-tasks-db's db_worker) with a heartbeat, so its jobs have a lease."

    def handle(self, *args: Any, **options: Any) -> None:
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            self.work(*args, **options)
        finally:
            heartbeat.stop()

    def work(self, *args: Any, **options: Any) -> None:
        """db_worker's loop, taken up again when the database is locked: the library ignores a lock only while it
        looks for a task, so one met when it begins its transaction or records a result ended the worker (and with
        it `make run`, which stops every process when one dies). A task whose result could not be recorded stays
        claimed by this worker; it goes back to the queue by the lease rules when the worker stops."""
        while True:
            try:
                super().handle(*args, **options)
                return
            except OperationalError as error:
                if not is_locked_database_exception(error):
                    raise
                self.stderr.write(f"Database locked; the worker goes on in {LOCKED_PAUSE_SECONDS:.0f} s")
                connections.close_all()
                time.sleep(LOCKED_PAUSE_SECONDS)
