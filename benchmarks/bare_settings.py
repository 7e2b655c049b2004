"""The bare Django JSON view of `bench_scale.py`: the project's settings (middleware and all), one URL.

Served by the same production command and server settings as the app (DJANGO_SETTINGS_MODULE points here), so
the ratio of a page's throughput to this view's is what the page itself costs."""

from wangqian.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bare_urls"
