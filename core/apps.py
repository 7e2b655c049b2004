from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "网签核心"

    def ready(self) -> None:
        from django.urls import register_converter

        from core.inputs import IdPathConverter
        from core.services import notify
        from core.signals import event_committed

        # `<id:pk>` in every URL pattern: Django's `<int:…>` lets 2**63 through to an overflowing lookup.
        register_converter(IdPathConverter, "id")
        event_committed.connect(notify.on_event_committed, dispatch_uid="core.notify")
