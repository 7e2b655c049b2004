"""The agreement lists' filters are one form (core.filters): the portals and the API accept and refuse the same
values, and a malformed one is a message beside its field, never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.filters import AgreementFilterForm
from core.selectors import AgreementFilters
from testsupport import LoginAs, World

pytestmark = pytest.mark.django_db

TOO_BIG = str(2**63)  # one more than a database integer holds


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"year": "²²²²"}, "year", "毕业年度应为四位年份"),
        ({"year": TOO_BIG}, "year", "毕业年度应为四位年份"),
        ({"from": "²"}, "from", "邀请起始日期格式应为年-月-日"),
        ({"from": "2027-05-02", "to": "2027-05-01"}, "to", "邀请截至日期不能早于邀请起始日期"),
    ],
)
def test_a_typed_filter_that_is_wrong_is_told_beside_its_field(
    world: World, login_as: LoginAs, params: dict[str, str], field: str, message: str
) -> None:
    world.reach("effective")
    for user, url in ((world.employer, "employer:agreements"), (world.school_admin, "school:agreements")):
        client = login_as(user)
        response = client.get(reverse(url), params)
        assert response.status_code == 200
        page = response.content.decode()
        assert message in page
        assert 'name="ids"' not in page  # nothing listed rather than everything


@pytest.mark.parametrize("value", ["²", TOO_BIG, "-1", "abc"])
def test_a_picked_filter_that_is_wrong_is_ignored(world: World, login_as: LoginAs, value: str) -> None:
    """院校/院系/单位性质 come from the page's own drop-downs: a stale or edited value lists as if none were picked."""
    world.reach("effective")
    client = login_as(world.employer)
    assert 'name="ids"' in client.get(reverse("employer:agreements"), {"school": value}).content.decode()
    client = login_as(world.school_admin)
    for name in ("college", "nature", "tab"):
        response = client.get(reverse("school:agreements"), {name: value})
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"school_id": TOO_BIG}, "school_id"),
        ({"college_id": TOO_BIG}, "college_id"),
        ({"graduation_year": "²"}, "graduation_year"),
        ({"graduation_year": "20270"}, "graduation_year"),
        ({"invited_from": "2027-13-01"}, "invited_from"),
        ({"tab": "nonsense"}, "tab"),
        ({"status": "nonsense"}, "status"),
        ({"nature": "nonsense"}, "nature"),
        ({"invited_from": "2027-05-02", "invited_to": "2027-05-01"}, "invited_to"),
    ],
)
def test_the_api_refuses_the_same_values_naming_the_field(
    api: Any, world: World, params: dict[str, str], field: str
) -> None:
    api.login(world.school_admin)
    for path in ("/agreements", "/agreements/export"):
        response = api.get(path, **params)
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid" and field in body["errors"]


def test_the_api_query_is_built_from_the_form(api: Any) -> None:
    operation = api.client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/agreements"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(AgreementFilterForm.base_fields) | {"page", "page_size"} == set(parameters)
    assert parameters["graduation_year"]["schema"]["maximum"] == 9999
    assert "effective" in parameters["status"]["schema"]["enum"]
    assert parameters["invited_from"]["description"] == "邀请起始日期"


def test_the_api_filters_as_the_portal_does(api: Any, world: World) -> None:
    agreement = world.reach("effective")
    api.login(world.school_admin)
    year = agreement.student.graduation_year
    assert api.get("/agreements", graduation_year=year, status="effective").json()["count"] == 1
    assert api.get("/agreements", graduation_year=year - 1).json()["count"] == 0


def test_bound_forms_share_the_declared_fields_and_keep_their_own_results() -> None:
    """A bound form uses the class's field objects (core.filters._SharedFields: no deep copy per request); each form
    still keeps its own values, errors and dict of fields, however their validations interleave."""
    good = AgreementFilterForm(data={"tab": "accepted", "graduation_year": "2027", "name": " 王伟 "})
    bad = AgreementFilterForm(data={"tab": "nonsense", "graduation_year": "²", "invited_from": "2027-13-01"})
    assert not bad.is_valid() and good.is_valid()
    assert good.filters() == AgreementFilters(tab="accepted", graduation_year=2027, name="王伟")
    assert bad.error_messages() == {
        "tab": "标签页取值无效",
        "graduation_year": "毕业年度应为四位年份",
        "invited_from": "邀请起始日期格式应为年-月-日，如 2027-05-01",
    }
    assert good.fields["tab"] is AgreementFilterForm.base_fields["tab"]
    del bad.fields["tab"]
    assert "tab" in good.fields and "tab" in AgreementFilterForm.base_fields
    again = AgreementFilterForm(data={"tab": "nonsense"})
    assert again.error_messages() == {"tab": "标签页取值无效"}
