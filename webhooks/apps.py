from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = "数据推送"

    def ready(self) -> None:
        from core.signals import event_committed
        from webhooks import hooks

        event_committed.connect(hooks.on_event_committed, dispatch_uid="webhooks.hooks")
