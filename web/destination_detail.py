"""查看毕业去向: what the student and their reviewers see of a 去向 (the shared block
`templates/includes/destination_detail.html` renders it)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from core import codes
from core.destination_fields import NEEDS_PROOF, REPORTABLE_CODES, form_specs
from core.fields import FieldSpec, Kind
from core.models import Destination, DestinationStatus, User
from core.rules import destination_actions
from core.selectors import destination_events, destination_versions, retired_attachments
from core.selectors.confirmations import confirmation_of, evidence_display
from web.evidence import with_kept_until


def _display(spec: FieldSpec, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if spec.kind == Kind.DATE:
        return f"{value:%Y-%m-%d}"
    return spec.display(value)


def destination_rows(destination: Destination) -> list[tuple[str, str]]:
    """(label, value) of the current version, with the kind's own labels, for the student and the reviewers."""
    version = destination.current
    if version is None:
        return []
    rows = [("毕业去向", f"{codes.label('destination', version.code, default=version.code)}（{version.code}）")]
    if version.code in REPORTABLE_CODES:
        specs = form_specs(version.code)
    else:  # 10: set by an agreement, shown with the unit's fields
        unit_fields = ("unit_name", "unit_credit_code", "unit_nature", "unit_location", "position")
        specs = {name: spec for name, spec in form_specs("11").items() if name in unit_fields}
    rows += [(spec.label, _display(spec, getattr(version, name))) for name, spec in specs.items()]
    return rows


def destination_context(destination: Destination, viewer: User) -> dict[str, Any]:
    events = destination_events(destination)
    for event in events:  # its 本人确认 as this viewer may read it, for destination_events.html
        setattr(event, "confirmation_shown", evidence_display(confirmation_of(event), viewer))  # noqa: B010
    returns = [e for e in events if e.action.endswith("_return")]
    return {
        "destination": destination,
        "rows": destination_rows(destination),
        "attachments": list(destination.attachments.all()),
        "retired_attachments": with_kept_until(retired_attachments(viewer, destination)),
        "retention_years": settings.EVIDENCE_RETENTION_YEARS,
        "events": events,
        "versions": destination_versions(destination),
        "actions": destination_actions(destination, viewer),
        "return_remark": returns[-1].remark if returns and destination.status == DestinationStatus.RETURNED else "",
        "needs_proof": destination.code in NEEDS_PROOF,
    }
