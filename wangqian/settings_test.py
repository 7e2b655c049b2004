"""Test settings: fast hashing, tasks run inline, an isolated media folder."""

import os
import tempfile
from pathlib import Path

from wangqian.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": TASK_QUEUES}}  # noqa: F405
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="wangqian-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEMO = True
# As in the demo: tests turn a school's 管理员两步验证 on where they need it.
ADMIN_SECOND_FACTOR = False
# The tests' webhook receivers listen on this machine.
WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not :memory:, so tests with several threads exercise SQLite's real locking; one per process,
    # so parallel runs never share it.
    _test_db = Path(tempfile.gettempdir()) / f"wangqian-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db)}  # noqa: F405
SMS_BACKEND = "core.sms.backends.locmem.SmsBackend"
# Tests walk one graduate through many binding acts (each a 本人确认 by SMS code); the limit has its own test.
CONFIRMATION_CODES_PER_HOUR = 1000
# Each test process keeps its own memory cache whatever CACHE_URL says: tests clear it, and a shared Redis would be
# cleared under the other workers' feet (core/tests/test_cache.py tests the two-level cache on Redis itself).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
