"""Announce the agreement events whose process died between their commit and their announcement (the scheduler
runs it every 30 seconds): their documents, webhook deliveries and notices are then made as if nothing had happened."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.services.events import events_announce_lost


class Command(BaseCommand):
    help = "Announce agreement events whose announcement was lost with a process that died after their commit."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"announced {events_announce_lost()} lost event(s)")
