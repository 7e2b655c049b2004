"""Files every host can read: Django's storage API on a real S3-compatible server (moto, server mode)."""

from __future__ import annotations

import datetime
import hashlib
import importlib
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import Client, override_settings
from django.urls import reverse

from core.identifiers import make_id_number
from core.models import Job, Student
from core.services.roster import ROSTER_HEADERS
from documents import services
from ops.health import check_storage
from ops.tests.support import S3Server
from testsupport import LoginAs, World, xlsx_bytes
from wangqian import settings as production_settings


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[S3Server, str]]:
    """The production storage setting (STORAGE_BACKEND=s3 and its variables) pointed at a fresh bucket."""
    bucket = f"wangqian-{uuid.uuid4().hex[:12]}"
    s3_server.create_bucket(bucket)
    for name, value in s3_server.env(bucket).items():
        monkeypatch.setenv(name, value)
    storages = importlib.reload(production_settings).STORAGES  # the settings module's own reading of the variables
    monkeypatch.undo()
    importlib.reload(production_settings)
    with override_settings(
        STORAGES={**storages, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    ):
        yield s3_server, bucket


def test_the_storage_api_round_trips_through_the_s3_server(s3: tuple[S3Server, str]) -> None:
    server, bucket = s3
    assert type(storages["default"]).__name__ == "S3Storage"
    name = default_storage.save("attachments/证明.pdf", ContentFile(b"%PDF-1.7 hello"))
    assert server.keys(bucket) == [name]
    again = default_storage.save("attachments/证明.pdf", ContentFile(b"other"))
    assert again != name, "never overwritten in place"
    with default_storage.open(name, "rb") as f:
        assert f.read() == b"%PDF-1.7 hello"
    assert default_storage.size(name) == len(b"%PDF-1.7 hello")
    # The objects are private: a plain GET is refused, the signed URL works.
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{server.endpoint}/{bucket}/{urllib.parse.quote(name)}", timeout=5)
    url = default_storage.url(name)
    assert "Signature" in url
    with urllib.request.urlopen(url, timeout=5) as signed:
        assert signed.read() == b"%PDF-1.7 hello"
    default_storage.delete(name)
    default_storage.delete(again)
    assert server.keys(bucket) == []
    assert check_storage()["ok"] is True
    assert server.keys(bucket) == [], "the readiness probe cleans up"


@pytest.mark.django_db
def test_a_roster_upload_is_stored_in_s3_read_back_by_the_job_and_removed(
    s3: tuple[S3Server, str],
    world: World,
    client: Client,
    login_as: LoginAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    server, bucket = s3
    rows = [
        [
            {
                "学号": f"S3{n:05d}",
                "姓名": f"新生{n}",
                "性别": "男",
                "身份证号": make_id_number(n, birth=datetime.date(2004, 5, 1)),
                "手机号": f"137{n:08d}",
                "邮箱": f"s3-{n}@example.com",
                "毕业年度": 2027,
                "院系": "文法学院",
                "专业": "法学",
                "学历": "本科",
            }[h]
            for h in ROSTER_HEADERS
        ]
        for n in range(3)
    ]
    upload = xlsx_bytes(list(ROSTER_HEADERS), rows)
    upload.name = "生源.xlsx"
    login_as(world.school_admin)
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued once the upload has committed
        response = client.post(reverse("school:roster_import"), {"file": upload})
    assert response.status_code == 302
    job = Job.objects.filter(kind=Job.Kind.ROSTER).latest("pk")
    assert job.state == "ready", job.detail
    assert job.file.name in server.keys(bucket), "the upload lives in the object store"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("school:roster_job_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done"
    assert Student.objects.filter(student_no__startswith="S3").count() == 3
    assert [k for k in server.keys(bucket) if k.startswith("jobs/") and "/roster" in k] == []


@pytest.mark.django_db
def test_an_issued_agreement_pdf_is_stored_in_s3_and_served_from_it(s3: tuple[S3Server, str], world: World) -> None:
    server, bucket = s3
    agreement = world.reach("effective")
    document = services.issue_document(agreement.pk)
    assert document is not None and document.file.name in server.keys(bucket)
    body = server.client().get_object(Bucket=bucket, Key=document.file.name)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == document.sha256
    assert services.agreement_pdf(agreement).content == body


@pytest.mark.django_db
def test_evidence_files_stay_in_s3_for_the_retention_years_then_the_purge_deletes_them(
    s3: tuple[S3Server, str], world: World
) -> None:
    """佐证材料 on the object store: a deleted proof and a replaced 营业执照 stay in the bucket for
    EVIDENCE_RETENTION_YEARS, then `purge_evidence` deletes the objects and says so."""
    import io

    import time_machine
    from django.core.management import call_command
    from django.utils import timezone

    from core.services.destinations import destination_attach, destination_detach
    from core.services.licences import employer_upload_licence
    from testsupport import make_employer

    server, bucket = s3
    proof = b"%PDF-1.4\n% offer\n%%EOF\n"
    attachment = destination_attach(name="录取通知书.pdf", content=proof, acting_user=world.student.user)
    hr = make_employer("沈阳新注册科技有限公司", verified=False, licence=True)
    licence = hr.employer.licence.name
    licence_size = hr.employer.licence_size or 0
    retired_at = timezone.now()
    destination_detach(attachment.pk, acting_user=world.student.user)
    employer_upload_licence(name="新执照.png", content=b"\x89PNG\r\n\x1a\n" + b"0" * 64, acting_user=hr)
    assert {attachment.file.name, licence} <= set(server.keys(bucket))

    def purge(days: int) -> str:
        out = io.StringIO()
        with time_machine.travel(retired_at.replace(year=retired_at.year + 3) + datetime.timedelta(days=days)):
            call_command("purge_evidence", stdout=out)
        return out.getvalue()

    assert "毕业去向证明材料 0 个、纸质协议扫描件 0 个、营业执照扫描件 0 个，共 0 字节" in purge(-1)
    assert {attachment.file.name, licence} <= set(server.keys(bucket))
    size = len(proof) + licence_size
    assert f"毕业去向证明材料 1 个、纸质协议扫描件 0 个、营业执照扫描件 1 个，共 {size} 字节" in purge(1)
    keys = set(server.keys(bucket))
    assert attachment.file.name not in keys and licence not in keys
    hr.employer.refresh_from_db()
    assert hr.employer.licence.name in keys  # the current scan stays
