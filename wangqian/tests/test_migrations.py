"""The migrations say what the models say: no model change without its migration, and one leaf per app (two
engineers who each added a migration with the same number must renumber one before landing)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader


@pytest.mark.django_db
def test_every_model_change_has_its_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # --check exits 1 when a migration is missing
        pytest.fail(f"models differ from their migrations (exit {exit_.code}):\n{out.getvalue()}")


def test_each_app_has_one_leaf_migration() -> None:
    conflicts = MigrationLoader(None, ignore_no_migrations=True).detect_conflicts()
    assert not conflicts, f"apps with more than one leaf migration: {conflicts}"
