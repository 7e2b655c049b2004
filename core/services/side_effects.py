"""What happens after an agreement changed: started only once the transaction has committed."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction


def agreement_changed(agreement_id: int, action: str) -> None:
    def run() -> None:
        if apps.is_installed("documents"):
            from documents.hooks import on_agreement_changed

            on_agreement_changed(agreement_id, action)

    transaction.on_commit(run)
