"""A school's identity servers for the tests: a CAS 3.0 server (django-cas-server) and an OpenID Connect
provider (django-oidc-provider) in one small Django project with its own SQLite database.

sso/tests/conftest.py runs it as a real HTTP server in a subprocess (serve.py); it is never part of wangqian.
"""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRET_KEY = "sso-test-servers-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SITE_URL = os.environ.get("SSO_SERVERS_URL", "http://127.0.0.1:8765")
# The test process creates users and registers redirect URIs through /testing/ with this token.
TESTING_TOKEN = os.environ.get("SSO_SERVERS_TOKEN", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "cas_server",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "sso.tests.sso_servers.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SSO_SERVERS_DB", str(HERE / "servers.sqlite3")),
        "OPTIONS": {"timeout": 30},
    }
}
# A fresh database per test session: tables made straight from the models (the apps' ~40 migrations take seconds).
MIGRATION_MODULES = {app: None for app in ("auth", "contenttypes", "sessions", "cas_server", "oidc_provider")}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
STATIC_URL = "/static/"
# Both servers share one login: the OP sends an unauthenticated person here.
LOGIN_URL = "/accounts/login/"

# django-cas-server: no look-up of newer versions on PyPI, no CDN assets, a login page of our own.
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_SHOW_POWERED = False
CAS_SHOW_SERVICE_MESSAGES = False
CAS_LOGIN_TEMPLATE = "idp/cas_login.html"
CAS_INFO_MESSAGES_ORDER: list[str] = []
CAS_AUTH_CLASS = "cas_server.auth.DjangoAuthUser"

# django-oidc-provider
OIDC_USERINFO = "sso.tests.sso_servers.urls.userinfo"
OIDC_IDTOKEN_INCLUDE_CLAIMS = False
