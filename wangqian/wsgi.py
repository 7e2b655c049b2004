"""The WSGI application. gunicorn imports it once in its master (`--preload`, serve_production) and forks the
workers from there, warm (ops/warm.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangqian.settings")
application = get_wsgi_application()

from ops.warm import warm  # noqa: E402 -- needs the apps loaded above

warm()
