"""One settings module; every knob is an environment variable with a zero-configuration default."""

import datetime
import hashlib
import warnings
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

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
SITE_URL = env_str("SITE_URL", f"http://localhost:{env_str('PORT', '8000')}").rstrip("/")
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
    # TOTP authenticator apps and recovery codes (core.services.mfa); passkeys are core's own (core.services.passkeys)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "sampledata",
    "api",
    "web",
    "employer",
    "student",
    "school",
    "province",
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
    # An admin's session reaches no page before its second factor (web/second_factor.py) or a password change.
    "web.second_factor.SecondFactorMiddleware",
    "web.middleware.PasswordChangeRequiredMiddleware",
    # Remembers a device an account signed in on (core.throttle: it is not refused for others' failures).
    "core.throttle.KnownDeviceMiddleware",
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
    {
        # Only for `<app>/includes/*.jinja` and the site's `includes/*.jinja` fragments, where Django's engine was the
        # bound (web/jinja.py).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates", *(BASE_DIR / app / "templates" for app in ("employer", "school"))],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "web.jinja.environment"},
    },
]

_sqlite_default = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# How long a process keeps its PostgreSQL connection between requests (0: one per request, e.g. behind PgBouncer in
# transaction mode; `make run`'s threaded development server too, whose threads would each leave one open).
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
DATABASES = {
    "default": dj_database_url.parse(env_str("DATABASE_URL", _sqlite_default), conn_max_age=DATABASE_CONN_MAX_AGE)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The list indexes' non-key columns (Index.include) make them covering on PostgreSQL; SQLite builds the same
    # indexes without them, which is all it can use, so the warning says nothing to act on.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy timeout
    # instead of failing half-way with "database is locked"; WAL lets readers run meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 30),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Parameters bound by the server, so the reads run under core.selectors.paging.prepared (a list page's rows: a
    # join of eight tables by primary keys, planned in ~7 ms and run in ~1 ms at 1M agreements) are prepared once per
    # connection and then only executed. Only those: a prepared statement settles on one generic plan, which for a
    # filter on a skewed column (one employer with 100k agreements) can take the wrong index (the employer's to-do
    # count went 3.6 → 11.7 ms that way); rows read by primary key have one right plan. Behind PgBouncer in
    # transaction mode this needs its max_prepared_statements (1.21+), or DATABASE_PREPARED_STATEMENTS=0.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        # psycopg prepares a statement when asked (prepare=True) only with a threshold set; none is ever reached.
        "prepare_threshold": 2**31,
    }

# Streaming replicas (issue 22 item 4; docs/DEPLOY.md "Read replicas"): reads that may be a second behind (lists,
# statistics, exports, the province's figures: views marked core.replicas.replica_reads) go to a healthy replica;
# writes, reads in a transaction and a client's reads within REPLICA_PIN_SECONDS of its own write stay on the
# primary. Unset, no router is installed and everything reads the primary.
REPLICA_CONNECT_TIMEOUT = env_int("REPLICA_CONNECT_TIMEOUT", 1, minimum=1)  # to reach a replica, or it is down
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 5, minimum=0)  # how long a replica's health verdict is kept
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5, minimum=0)  # a replica further behind is not read
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 5, minimum=1)  # a client reads the primary this long after a write
DATABASE_REPLICAS: list[str] = []
for _n, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    from core.replicas import replica_database

    DATABASES[f"replica{_n}"] = replica_database(_url, DATABASES["default"], connect_timeout=REPLICA_CONNECT_TIMEOUT)
    DATABASE_REPLICAS.append(f"replica{_n}")
if DATABASE_REPLICAS and REPLICA_PIN_SECONDS < REPLICA_MAX_LAG_SECONDS:
    # Past its pin a client may read a replica that is REPLICA_MAX_LAG_SECONDS behind: its own write must be there.
    raise ImproperlyConfigured(
        f"REPLICA_PIN_SECONDS={REPLICA_PIN_SECONDS} is shorter than REPLICA_MAX_LAG_SECONDS={REPLICA_MAX_LAG_SECONDS}:"
        " a client could read a replica without its own write"
    )
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    # Pins a client that writes to the primary for REPLICA_PIN_SECONDS.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"), "core.replicas.ReplicaPinMiddleware"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses an account or address in its cooling-off period before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend; it and the two below read a session's user with their school, college, employer and
    # province in one statement compiled once (web/backends.py).
    "web.backends.AccountBackend",
    # 统一身份认证 (sso/): each answers only its own credentials (a CAS ticket, an OIDC callback)
    "sso.backends.CASBackend",
    "sso.backends.OIDCBackend",
]
# Django's database sessions, the row read by one statement compiled once (web/sessions.py).
SESSION_ENGINE = "web.sessions"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "core.auth.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (core.throttle on django-axes), shared by the login page, /auth/token, activation, reset and links.
# Failures are counted within LOGIN_COOLOFF_MINUTES; refused attempts are not counted. A wrong password counts against
# the pair (account, address) — LOGIN_FAILURE_LIMIT, so a guesser locks that account at their own address only —,
# the address over all accounts — LOGIN_FAILURE_LIMIT_PER_ADDRESS, high: a campus NAT holds thousands of students —
# and the account from all addresses — LOGIN_FAILURE_LIMIT_PER_ACCOUNT in LOGIN_ACCOUNT_WINDOW_HOURS, which bounds a
# guesser with many addresses (then only new devices are refused: a device the account signed in on within
# KNOWN_DEVICE_DAYS has its own LOGIN_FAILURE_LIMIT). A sign-in clears its address's failures for the account.
# Activation codes count per (学号, address) and per address in their own budget; a code has 60 bits, so no limit per
# 学号 is needed (ACTIVATION_FAILURE_LIMIT_PER_ACCOUNT, 0: none; if set, a fresh code clears the count) and the
# student with a live code activates from their own address whoever guesses elsewhere. Reset requests have their own
# budget and never count against logging in.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 100)
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = env_int("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", 50)
ACTIVATION_FAILURE_LIMIT_PER_ACCOUNT = env_int("ACTIVATION_FAILURE_LIMIT_PER_ACCOUNT", 0)
LOGIN_ACCOUNT_WINDOW_HOURS = env_int("LOGIN_ACCOUNT_WINDOW_HOURS", 24)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
KNOWN_DEVICE_DAYS = env_int("KNOWN_DEVICE_DAYS", 180)
# 忘记密码: requests per (name, address) and per address within LOGIN_COOLOFF_MINUTES, and reset mails one account
# receives in that time (past it the answer is the same, no mail is sent).
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 5)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 100)
PASSWORD_RESET_MAILS_PER_ACCOUNT = env_int("PASSWORD_RESET_MAILS_PER_ACCOUNT", 5)
# 统一身份认证 sign-ins that the school's server or roster refused have their own budget per address (within
# LOGIN_COOLOFF_MINUTES): past it, only SSO sign-ins from there are refused, never the password logins.
SSO_FAILURE_LIMIT_PER_ADDRESS = env_int("SSO_FAILURE_LIMIT_PER_ADDRESS", 30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "core.throttle.ThrottleHandler"
AXES_LOCKOUT_CALLABLE = "core.throttle.lockout_response"
AXES_USERNAME_CALLABLE = "core.throttle.axes_username"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success must not wipe the address's failures against other accounts (that would reset a guesser's count).
AXES_RESET_ON_SUCCESS = False
# Every failure is kept (a bounded number per account) for the school admin's 登录失败记录.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 100
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Behind reverse proxies that each append to X-Forwarded-For (deploy/nginx), the client address is the entry this
# many places from the right; 0: the connection's own address, the header ignored (core.client_address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"

# 统一身份认证: schools whose students and admins sign in through the school's CAS or OIDC server
# (SSO_SCHOOLS and SSO_<院校代码>_*, docs/DEPLOY.md); a value that cannot work stops the start.
SSO_SCHOOLS = read_sso_schools()

# A second factor (passkey or authenticator app) for the admins who approve: the default of a new school's
# 管理员两步验证 setting (each school may change it on 学校设置) and the rule for province admins. On unless the
# demo runs.
ADMIN_SECOND_FACTOR = env_bool("ADMIN_SECOND_FACTOR", default=not DEMO)
# A staff invitation (账号管理, manage.py school_add) is a single-use link valid this many days.
STAFF_INVITATION_DAYS = env_int("STAFF_INVITATION_DAYS", 3)
# Between the password and the second factor: the API's sign-in challenge and a WebAuthn ceremony live this long,
# and a challenge allows this many wrong codes (django-otp's own delay grows after each one too).
SECOND_FACTOR_CHALLENGE_MINUTES = env_int("SECOND_FACTOR_CHALLENGE_MINUTES", 5)
SECOND_FACTOR_MAX_FAILURES = env_int("SECOND_FACTOR_MAX_FAILURES", 5)
# How the authenticator app names this site's entry; passkeys are for the host of SITE_URL (the relying party).
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "就业协议书网签系统")
# A user may hold this many passkeys.
PASSKEYS_PER_USER = env_int("PASSKEYS_PER_USER", 10)

# 本人确认 (issue 20): a graduate's proof for one binding act (passkey or a code to the roster phone) is valid this
# many minutes and once; a code allows this many wrong tries; a graduate is sent at most this many codes an hour.
CONFIRMATION_MINUTES = env_int("CONFIRMATION_MINUTES", 5)
CONFIRMATION_CODE_MAX_FAILURES = env_int("CONFIRMATION_CODE_MAX_FAILURES", 5)
CONFIRMATION_CODES_PER_HOUR = env_int("CONFIRMATION_CODES_PER_HOUR", 10)
# Evidence of 本人确认 and 佐证材料 (proofs, paper scans, replaced licences) are kept this many years whatever happens
# to the agreement, the 去向 or the student; `manage.py purge_evidence` removes older ones and unused confirmations.
# The Ministry asks for at least three: a smaller value stops the start rather than delete evidence too soon.
EVIDENCE_RETENTION_YEARS = env_int("EVIDENCE_RETENTION_YEARS", 3, minimum=3)

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
if not STATIC_ROOT.is_dir():
    # make run and the tests serve static files from their folders (WHITENOISE_USE_FINDERS); STATIC_ROOT exists
    # once collectstatic has run, which make serve does before it starts, so its absence here is no fault.
    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)
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
# A paper agreement's PDF scan shown page by page on its review page: the first this many pages (the rest by download).
WANGQIAN_SCAN_PREVIEW_MAX_PAGES = env_int("WANGQIAN_SCAN_PREVIEW_MAX_PAGES", 12)
# 营业执照 scan of 单位注册 (core.services.licences): a PDF, JPG or PNG (sniffed) of at most this many bytes.
WANGQIAN_LICENCE_MAX_BYTES = env_int("WANGQIAN_LICENCE_MAX_BYTES", 5 * 1024 * 1024)
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
# Every part other than the worksheets and shared strings (styles, workbook, theme, drawings, images): a few kB
# when Excel saves it; openpyxl parses styles whole (44 MB of them took 15 s and 1.1 GB).
WANGQIAN_XLSX_MAX_PART_BYTES = env_int("WANGQIAN_XLSX_MAX_PART_BYTES", 2 * 1024 * 1024)
# XML elements in all parts (a cell is two to four), how deep they nest, and, in a file openpyxl reads, how many
# lie outside rows and strings (openpyxl keeps those in memory: column widths, merged cells, links…).
WANGQIAN_XLSX_MAX_ELEMENTS = env_int("WANGQIAN_XLSX_MAX_ELEMENTS", 10_000_000)
WANGQIAN_XLSX_MAX_DEPTH = env_int("WANGQIAN_XLSX_MAX_DEPTH", 64)
WANGQIAN_XLSX_MAX_OTHER_ELEMENTS = env_int("WANGQIAN_XLSX_MAX_OTHER_ELEMENTS", 100_000)
# 生源导入 (core.services.roster_jobs, a Job like the others: silent ones fail after WANGQIAN_JOB_STALL_MINUTES): a
# dry run's preview nobody confirmed within this many hours is failed and its upload deleted (manage.py expire_jobs).
WANGQIAN_ROSTER_PREVIEW_HOURS = env_int("WANGQIAN_ROSTER_PREVIEW_HOURS", 24)
# An employer may invite (or add to its 签约发送列表) only students its exact search found this many days ago
# at most, or already on its send list: ids are sequential, so any other id must answer as a nonexistent one.
WANGQIAN_SEARCH_VALID_DAYS = env_int("WANGQIAN_SEARCH_VALID_DAYS", 30)
# The exact search's budget (core.services.search_budget), one per employer over 学生搜索, the API and 导入拟签约名单:
# searches that find nobody, at most PER_DAY in the last WINDOW_HOURS, and at most PER_NAME for one 毕业年度 + 姓名
# in the last NAME_WINDOW_DAYS. An HR person who mistypes a few times is not stopped; sweeping the hidden digits of
# a 身份证号 (198 birth dates) or a phone (10,000 endings) for one name stops after PER_NAME guesses.
WANGQIAN_SEARCH_MISSES_PER_DAY = env_int("WANGQIAN_SEARCH_MISSES_PER_DAY", 50)
WANGQIAN_SEARCH_MISS_WINDOW_HOURS = env_int("WANGQIAN_SEARCH_MISS_WINDOW_HOURS", 24)
WANGQIAN_SEARCH_MISSES_PER_NAME = env_int("WANGQIAN_SEARCH_MISSES_PER_NAME", 5)
WANGQIAN_SEARCH_NAME_WINDOW_DAYS = env_int("WANGQIAN_SEARCH_NAME_WINDOW_DAYS", 30)
# 统计 counters (core.models.stats): each key is spread over this many rows so that concurrent workflow writes in one
# major do not queue on one row; readers sum them. Changing it needs no rebuild.
WANGQIAN_STATS_SLOTS = env_int("WANGQIAN_STATS_SLOTS", 16)
# 签约统计's page shows its figures as computed at most this many seconds ago, and says when (school.views.reports):
# under load each worker sums the counters and renders the table once per period per school, college and 毕业年度
# instead of on every request. 0 computes them on every request. The export and the API are always exact.
STATS_CACHE_SECONDS = env_int("STATS_CACHE_SECONDS", 60, minimum=0)
# The school menu's to-do badges (core.selectors.todo): a queue of at most this many is counted exactly on every page,
# a longer one's count is kept LIST_COUNT_CACHE_SECONDS per viewer, so the menu's cost does not grow with the queues.
TODO_COUNT_EXACT_LIMIT = env_int("TODO_COUNT_EXACT_LIMIT", 100, minimum=0)
# 省级主管部门's page and GET /api/v1/province/schools show 签约 and 落实 over this many weeks, up to this one.
WANGQIAN_PROVINCE_WEEKS = env_int("WANGQIAN_PROVINCE_WEEKS", 26)
# 核查 (issue 21 item 2): a sampled graduate (and a 签约's employer) answers within this many days, else the row is
# 存疑 (manage.py expire_verifications); one draw samples at most WANGQIAN_VERIFICATION_MAX_SAMPLE graduates. The
# messages go out from a background task after the draw; a row whose provider failed is tried again
# VERIFICATION_SEND_RETRY_SECONDS later, at most VERIFICATION_SEND_ATTEMPTS times, then shown as 发送失败.
VERIFICATION_DAYS = env_int("VERIFICATION_DAYS", 7)
WANGQIAN_VERIFICATION_MAX_SAMPLE = env_int("WANGQIAN_VERIFICATION_MAX_SAMPLE", 5000)
VERIFICATION_SEND_ATTEMPTS = env_int("VERIFICATION_SEND_ATTEMPTS", 3)
VERIFICATION_SEND_RETRY_SECONDS = env_int("VERIFICATION_SEND_RETRY_SECONDS", 300)
# Exports (导出): up to this many rows the file is written while the browser waits; a larger one becomes a
# background job with a progress page (core.services.export_jobs), whose file is kept WANGQIAN_JOB_KEEP_HOURS.
WANGQIAN_EXPORT_SYNC_MAX_ROWS = env_int("WANGQIAN_EXPORT_SYNC_MAX_ROWS", 5000)
# Export jobs one account may have queued or running at once (issue 19 item 7b): a further one is refused.
WANGQIAN_EXPORT_MAX_RUNNING_PER_USER = env_int("WANGQIAN_EXPORT_MAX_RUNNING_PER_USER", 3)
# 导入拟签约名单 (core.services.shortlist): a shortlist is not a roster. A file holds at most MAX_ROWS students;
# up to SYNC_MAX_ROWS it is imported while the browser waits, a larger one by a background job, one per employer.
WANGQIAN_SHORTLIST_MAX_ROWS = env_int("WANGQIAN_SHORTLIST_MAX_ROWS", 2000)
WANGQIAN_SHORTLIST_SYNC_MAX_ROWS = env_int("WANGQIAN_SHORTLIST_SYNC_MAX_ROWS", 200)
# Background jobs (core.services.jobs): an active job silent this long (no worker took it up, or its task was given
# up) is failed; a finished one is deleted, with its file, after KEEP_HOURS.
WANGQIAN_JOB_STALL_MINUTES = env_int("WANGQIAN_JOB_STALL_MINUTES", 10)
WANGQIAN_JOB_KEEP_HOURS = env_int("WANGQIAN_JOB_KEEP_HOURS", 24)

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
# An agreement event not announced to its subscribers (document, webhooks, notices) this long after it was written
# is taken to be lost with a process that died after its commit, and announced by `manage.py events_announce`.
EVENT_ANNOUNCE_GRACE_SECONDS = env_int("EVENT_ANNOUNCE_GRACE_SECONDS", 60)
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
# An RFC 3161 time-stamping authority: when set, the agreement PDF's signature is PAdES B-T (with validation data
# embedded where the certificates name where to fetch it: B-LT) and the ledger's checkpoints are timestamped.
# TSA_CA_FILE is the authority's root (PEM) that audit_verify and the verification page trust for its tokens.
TSA_URL = env_str("TSA_URL", "")
TSA_CA_FILE = env_str("TSA_CA_FILE", "")
TSA_TIMEOUT_SECONDS = env_int("TSA_TIMEOUT_SECONDS", 10)
# A graduate's chain proof carries the digest of every ledger entry between theirs and the next checkpoint (an hour
# of the platform's events at most): a proof that would carry more is refused with a message.
LEDGER_PROOF_MAX_LINKS = env_int("LEDGER_PROOF_MAX_LINKS", 200_000)
# TrueType CJK fonts embedded (as subsets) in the agreement PDF; `path#N` picks a face of a .ttc.
DOCUMENT_FONT_FILE = env_str("DOCUMENT_FONT_FILE", "")
DOCUMENT_HEADING_FONT_FILE = env_str("DOCUMENT_HEADING_FONT_FILE", "")

# E-mail to the parties of an event (core.services.notify), sent from the task queue. The default prints it.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Where django.core.mail.backends.filebased.EmailBackend writes (make run sends the demo's mail there).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "outbox" / "mail"))
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
# The 短信签名 every message starts with (core.sms.send_sms adds it): the signature registered with the provider.
SMS_SIGNATURE = env_str("SMS_SIGNATURE", "【就业协议书网签】")
# SMS codes (core.services.sms_codes: 单位注册's phone, and any other proof of a phone): six digits, valid TTL seconds,
# used once, void after MAX_ATTEMPTS wrong tries; a phone gets a new one at most every RESEND seconds and PER_PHONE an
# hour, a client address asks for at most PER_ADDRESS an hour (a site is no free SMS cannon).
WANGQIAN_SMS_CODE_TTL_SECONDS = env_int("WANGQIAN_SMS_CODE_TTL_SECONDS", 300)
WANGQIAN_SMS_CODE_MAX_ATTEMPTS = env_int("WANGQIAN_SMS_CODE_MAX_ATTEMPTS", 5)
WANGQIAN_SMS_CODE_RESEND_SECONDS = env_int("WANGQIAN_SMS_CODE_RESEND_SECONDS", 60)
WANGQIAN_SMS_CODES_PER_PHONE_PER_HOUR = env_int("WANGQIAN_SMS_CODES_PER_PHONE_PER_HOUR", 5)
WANGQIAN_SMS_CODES_PER_ADDRESS_PER_HOUR = env_int("WANGQIAN_SMS_CODES_PER_ADDRESS_PER_HOUR", 20)
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
# Past LIST_COUNT_CACHE_SECONDS one process recounts a kept count while every other one shows the kept count for up to
# this many seconds more (its recount's bound), so an expired count of a big list is not recounted by every worker at
# once; the count is then at most LIST_COUNT_CACHE_SECONDS + this old. 0: whoever asks after it expired recounts.
LIST_COUNT_GRACE_SECONDS = env_int("LIST_COUNT_GRACE_SECONDS", 10, minimum=0)
# A page of a list whose count is kept (above LIST_COUNT_EXACT_LIMIT) that skips at least this many rows is read from a
# mark: the sort key of the row every this many rows in (the first read of such a page keeps it, for
# LIST_COUNT_CACHE_SECONDS like the count), so a deep page, or an API client paging through a whole school, skips at
# most this many rows in the index instead of all before it. Its rows are then where the list stood when the mark was
# kept, as its 当前共N条记录 is. 0: every page skips its rows (OFFSET).
LIST_MARK_EVERY = env_int("LIST_MARK_EVERY", 500, minimum=0)
# A list's filter choices drawn from the data (毕业年度, 院校 of one's agreements) are recomputed this often.
LIST_CHOICES_CACHE_SECONDS = env_int("LIST_CHOICES_CACHE_SECONDS", 300)

# The cache (kept list and to-do counts, 签约统计's figures, filter choices, OIDC discovery, preview PNGs). Unset, each
# process keeps its own in memory (Django's LocMemCache): make run, the tests, a single process. Production sets
# CACHE_URL to a Redis every process of the host group shares (redis://host:6379/0, rediss:// for TLS, a password as
# redis://:password@host:6379/0), so a kept count is counted once per group, not once per worker and again by each
# worker --max-requests recycles (core.cache.TwoLevelCache).
CACHE_URL = env_str("CACHE_URL", "")
# With CACHE_URL: each process keeps what it read or wrote at most this many seconds in its own memory (what it wrote
# never longer than the value's own timeout; a read from memory takes microseconds, a Redis round trip about a tenth of
# a millisecond, and a list page reads the cache up to eight times). A value changed by another process is seen up to
# this late: a kept count is at most LIST_COUNT_CACHE_SECONDS + LIST_COUNT_GRACE_SECONDS + CACHE_LOCAL_SECONDS old.
# 0: every read asks Redis.
CACHE_LOCAL_SECONDS = env_int("CACHE_LOCAL_SECONDS", 5, minimum=0)
# Connecting to Redis, or its answer, taking longer than this many milliseconds is a failure: the read is a miss and
# the page computes the value itself.
CACHE_TIMEOUT_MS = env_int("CACHE_TIMEOUT_MS", 100, minimum=1)
# After a failure a process leaves Redis alone this many seconds (its own memory serves meanwhile; one warning logged
# per period), so a down Redis costs one timeout per process and period, never one per request.
CACHE_BREAKER_SECONDS = env_int("CACHE_BREAKER_SECONDS", 5, minimum=1)
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    # Named by its scheme only, and only when it is one: "user:password@host" must not show its first characters.
    _scheme = CACHE_URL.split("://", 1)[0] if "://" in CACHE_URL else ""
    _named = f"starting {_scheme[:10]!r}" if _scheme.isalnum() else "without a scheme"
    raise ImproperlyConfigured(f"CACHE_URL {_named} is not a Redis URL (redis://, rediss:// or unix://)")
CACHES: dict[str, dict[str, Any]] = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if CACHE_URL:
    _installation = (SITE_URL, *(DATABASES["default"].get(part) for part in ("HOST", "PORT", "NAME")))
    CACHES["default"] = {
        "BACKEND": "core.cache.TwoLevelCache",
        "LOCATION": CACHE_URL,
        # Keys are this installation's (its address and database): a staging site, or another province's, given the
        # same Redis database never reads this one's counts and figures, kept under the same school ids and queries.
        "KEY_PREFIX": "wq-" + hashlib.sha256(repr(_installation).encode()).hexdigest()[:12],
        "OPTIONS": {
            "LOCAL_SECONDS": CACHE_LOCAL_SECONDS,
            "REDIS_TIMEOUT": CACHE_TIMEOUT_MS / 1000,
            "BREAKER_SECONDS": CACHE_BREAKER_SECONDS,
        },
    }
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
