"""One settings module; every knob is an environment variable with a zero-configuration default."""

import datetime
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF

from sso.config import read_sso_schools
from wangqian.env import env_bool, env_int, env_int_list, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
# DEMO enables the demo data and the generated self-signed school certificate; never in production.
DEMO = env_bool("WANGQIAN_DEMO", default=False)
# `make serve` (ops.production) refuses to start with this key, with a missing one, with DEBUG or with demo data.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me"
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The address people reach this site at: every link in e-mail, short messages and the agreement's QR code starts
# with it. Unset, it follows the port the server is started on (PORT; `manage.py serve --port` sets it too).
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_str('PORT', '8000')}").rstrip("/")
# Behind HTTPS (production) the session and CSRF cookies travel only over TLS.
HTTPS = env_bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
# With HTTPS on, plain HTTP is redirected and browsers are told to use only HTTPS from then on (HSTS).
# Health probes stay answerable over plain HTTP inside the cluster.
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
# Preloading commits the whole domain to HTTPS in every browser; the operator opts in after hstspreload.org.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy (django-csp): scripts only from our own static files, no inline script or event
# handler, no eval; styles may still be inline (style="…" attributes, htmx's indicator style).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "axes",
    "core",
    "api",
    "web",
    "employer",
    "student",
    "school",
    "documents",
    "ops",
    "webhooks",
    "sso",
]
# Prometheus metrics at /metrics (django-prometheus); serve_production gives gunicorn's workers a shared directory.
PROMETHEUS_METRICS = env_bool("PROMETHEUS_METRICS", default=False)
if PROMETHEUS_METRICS:
    INSTALLED_APPS.append("django_prometheus")
WHITENOISE_USE_FINDERS = True

MIDDLEWARE = [
    "ops.middleware.HealthProbeMiddleware",
    "ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outermost of ours: it sees every answer under /api/v1, those of the middleware below included.
    "api.middleware.ApiErrorShapeMiddleware",
    "web.middleware.RefuseUnstorableInputMiddleware",
    "web.middleware.NotAllowedPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "web.middleware.PasswordChangeRequiredMiddleware",
    # Last, as django-axes asks: turns a throttled login, activation or reset into its refusal (core.throttle).
    "axes.middleware.AxesMiddleware",
]
if PROMETHEUS_METRICS:
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

ROOT_URLCONF = "wangqian.urls"
WSGI_APPLICATION = "wangqian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.portal",
            ],
        },
    },
]

_sqlite_default = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _sqlite_default), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy timeout
    # instead of failing half-way with "database is locked"; WAL lets readers run meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses an account or address in its cooling-off period before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # 统一身份认证 (sso/): each answers only its own credentials (a CAS ticket, an OIDC callback)
    "sso.backends.CASBackend",
    "sso.backends.OIDCBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "core.auth.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes), shared by the login page, /auth/token, activation and password reset.
# After LOGIN_FAILURE_LIMIT failures for one account, or LOGIN_FAILURE_LIMIT_PER_ADDRESS from one address
# (higher: a campus NAT puts many students behind one address), further attempts are refused until
# LOGIN_COOLOFF_MINUTES after the last failure. Attempts while refused do not extend the wait.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
# 统一身份认证 sign-ins that the school's server or roster refused have their own budget per address (within
# LOGIN_COOLOFF_MINUTES): past it, only SSO sign-ins from there are refused, never the password logins.
SSO_FAILURE_LIMIT_PER_ADDRESS = env_int("SSO_FAILURE_LIMIT_PER_ADDRESS", 30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "core.throttle.ThrottleHandler"
AXES_LOCKOUT_CALLABLE = "core.throttle.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success must not wipe the address's failures against other accounts (that would reset a guesser's count).
AXES_RESET_ON_SUCCESS = False
# Every failure is kept (a bounded number per account) for the school admin's 登录失败记录.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 100
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Behind a reverse proxy, the client address is read from X-Forwarded-For, trusting this many proxies.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# 统一身份认证: schools whose students and admins sign in through the school's CAS or OIDC server
# (SSO_SCHOOLS and SSO_<院校代码>_*, docs/DEPLOY.md); a value that cannot work stops the start.
SSO_SCHOOLS = read_sso_schools()

# API bearer tokens expire this long after they were issued (not sliding: a leaked token dies on time).
API_TOKEN_LIFETIME = datetime.timedelta(hours=env_int("API_TOKEN_LIFETIME_HOURS", 12))
# Most activation codes one request may issue (an xlsx for a whole cohort fits; a province's roster is split).
ACTIVATION_CODES_PER_REQUEST = env_int("ACTIVATION_CODES_PER_REQUEST", 20000)
# Password reset links (Django's token generator) are valid this long and only once.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60) * 60

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
# Files (roster uploads, attachments) go through Django's storage API. The default is the local folder MEDIA_ROOT;
# with several app hosts use S3-compatible object storage (django-storages), which every host reads.
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if STORAGE_BACKEND == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", "wangqian"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            # Private objects, handed out only by the app (downloads check who asks); never overwritten in place.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,
        },
    }
elif STORAGE_BACKEND != "local":
    raise ValueError(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}")
# Front-end packages and the GB/T 2260 table come from the npm registry at install time.
NODE_MODULES = Path(env_str("NODE_MODULES", str(BASE_DIR / "node_modules")))

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
WANGQIAN_MAX_UPLOAD_BYTES = env_int("WANGQIAN_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# 毕业去向 proofs and paper-agreement scans (PDF, JPG, PNG): size of one file, files per 去向.
WANGQIAN_ATTACHMENT_MAX_BYTES = env_int("WANGQIAN_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
WANGQIAN_ATTACHMENT_MAX_FILES = env_int("WANGQIAN_ATTACHMENT_MAX_FILES", 5)
# An xlsx is a zip: the upload cap bounds only its compressed size. These bound what openpyxl would inflate and
# parse (core.services.xlsx.check_xlsx), so a decompression bomb is refused before it costs time or memory.
# A 20,000-row roster is about 13 MB inflated with 200,000 cells; the defaults allow five times that.
WANGQIAN_XLSX_MAX_ROWS = env_int("WANGQIAN_XLSX_MAX_ROWS", 100_000)
WANGQIAN_XLSX_MAX_COLUMNS = env_int("WANGQIAN_XLSX_MAX_COLUMNS", 50)
WANGQIAN_XLSX_MAX_CELLS = env_int("WANGQIAN_XLSX_MAX_CELLS", 2_000_000)
WANGQIAN_XLSX_MAX_ENTRIES = env_int("WANGQIAN_XLSX_MAX_ENTRIES", 200)
WANGQIAN_XLSX_MAX_ENTRY_BYTES = env_int("WANGQIAN_XLSX_MAX_ENTRY_BYTES", 64 * 1024 * 1024)
WANGQIAN_XLSX_MAX_UNCOMPRESSED_BYTES = env_int("WANGQIAN_XLSX_MAX_UNCOMPRESSED_BYTES", 128 * 1024 * 1024)
WANGQIAN_XLSX_MAX_RATIO = env_int("WANGQIAN_XLSX_MAX_RATIO", 100)
# Roster import jobs (school.roster_jobs): a running job's worker beats every tenth of the lease; a job silent
# for the lease lost its worker and is marked failed, so it blocks the next import for a minute at most. A job
# no worker has taken up yet fails after the queue limit; a preview nobody confirmed, after the preview limit.
WANGQIAN_ROSTER_JOB_LEASE_SECONDS = env_int("WANGQIAN_ROSTER_JOB_LEASE_SECONDS", 60)
WANGQIAN_ROSTER_JOB_QUEUE_MINUTES = env_int("WANGQIAN_ROSTER_JOB_QUEUE_MINUTES", 30)
WANGQIAN_ROSTER_PREVIEW_HOURS = env_int("WANGQIAN_ROSTER_PREVIEW_HOURS", 24)
# An employer may invite (or add to its 签约发送列表) only students its exact search found this many days ago
# at most, or already on its send list: ids are sequential, so any other id must answer as a nonexistent one.
WANGQIAN_SEARCH_VALID_DAYS = env_int("WANGQIAN_SEARCH_VALID_DAYS", 30)
# 统计 counters (core.models.stats): each key is spread over this many rows so that concurrent workflow writes in one
# major do not queue on one row; readers sum them. Changing it needs no rebuild.
WANGQIAN_STATS_SLOTS = env_int("WANGQIAN_STATS_SLOTS", 16)
# Exports (导出): up to this many rows the file is written while the browser waits; a larger one becomes a
# background job with a progress page (core.services.export_jobs), whose file is kept this many hours.
WANGQIAN_EXPORT_SYNC_MAX_ROWS = env_int("WANGQIAN_EXPORT_SYNC_MAX_ROWS", 5000)
WANGQIAN_EXPORT_KEEP_HOURS = env_int("WANGQIAN_EXPORT_KEEP_HOURS", 24)
# A job with no progress for this long (no worker took it up again) is marked failed by the scheduler.
WANGQIAN_EXPORT_STALL_MINUTES = env_int("WANGQIAN_EXPORT_STALL_MINUTES", 30)

# Background work: django-tasks with its database backend needs no extra server; `manage.py db_worker`
# runs the queue (make run starts one). Tests run tasks immediately.
TASK_QUEUES = ["default", "webhooks"]
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        # "webhooks" has a worker of its own (run_worker --queue-name webhooks), see webhooks/services.py.
        "QUEUES": TASK_QUEUES,
    }
}

# Task workers (ops.workers): a worker writes a heartbeat every TASK_HEARTBEAT_SECONDS; a job whose worker has not
# been seen for TASK_LEASE_SECONDS goes back to the queue, at most TASK_MAX_CLAIMS times.
TASK_HEARTBEAT_SECONDS = env_int("TASK_HEARTBEAT_SECONDS", 5)
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 60)
TASK_MAX_CLAIMS = env_int("TASK_MAX_CLAIMS", 5)
# /readyz: a worker must have been seen within this many seconds; a queue deeper than the limit (0: none) fails.
READYZ_WORKER_SEEN_SECONDS = env_int("READYZ_WORKER_SEEN_SECONDS", 60)
READYZ_REQUIRE_WORKER = env_bool("READYZ_REQUIRE_WORKER", default=True)
READYZ_MAX_QUEUE_DEPTH = env_int("READYZ_MAX_QUEUE_DEPTH", 0)

# The school's signing key and certificate (PEM) and the root that verifies them. In demo/development a
# self-signed school root and signing certificate are generated under SIGNING_DEMO_DIR.
SIGNING_KEY_FILE = env_str("SIGNING_KEY_FILE", "")
SIGNING_KEY_PASSWORD = env_str("SIGNING_KEY_PASSWORD", "")
SIGNING_CERT_FILE = env_str("SIGNING_CERT_FILE", "")
SIGNING_CA_FILE = env_str("SIGNING_CA_FILE", "")
SIGNING_DEMO_DIR = Path(env_str("SIGNING_DEMO_DIR", str(BASE_DIR / "var" / "signing")))
# TrueType CJK fonts embedded (as subsets) in the agreement PDF; `path#N` picks a face of a .ttc.
DOCUMENT_FONT_FILE = env_str("DOCUMENT_FONT_FILE", "")
DOCUMENT_HEADING_FONT_FILE = env_str("DOCUMENT_HEADING_FONT_FILE", "")

# E-mail to the parties of an event (core.services.notify), sent from the task queue. The default prints it.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "wangqian@localhost")
# Short messages to the students' roster phones (core.sms), chosen like EMAIL_BACKEND: a dotted path to a class
# with send_messages(). Shipped: core.sms.backends.console.SmsBackend (prints), .file.SmsBackend (JSON lines in
# SMS_FILE_PATH/sms.log), .dummy.SmsBackend; a school names its provider's adapter here. Empty: no SMS. The demo
# and development default prints them.
SMS_BACKEND = env_str("SMS_BACKEND", "core.sms.backends.console.SmsBackend" if DEMO or DEBUG else "")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(BASE_DIR / "var" / "sms"))
# Reminders (core.services.reminders, run by the scheduler): the student is reminded this many hours before an
# invitation expires; reviewers get their daily digest at this hour of the school's day.
REMINDER_INVITATION_HOURS = env_int("REMINDER_INVITATION_HOURS", 24)
REMINDER_DIGEST_HOUR = env_int("REMINDER_DIGEST_HOUR", 8)

# Webhooks (webhooks/): a school's systems receive its agreement events, signed per Standard Webhooks. A URL may
# resolve only to public addresses, or into WEBHOOK_ALLOWED_NETWORKS (CIDRs, e.g. the campus 10.0.0.0/8): the
# URL is typed by an admin, so loopback, link-local (cloud metadata) and private ranges are refused otherwise.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
# Seconds to wait after the 1st, 2nd, ... failed attempt; after the last one the delivery is failed (~28 h in all).
WEBHOOK_RETRY_SCHEDULE = env_int_list("WEBHOOK_RETRY_SCHEDULE", [5, 300, 1800, 7200, 18000, 36000, 36000])
WEBHOOK_ALLOWED_NETWORKS = env_networks("WEBHOOK_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"] if DEMO else [])
# A delivery still not made this long after its round began is failed (a resting endpoint's deliveries wait).
WEBHOOK_GIVE_UP_SECONDS = env_int("WEBHOOK_GIVE_UP_SECONDS", sum(WEBHOOK_RETRY_SCHEDULE) + 3600)
WEBHOOK_MAX_ENDPOINTS_PER_SCHOOL = env_int("WEBHOOK_MAX_ENDPOINTS_PER_SCHOOL", 10)
# 发送测试消息: at most one per endpoint in this many seconds.
WEBHOOK_TEST_INTERVAL_SECONDS = env_int("WEBHOOK_TEST_INTERVAL_SECONDS", 30)
WEBHOOK_REQUIRE_HTTPS = env_bool("WEBHOOK_REQUIRE_HTTPS", default=False)

# REQUEST_LOG=1 (make serve sets it) writes one JSON line per request: request id, user id, status, duration.
REQUEST_LOG = env_bool("REQUEST_LOG", default=False)

# 当前共N条记录 on the agreement lists (core.selectors.paging): exact for a list of at most LIST_COUNT_EXACT_LIMIT rows;
# a longer list's count is kept LIST_COUNT_CACHE_SECONDS per query (viewer and filters), so it is at most that old.
LIST_COUNT_EXACT_LIMIT = env_int("LIST_COUNT_EXACT_LIMIT", 10_000)
LIST_COUNT_CACHE_SECONDS = env_int("LIST_COUNT_CACHE_SECONDS", 60)
# A list's filter choices drawn from the data (毕业年度, 院校 of one's agreements) are recomputed this often.
LIST_CHOICES_CACHE_SECONDS = env_int("LIST_CHOICES_CACHE_SECONDS", 300)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "json": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "wangqian.request": {
            "handlers": ["json"],
            "level": "INFO" if REQUEST_LOG else "WARNING",
            "propagate": False,
        },
    },
}
