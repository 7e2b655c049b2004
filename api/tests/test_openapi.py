"""/api/v1/openapi.json describes every answer: each operation's success and error statuses with a typed schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import Client
from pydantic import ValidationError

from api.api import PASSWORD_CHANGE_EXEMPT
from api.schemas import MaskedStudentOut, ProfileOut, TermsOut
from api.tests.contract import check_answer
from core.fields import PROFILE_FIELDS, TERMS_FIELDS, Kind
from testsupport import ApiClient, World

ERROR_SCHEMA = "#/components/schemas/ErrorOut"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def refs(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = {schema["$ref"]} if "$ref" in schema else set()
        return found.union(*(refs(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(refs(item) for item in schema))
    return set()


TEXT = {"string", "null"}


def types(schema: dict[str, Any]) -> set[str]:
    options = schema.get("anyOf", [schema])
    return {option.get("type", "any") for option in options}


THROTTLED = {
    "/api/v1/auth/token",
    "/api/v1/auth/activate",
    "/api/v1/auth/password",
    "/api/v1/auth/password-reset",
    "/api/v1/auth/password-reset/confirm",
}


def expected_errors(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, read from what it takes (SPEC §6)."""
    expected: set[int] = set()
    if operation.get("security"):
        expected.add(401)  # no token, or an expired or revoked one
        if path not in PASSWORD_CHANGE_EXEMPT:
            expected.add(403)  # password_change_required, and roles that may never call it
    parameters = operation.get("parameters", [])
    # A query parameter can be refused when it is required or must parse as something other than text.
    refusable = [p for p in parameters if p["in"] == "query" and (p.get("required") or types(p["schema"]) - TEXT)]
    if refusable or "requestBody" in operation:
        expected.add(400)
    if any(p["in"] == "path" for p in parameters):
        expected.add(404)  # not found, not yours, or not an id at all
    if method == "post" and path.startswith("/api/v1/agreements/{agreement_id}/"):
        expected.add(409)  # the agreement's status does not allow the action
    if method == "post" and path in THROTTLED:
        expected.add(429)  # too many failed logins, activations or resets (core.throttle)
    return expected


def test_every_operation_declares_its_success_and_error_answers(spec: dict[str, Any]) -> None:
    problems: list[str] = []
    count = 0
    for method, path, operation in operations(spec):
        count += 1
        name = f"{method.upper()} {path}"
        answers = {int(code): answer for code, answer in operation["responses"].items()}
        successes = [code for code in answers if 200 <= code < 300]
        if not successes:
            problems.append(f"{name}: no success answer")
        for code in successes:
            content = answers[code].get("content", {})
            if not any(media.get("schema") for media in content.values()):
                problems.append(f"{name}: {code} has no schema")
        for code in sorted(expected_errors(method, path, operation) - set(answers)):
            problems.append(f"{name}: {code} not declared")
        for code, answer in answers.items():
            if code >= 400 and ERROR_SCHEMA not in refs(answer.get("content", {})):
                problems.append(f"{name}: {code} does not answer the error shape")
    assert count >= 33
    how = "declare response=responses(SuccessSchema, *error_statuses) on the endpoint (api/schemas.py)"
    assert not problems, f"{how}:\n" + "\n".join(problems)


def untyped(schema: Any, components: dict[str, Any], seen: set[str], where: str) -> Iterator[str]:
    """Places where a schema lets anything through: no type, an object without properties, an untyped array."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from untyped(components[name], components, seen, name)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from untyped(option, components, seen, where)
    if any(key in schema for key in ("anyOf", "oneOf", "allOf", "enum", "const")):
        return
    kind = schema.get("type")
    if kind is None:
        yield f"{where}: no type"
    elif kind == "object":
        extra = schema.get("additionalProperties")
        if not schema.get("properties") and not isinstance(extra, dict):
            yield f"{where}: an object with no declared keys"
        for key, value in schema.get("properties", {}).items():
            yield from untyped(value, components, seen, f"{where}.{key}")
        if isinstance(extra, dict):
            yield from untyped(extra, components, seen, f"{where}.*")
    elif kind == "array":
        yield from untyped(schema.get("items"), components, seen, f"{where}[]")
        if "items" not in schema:
            yield f"{where}: an array of anything"


def test_answers_are_typed_all_the_way_down(spec: dict[str, Any]) -> None:
    found: list[str] = []
    for method, path, operation in operations(spec):
        for code, answer in operation["responses"].items():
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                found += untyped(schema, spec["components"]["schemas"], set(), f"{method.upper()} {path} {code}")
    assert not found, "\n".join(found)


def test_terms_and_profile_schemas_carry_the_core_fields() -> None:
    for schema, fields in ((TermsOut, TERMS_FIELDS), (ProfileOut, PROFILE_FIELDS)):
        declared = {name for name in schema.model_fields if not name.endswith("_label")}
        # A paper agreement's own fields (core.services.paper_agreements) beside the 邀请函's.
        assert declared - {"version", "complete", "paper_number", "unit_nature", "unit_location"} == set(fields), (
            schema.__name__
        )
        for name, spec in fields.items():
            annotation = str(schema.model_fields[name].annotation)
            assert ("int" in annotation) == (spec.kind == Kind.INT), (schema.__name__, name, annotation)


def test_the_masked_student_schema_refuses_personal_data_in_full() -> None:
    masked: dict[str, Any] = {
        "id": 1,
        "student_no": None,
        "name": "李明",
        "gender": "男",
        "id_number": "211402*****1035",
        "phone": "188****3135",
        "email": "108***@qq.com",
        "graduation_year": 2027,
        "school": "东北大学",
        "college": "文法学院",
        "major": "法学",
        "degree": "bachelor",
        "degree_label": "本科毕业生",
    }
    MaskedStudentOut(**masked)
    for key, value in (
        ("id_number", "211402199001011035"),
        ("phone", "18812343135"),
        ("email", "108123@qq.com"),
        ("student_no", "20230001"),
    ):
        with pytest.raises(ValidationError):
            MaskedStudentOut(**{**masked, key: value})


def test_the_contract_check_refuses_an_answer_the_document_does_not_declare() -> None:
    check_answer("GET", "/api/v1/codes/nature", JsonResponse([{"code": "31", "label": "国有企业"}], safe=False))
    check_answer(
        "GET", "/api/v1/codes/nature", JsonResponse({"detail": "无权", "code": "forbidden", "errors": {}}, status=403)
    )
    wrong = [
        JsonResponse([{"code": "31", "label": "国有企业", "extra": 1}], safe=False),  # an undeclared key
        JsonResponse([{"code": "31"}], safe=False),  # a missing key
        JsonResponse({"detail": "冲突", "code": "conflict", "errors": {}}, status=409),  # an undeclared status
        JsonResponse({"detail": "出错"}, status=404),  # not the error shape
        HttpResponse("<html>", status=200),  # not JSON
    ]
    for response in wrong:
        with pytest.raises(AssertionError):
            check_answer("GET", "/api/v1/codes/nature", response)


def test_docs_and_openapi_are_served_without_internet(client: Client) -> None:
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets), assets
    for asset in assets:
        assert asset.startswith("/"), f"the docs page loads {asset} from elsewhere"
        assert client.get(asset).status_code == 200, asset
    assert not re.search(r"https?://", html), "the docs page names an outside address"
    assert client.get("/api/v1/openapi.json")["Content-Type"].startswith("application/json")


def test_expected_errors_reads_an_operation() -> None:
    # The rule above must be able to demand something: a made-up operation with every kind of input.
    operation = {
        "security": [{"BearerAuth": []}],
        "parameters": [{"in": "path", "name": "agreement_id", "schema": {"type": "integer"}}],
        "requestBody": {},
    }
    assert expected_errors("post", "/api/v1/agreements/{agreement_id}/accept", operation) == {400, 401, 403, 404, 409}
    assert expected_errors("get", "/api/v1/me", {"security": [{}]}) == {401}


# --- as a generator reads it (issue 18 bug 10) ----------------------------------------------------------------

ASCII_NAME = re.compile(r"[a-z][a-z0-9_]*")


def test_names_a_generator_turns_into_code_are_ascii(spec: dict[str, Any]) -> None:
    """A generated client's package, modules and functions are named after the title, the tags and the operation
    ids: ASCII (no `wangqian_网签_api_client`, no `api/协议书/`); the Chinese is in the summaries and descriptions."""
    assert spec["info"]["title"].isascii() and "网签" in spec["info"]["description"]
    described = {tag["name"]: tag["description"] for tag in spec["tags"]}
    assert all(ASCII_NAME.fullmatch(name) and not text.isascii() for name, text in described.items()), described
    ids = []
    for method, path, operation in operations(spec):
        name = f"{method.upper()} {path}"
        ids.append(operation["operationId"])
        assert ASCII_NAME.fullmatch(operation["operationId"]), name
        assert operation["tags"] and set(operation["tags"]) <= set(described), f"{name}: add its tag to api.api.TAGS"
        assert not operation.get("summary", "").isascii(), f"{name}: a Chinese summary"
    assert len(ids) == len(set(ids)), "operation ids are unique"


def _success_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for method, path, operation in operations(spec):
        for code, answer in operation["responses"].items():
            if int(code) < 300:
                for media in answer.get("content", {}).values():
                    yield f"{method.upper()} {path}", media.get("schema")


def _unions(schema: Any, components: dict[str, Any], seen: set[str]) -> Iterator[dict[str, Any]]:
    if isinstance(schema, list):
        for item in schema:
            yield from _unions(item, components, seen)
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from _unions(components[name], components, seen)
        return
    for key in ("anyOf", "oneOf"):
        refs = [option for option in schema.get(key, []) if "$ref" in option]
        if len(refs) > 1:
            yield schema
    for value in schema.values():
        yield from _unions(value, components, seen)


def test_answers_that_differ_by_viewer_carry_a_discriminator(spec: dict[str, Any]) -> None:
    """A success answer that is one of several shapes (a student as an employer or as a reviewer sees them) says
    which by a property each shape requires with its own constant value, declared as the discriminator."""
    components = spec["components"]["schemas"]
    found = 0
    for name, schema in _success_schemas(spec):
        for union in _unions(schema, components, set()):
            found += 1
            assert "oneOf" in union and "discriminator" in union, f"{name}: {union}"
            key = union["discriminator"]["propertyName"]
            for value, ref in union["discriminator"]["mapping"].items():
                target = components[ref.rsplit("/", 1)[-1]]
                assert key in target["required"] and target["properties"][key]["const"] == value, (name, ref)
    assert found, "the agreement's student is such an answer"
    student = components["AgreementOut"]["properties"]["student"]
    assert student["discriminator"]["mapping"] == {
        "full": "#/components/schemas/StudentOut",
        "masked": "#/components/schemas/MaskedStudentOut",
    }


def test_file_answers_are_declared_so_generators_keep_them(spec: dict[str, Any]) -> None:
    files = {}
    for method, path, operation in operations(spec):
        for code, answer in operation["responses"].items():
            kinds = set(answer.get("content", {})) - {"application/json"}
            if int(code) < 300 and kinds:
                files[f"{method.upper()} {path}"] = kinds
                for kind in kinds:
                    assert answer["content"][kind]["schema"] == {"type": "string", "format": "binary"}, (path, kind)
                # openapi-python-client keeps no other file type as bytes (api/tests/test_generated_client.py).
                assert "application/octet-stream" in kinds, path
    # A paper agreement's document is its scan: PDF, JPG or PNG as uploaded.
    assert files["GET /api/v1/agreements/{agreement_id}/document"] == {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/octet-stream",
    }
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in files["GET /api/v1/agreements/export"]
    assert {"application/pdf", "image/png"} <= files["GET /api/v1/attachments/{attachment_id}"]


def test_descriptions_say_when_the_number_is_set(spec: dict[str, Any]) -> None:
    number = spec["components"]["schemas"]["AgreementOut"]["properties"]["number"]["description"]
    assert "生效时编号" in number and "应约" not in number
    role = spec["components"]["schemas"]["MeOut"]["properties"]["role"]["description"]
    assert all(value in role for value in ("employer", "student", "college_admin", "school_admin", "province_admin"))


def test_a_file_comes_as_octet_stream_when_asked(world: World, client: Client) -> None:
    agreement = world.reach("effective")
    token = ApiClient(client).login(world.employer).token
    path = f"/api/v1/agreements/{agreement.pk}/document"
    as_pdf = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert as_pdf.status_code == 200 and as_pdf["Content-Type"] == "application/pdf"
    as_bytes = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT="application/octet-stream")
    assert as_bytes["Content-Type"] == "application/octet-stream" and as_bytes.content == as_pdf.content
    either = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT="application/pdf, */*;q=0.1")
    assert either["Content-Type"] == "application/pdf"
