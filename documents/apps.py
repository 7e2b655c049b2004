from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "documents"
    verbose_name = "协议书文件"

    def ready(self) -> None:
        from core.signals import event_committed, verification_drawn
        from documents import hooks

        event_committed.connect(hooks.on_event_committed, dispatch_uid="documents.hooks")
        verification_drawn.connect(hooks.on_verification_drawn, dispatch_uid="documents.hooks.verification")
