"""What the pages show of kept 佐证材料 (issue 20 item 3): until when each file is kept."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from core.models import Attachment
from core.services.evidence import kept_until

Files = TypeVar("Files", bound=Iterable[Attachment])


def with_kept_until(files: Files) -> Files:
    """Each retired file with `kept_until`, the day `purge_evidence` may remove it."""
    for attachment in files:
        if attachment.retired_at is not None:
            attachment.kept_until = kept_until(attachment.retired_at)  # type: ignore[attr-defined]
    return files
