"""The OpenAPI document as a generator reads it (issue 18 bug 10): openapi-python-client generates a client from the
served /api/v1/openapi.json, and one whole agreement is driven through it against a live server — the employer
finds and invites, the student accepts, the college and the school approve, the PDF and the export download as
bytes — with an employer's student parsed as the masked model and the student's own as the full one."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from core import sms
from testsupport import PASSWORD, TERMS, World

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "wangqian_api_client"
# No formatter run on the generated code (the generator's default post-hooks call ruff from PATH).
CONFIG = "post_hooks: []\n"


@pytest.fixture
def generated(live_server: Any, tmp_path: Path) -> Iterator[ModuleType]:
    """The client generated from the live server's document, importable for this test only."""
    (tmp_path / "config.yaml").write_text(CONFIG)
    with urllib.request.urlopen(f"{live_server.url}/api/v1/openapi.json", timeout=60) as served:
        (tmp_path / "openapi.json").write_bytes(served.read())
    generator = Path(sys.executable).parent / "openapi-python-client"
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(tmp_path / "openapi.json"),
            "--meta",
            "none",
            "--config",
            str(tmp_path / "config.yaml"),
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Nothing of the document was left out: a response or an operation it could not read is a warning.
    assert "WARNING" not in result.stdout, result.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_generated_client_drives_a_whole_agreement(generated: ModuleType, live_server: Any, world: World) -> None:
    package_dir = Path(generated.__file__ or "").parent
    assert package_dir.name.isascii() and {p.name for p in (package_dir / "api").iterdir()} >= {
        "auth",
        "agreements",
        "employer",
    }
    models = _module("models")
    auth_token = _module("api.auth.auth_token")
    search = _module("api.employer.employer_search_students")
    add = _module("api.employer.employer_add_to_send_list")
    invite = _module("api.agreements.agreements_invite")
    detail = _module("api.agreements.agreements_detail")
    accept = _module("api.agreements.agreements_accept")
    confirm_start = _module("api.auth.confirmations_start")
    confirm_verify = _module("api.auth.confirmations_verify")
    approve = _module("api.agreements.agreements_approve")
    document = _module("api.agreements.agreements_document")
    export = _module("api.agreements.agreements_export")
    anonymous = generated.Client(base_url=live_server.url)

    def login(user: Any) -> Any:
        answer = auth_token.sync(client=anonymous, body=models.TokenIn(username=user.username, password=PASSWORD))
        assert isinstance(answer, models.TokenOut), answer
        return generated.AuthenticatedClient(base_url=live_server.url, token=answer.token)

    hr, student = login(world.employer), world.student
    found = search.sync(
        client=hr, graduation_year=student.graduation_year, name=student.name, id_number=student.id_number
    )
    assert isinstance(found, list) and len(found) == 1
    (row,) = found
    assert isinstance(row, models.MaskedStudentOut) and row.kind == "masked"
    assert row.id_number == student.id_number[:6] + "*****" + student.id_number[-4:]
    added = add.sync_detailed(client=hr, body=models.SendListIn(student_id=row.id))
    assert added.status_code == 201
    created = invite.sync(
        client=hr, body=models.InviteIn(student_ids=[row.id], terms=models.InviteInTerms.from_dict(TERMS))
    )
    assert isinstance(created, list) and created[0].status == models.Status.INVITED
    agreement_id = created[0].id

    # The same agreement as the employer and as the student sees it: a masked student, then the full one.
    as_employer = detail.sync(client=hr, agreement_id=agreement_id)
    assert isinstance(as_employer, models.AgreementDetailOut)
    assert isinstance(as_employer.student, models.MaskedStudentOut), type(as_employer.student)
    assert as_employer.student.student_no is None
    assert student.user is not None
    me = login(student.user)
    # 本人确认 by a code to the roster phone, then the acceptance carries the token.
    started = confirm_start.sync(
        client=me,
        body=models.ConfirmationStartIn(
            action=models.ConfirmationStartInAction("accept"), object_id=agreement_id, method="sms"
        ),
    )
    assert isinstance(started, models.ConfirmationOut) and started.method == "sms", started
    code = re.search(r"验证码：(\d{6})", sms.outbox[-1].text)
    assert code is not None
    proven = confirm_verify.sync(
        client=me, confirmation_id=started.id, body=models.ConfirmationProofIn(code=code.group(1))
    )
    assert isinstance(proven, models.ConfirmationTokenOut) and proven.confirmation.startswith("cfm_"), proven
    accepted = accept.sync(
        client=me, agreement_id=agreement_id, body=models.ConfirmationIn(confirmation=proven.confirmation)
    )
    assert isinstance(accepted, models.AgreementDetailOut), accepted
    assert isinstance(accepted.student, models.StudentOut) and accepted.student.id_number == student.id_number
    assert accepted.number is None  # numbered when it becomes effective, not when the student accepts

    college = approve.sync(client=login(world.college_admin), agreement_id=agreement_id)
    assert isinstance(college, models.AgreementDetailOut) and college.status == models.Status.SCHOOL_REVIEW
    effective = approve.sync(client=login(world.school_admin), agreement_id=agreement_id)
    assert isinstance(effective, models.AgreementDetailOut) and effective.status == models.Status.EFFECTIVE
    assert effective.number and len(effective.verification_code) == 12
    assert [event.action for event in effective.events] == ["invite", "accept", "college_approve", "school_approve"]

    # The files come as bytes: the PDF (issued after the approval commits; 503 while it is being made), the export.
    pdf = None
    for _ in range(30):
        pdf = document.sync(client=hr, agreement_id=agreement_id)
        if not isinstance(pdf, models.ErrorOut):
            break
        time.sleep(1)
    assert pdf is not None and not isinstance(pdf, models.ErrorOut), pdf
    assert pdf.payload.read().startswith(b"%PDF")
    sheet = export.sync(client=hr)
    assert sheet is not None and not isinstance(sheet, models.ErrorOut), sheet
    assert sheet.payload.read().startswith(b"PK")
