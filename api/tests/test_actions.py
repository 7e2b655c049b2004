"""Every agreement representation carries `actions`: what the viewer may do now, named as the action endpoints."""

from __future__ import annotations

from typing import Any

from testsupport import ApiClient, World, make_student

BODIES: dict[str, dict[str, Any]] = {
    "modify": {"terms": {"position": "架构师"}},
    "return": {"remark": "材料不全"},
    "termination": {"reason": "个人原因"},
    "termination/decline": {"remark": "不同意"},
    "termination/return": {"remark": "材料不全"},
}


def test_list_and_detail_show_the_viewers_actions(world: World, api: ApiClient) -> None:
    invited = world.reach("invited")
    review = world.reach("college_review", student=world.other_student)
    api.login(world.employer)
    listed = {row["id"]: row["actions"] for row in api.get("/agreements").json()["results"]}
    assert listed == {invited.pk: ["modify", "withdraw"], review.pk: ["modify", "termination"]}
    assert api.get(f"/agreements/{review.pk}").json()["actions"] == ["modify", "termination"]
    api.login(world.other_college_admin)
    assert api.get(f"/agreements/{review.pk}").json()["actions"] == ["approve", "return"]
    api.login(world.school_admin)
    assert api.get(f"/agreements/{review.pk}").json()["actions"] == []


BINDING = ("accept", "termination", "termination/accept", "termination/decline", "resubmit")


def test_an_action_answer_shows_the_next_actions(world: World, api: ApiClient) -> None:
    agreement = world.reach("effective")
    assert world.student.user is not None
    api.login(world.student.user)
    proof = api.confirm("termination", agreement.pk)
    answer = api.post(f"/agreements/{agreement.pk}/termination", {"reason": "考取研究生", "confirmation": proof}).json()
    assert answer["actions"] == ["termination/withdraw"]
    api.login(world.employer)
    assert api.get(f"/agreements/{agreement.pk}").json()["actions"] == ["termination/accept", "termination/decline"]


def test_every_listed_action_is_accepted_by_its_endpoint(world: World, api: ApiClient) -> None:
    """Walk one agreement to its end through whatever `actions` offers, first offer first."""
    student = make_student(world.college)
    agreement = world.reach("invited", student=student)
    assert student.user is not None
    viewers = [world.college_admin, world.school_admin, student.user, world.employer]
    taken: list[str] = []
    for _ in range(10):
        for viewer in viewers:
            api.login(viewer)
            actions = api.get(f"/agreements/{agreement.pk}").json()["actions"]
            # Move forward: leave out the actions that end the walk early or go back a step.
            backward = ("decline", "withdraw", "modify", "return", "termination/withdraw", "termination/decline")
            forward = [a for a in actions if a not in backward]
            if forward:
                body = dict(BODIES.get(forward[0], {}))
                if viewer == student.user and forward[0] in BINDING:  # the graduate's own act: 本人确认
                    body["confirmation"] = api.confirm(forward[0], agreement.pk)
                response = api.post(f"/agreements/{agreement.pk}/{forward[0]}", body)
                assert response.status_code == 200, (forward[0], response.content)
                taken.append(forward[0])
                break
        else:
            break
    assert taken == [
        "accept",
        "approve",
        "approve",
        "termination",
        "termination/accept",
        "termination/approve",
    ]
    assert api.get(f"/agreements/{agreement.pk}").json()["status"] == "terminated"
