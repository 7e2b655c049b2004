from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "统一身份认证"
