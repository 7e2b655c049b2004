"""The project's bare JSON view in `bench_scale.py`: the project's settings (middleware and all), one URL.

Served by the same production command and server settings as the app (DJANGO_SETTINGS_MODULE points here). The
pages are judged against Django's own bare view (a `django-admin startproject` project, made by bench_scale at run
time); this one's throughput beside it is what the project's settings and middlewares cost on every request."""

from wangqian.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bare_urls"
