from django.contrib import admin

from documents.models import AgreementDocument


@admin.register(AgreementDocument)
class AgreementDocumentAdmin(admin.ModelAdmin):
    """Read-only: issued documents are evidence; they change only through documents.services."""

    list_display = ("agreement", "version", "kind", "state", "signed", "attempts", "created_at", "superseded_at")
    list_filter = ("state", "kind", "signed")
    search_fields = ("agreement__number", "sha256")
    readonly_fields = [field.name for field in AgreementDocument._meta.fields]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("agreement")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
