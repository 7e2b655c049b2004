"""Which workflow function carries out which action: the one map from `core.rules.Action` (what a user may do, named
as the API's action endpoints) to the service that does it, and what each takes from the person acting.

Every edge acts through `agreement_act`: the API's action endpoints, the portals' buttons (through
`web.actions`), the tests that prove `allowed_actions` offers exactly what the workflow accepts. An act that
will need more than the session (issue 20's 本人确认) has one place to ask for it here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.models import Agreement, User
from core.rules import Action
from core.services import agreements as wf
from core.services import paper_agreements as paper


@dataclass(frozen=True)
class Step:
    """The service of one action and the inputs it takes besides the agreement and the acting user: `remark`
    (a 退回's or a 拒绝's reason), `reason` (a 解约's), `terms` (修改邀约), `data`/`scan_name`/`scan` (a paper
    agreement as corrected), `confirmation` (the graduate's 本人确认 token, `cfm_…`, for an act that binds them)."""

    service: Callable[..., Agreement]
    inputs: tuple[str, ...] = ()


ACTION_SERVICES: dict[Action, Step] = {
    Action.ACCEPT: Step(wf.agreement_accept, ("confirmation",)),
    Action.DECLINE: Step(wf.agreement_decline, ("remark",)),
    Action.MODIFY: Step(wf.agreement_modify, ("terms",)),
    Action.WITHDRAW: Step(wf.agreement_withdraw),
    Action.APPROVE: Step(wf.agreement_approve),
    Action.RETURN: Step(wf.agreement_return, ("remark",)),
    Action.TERMINATION: Step(wf.termination_request, ("reason", "confirmation")),
    Action.TERMINATION_WITHDRAW: Step(wf.termination_withdraw),
    Action.TERMINATION_ACCEPT: Step(wf.termination_accept, ("remark", "confirmation")),
    Action.TERMINATION_DECLINE: Step(wf.termination_decline, ("remark", "confirmation")),
    Action.TERMINATION_APPROVE: Step(wf.termination_approve, ("remark",)),
    Action.TERMINATION_RETURN: Step(wf.termination_return, ("remark",)),
    Action.RESUBMIT: Step(paper.paper_agreement_resubmit, ("data", "scan_name", "scan", "confirmation")),
}


def agreement_act(agreement: Agreement | int, action: Action, *, acting_user: User, **inputs: Any) -> Agreement:
    """Carry out `action` on `agreement` as `acting_user` through its workflow function (which guards it with
    `core.rules.require`). `inputs` are what the person typed; one the action does not take is a programming
    error, not the user's."""
    step = ACTION_SERVICES[action]
    unknown = set(inputs) - set(step.inputs)
    if unknown:
        raise TypeError(f"{action.value} takes {step.inputs}, not {sorted(unknown)}")
    return step.service(agreement, acting_user=acting_user, **inputs)
