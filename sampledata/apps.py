from django.apps import AppConfig


class SampledataConfig(AppConfig):
    """The demo school and the province-scale data set: data to look at and to measure against, never in
    production (their commands refuse outside the demo settings)."""

    name = "sampledata"
    verbose_name = "演示与压测数据"
