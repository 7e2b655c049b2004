"""Day one (issue 23 item 4): a university joins a fresh production deployment and signs its first agreement, on
PostgreSQL, with production settings (manage.py serve_production: gunicorn, a task worker, the scheduler; DEBUG
off, no demo data, e-mail written to files), through the product's own pages (Chromium, with a virtual passkey
authenticator) and API, every step asserted:

school_add → the 学校管理员 follows the e-mailed link, sets a password and a passkey → adds a 学院管理员, who
does the same with an authenticator app → the roster is imported → activation codes issued → an employer registers
and is verified → invites → the student activates and accepts → 学院 and 学校 approve → the signed PDF verifies
on the public /verify/ page.

Screenshots in test-artifacts/screenshots/<test>/."""

from __future__ import annotations

import base64
import email
import json
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from core.calendar import current_graduation_year
from core.identifiers import make_credit_code, make_id_number
from core.services.roster import ROSTER_HEADERS
from documents.signing import ensure_demo_certificate
from ops.tests.support import MANAGE, ROOT, database_url, free_port, production_env, require_postgresql
from sampledata.demo import sample_licence_pdf
from testsupport import BROWSER_TIMEOUT_MS, PROFILE, screenshot, xlsx_bytes
from testsupport.webauthn import SoftAuthenticator

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def fresh_database() -> Iterator[str]:
    require_postgresql()
    name = f"wq_dayone_{uuid.uuid4().hex[:12]}"
    admin = database_url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Deployment:
    """`make serve` on a fresh database, as an operator runs it: the environment, the server, manage.py, the mail."""

    def __init__(self, database: str, tmp_path: Path):
        self.port = free_port()
        self.base = f"http://localhost:{self.port}"
        self.mail_dir = tmp_path / "mail"
        self.sms_dir = tmp_path / "sms"
        key, cert = ensure_demo_certificate(tmp_path / "signing", school_name="辽东理工大学")
        self.env = production_env(
            DATABASE_URL=database,
            PORT=str(self.port),
            WEB_CONCURRENCY="2",
            ALLOWED_HOSTS="localhost",
            SITE_URL=self.base,
            STATIC_ROOT=str(tmp_path / "static"),
            MEDIA_ROOT=str(tmp_path / "media"),
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail_dir),
            # The operator's SMS provider, here the file backend (单位注册's phone code).
            SMS_BACKEND="core.sms.backends.file.SmsBackend",
            SMS_FILE_PATH=str(self.sms_dir),
            SIGNING_KEY_FILE=str(key),
            SIGNING_CERT_FILE=str(cert),
        )
        self.log = tmp_path / "serve.log"
        self.server: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.server = subprocess.Popen(
                [*MANAGE, "serve_production"], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and self.server.poll() is None:
            try:
                if requests.get(f"{self.base}/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise AssertionError(f"/readyz never answered 200:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(timeout=60)

    def manage(self, *args: str) -> str:
        done = subprocess.run([*MANAGE, *args], cwd=ROOT, env=self.env, capture_output=True, timeout=180)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode()

    def sms_code(self, phone: str) -> str:
        """The six-digit code of the newest short message to `phone`."""
        for line in reversed((self.sms_dir / "sms.log").read_text(encoding="utf-8").splitlines()):
            message = json.loads(line)
            if message["phone"] == phone and (found := re.search(r"验证码(\d{6})", message["text"])):
                return found.group(1)
        raise AssertionError(f"no SMS code to {phone}")

    def mails(self) -> list[Message]:
        found: list[Message] = []
        for path in sorted(self.mail_dir.glob("*.log")) if self.mail_dir.exists() else []:
            # The file backend writes each message followed by a line of dashes.
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    found.append(email.message_from_bytes(chunk.strip()))
        return found

    def wait_for_mail(self, to: str, count: int = 1) -> str:
        """The body of the count-th e-mail to `to` (sent by the task worker, so it may take a moment)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            bodies = [m for m in self.mails() if to in str(m["To"])]
            if len(bodies) >= count:
                message = bodies[count - 1]
                payload = message.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode(message.get_content_charset() or "utf-8")
            time.sleep(0.5)
        raise AssertionError(f"no e-mail to {to} within a minute:\n{self.log.read_text()[-2000:]}")


class Api:
    """The JSON API as a script uses it."""

    def __init__(self, base: str):
        self.base, self.token = base + "/api/v1", ""

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        answer = requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)
        assert answer.status_code == expect, (method, path, answer.status_code, answer.text[:2000])
        return answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else answer

    def sign_in(self, username: str, password: str, *, code: Any = None) -> dict[str, Any]:
        answer = self.call("POST", "/auth/token", json={"username": username, "password": password})
        if answer.get("second_factor_required"):
            assert code is not None, f"{username} needs a second factor: {answer['methods']}"
            answer = self.call(
                "POST", "/auth/token/second-factor", json={"challenge": answer["challenge"], "code": code()}
            )
        self.token = answer["token"]
        return dict(answer)


def _shot(page: Page, folder: Path, name: str, counter: list[int]) -> None:
    counter[0] += 1
    screenshot(page, folder / f"{counter[0]:02d}-{name}.png", full_page=True)


def _link(body: str) -> str:
    match = re.search(r"(http://localhost:\d+/invitation/\d+-[0-9a-f]{40}/)", body)
    assert match, body
    return match.group(1)


def _totp_code(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_day_one_on_a_fresh_production_deployment(
    fresh_database: str, tmp_path: Path, browser: Any, screenshots: Path
) -> None:
    deployment = Deployment(fresh_database, tmp_path)
    deployment.start()
    shots = [0]
    try:
        _day_one(deployment, browser, screenshots, shots)
    finally:
        deployment.stop()
        (screenshots / "serve.log").write_bytes(deployment.log.read_bytes())


def _day_one(deployment: Deployment, browser: Any, screenshots: Path, shots: list[int]) -> None:
    base = deployment.base
    year = current_graduation_year()

    # 1. The operator adds the school: the first admin's link is printed and e-mailed, no password chosen.
    printed = deployment.manage(
        "school_add", "--code", "11632", "--name", "辽东理工大学", "--admin-username", "ldlg_jyzx",
        "--admin-email", "jyzx@ldlg.edu.cn", "--admin-name", "就业指导中心 周老师",
    )  # fmt: skip
    assert "已添加院校：11632 辽东理工大学" in printed and "管理员两步验证：开启" in printed
    link = _link(printed)
    assert _link(deployment.wait_for_mail("jyzx@ldlg.edu.cn")) == link
    again = deployment.manage(
        "school_add", "--code", "11632", "--name", "辽东理工大学", "--admin-username", "ldlg_jyzx",
        "--admin-email", "jyzx@ldlg.edu.cn",
    )  # fmt: skip
    assert "未做任何修改" in again

    school_ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    school = school_ctx.new_page()
    school.set_default_timeout(BROWSER_TIMEOUT_MS)
    cdp = school_ctx.new_cdp_session(school)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
                "isUserVerified": True, "automaticPresenceSimulation": True,
            }
        },
    )  # fmt: skip

    # 2. The 学校管理员 follows the link: a password, then a passkey; the recovery codes are shown once.
    school.goto(link)
    expect(school.locator("td", has_text="ldlg_jyzx")).to_be_visible()
    _shot(school, screenshots, "school-invitation", shots)
    school.fill("#id_new_password", "Ldlg-jyzx-2027")
    school.fill("#id_new_password2", "Ldlg-jyzx-2027")
    school.click("button:has-text('设置密码')")
    school.wait_for_url(re.compile(r"/account/second-factor/"))
    school.fill("#id_passkey_name", "就业中心电脑")
    school.click("button:has-text('添加通行密钥')")
    school.wait_for_url(re.compile(r"/account/security/"))
    recovery = school.locator("#recovery-codes li").all_inner_texts()
    assert len(recovery) == 10
    _shot(school, screenshots, "school-recovery-codes", shots)
    school.goto(base + "/school/")
    expect(school.locator("h1", has_text="学校管理中心")).to_be_visible()

    # 3. Its API token, after the second factor (a recovery code here; the page used the passkey).
    school_api = Api(base)
    spent = iter(recovery)
    school_api.sign_in("ldlg_jyzx", "Ldlg-jyzx-2027", code=lambda: next(spent))
    assert school_api.call("GET", "/me")["school"]["name"] == "辽东理工大学"

    # 4. The roster (three graduates of 机械工程学院, which it creates), then a 学院管理员 of that 院系.
    rows = [
        [f"{year}0{n}", name, "男", make_id_number(500 + n), f"1390000000{n}", f"s{n}@ldlg.edu.cn", year,
         "机械工程学院", "机械设计制造及其自动化", "本科"]
        for n, name in enumerate(["高远", "林立", "沈舟"], start=1)
    ]  # fmt: skip
    roster = xlsx_bytes(list(ROSTER_HEADERS), rows).getvalue()
    files = {"file": ("生源.xlsx", roster, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    imported = school_api.call("POST", "/school/roster/import", expect=201, files=files)
    assert imported["created"] == 3 and imported["colleges_created"] == ["机械工程学院"]

    school.goto(base + "/school/staff/new/?role=college_admin")
    school.select_option("#id_college_id", label="机械工程学院")
    school.fill("#id_username", "jxxy_han")
    school.fill("#id_display_name", "韩老师")
    school.fill("#id_email", "han@ldlg.edu.cn")
    school.click("button:has-text('保存并发送邀请')")
    expect(school.locator(".alert-success", has_text="邀请链接已发送到 han@ldlg.edu.cn")).to_be_visible()
    _shot(school, screenshots, "school-added-college-admin", shots)

    # The 学院管理员 does the same with an authenticator app.
    college_ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    college = college_ctx.new_page()
    college.set_default_timeout(BROWSER_TIMEOUT_MS)
    college.goto(_link(deployment.wait_for_mail("han@ldlg.edu.cn")))
    college.fill("#id_new_password", "Jxxy-han-2027")
    college.fill("#id_new_password2", "Jxxy-han-2027")
    college.click("button:has-text('设置密码')")
    college.wait_for_url(re.compile(r"/account/second-factor/"))
    college.click("a:has-text('设置验证器应用')")
    secret = college.locator("#totp-secret").inner_text().replace(" ", "")
    _shot(college, screenshots, "college-totp", shots)
    college.fill("#id_code", _totp_code(secret))
    college.click("button:has-text('完成设置')")
    college.wait_for_url(re.compile(r"/account/security/"))
    college.click("a:has-text('我已妥善保存，继续')")
    expect(college.locator("h1", has_text="学院管理中心")).to_be_visible()
    staff = {row["username"]: row for row in school_api.call("GET", "/school/staff")}
    assert staff["jxxy_han"]["state"] == "active" and staff["jxxy_han"]["second_factor"]
    assert staff["jxxy_han"]["college"]["name"] == "机械工程学院"

    # 5. Activation codes for the roster.
    codes = school_api.call("POST", "/school/students/activation-codes", json={"all_unactivated": True})["codes"]
    assert sorted(c["student_number"] for c in codes) == [f"{year}01", f"{year}02", f"{year}03"]
    code_of = {c["student_number"]: c["code"] for c in codes}

    # 6. An employer registers on the site and is verified by the school.
    employer_ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    employer = employer_ctx.new_page()
    employer.set_default_timeout(BROWSER_TIMEOUT_MS)
    employer.goto(base + "/employer/register/")
    credit_code = make_credit_code(7001)
    # The HR mobile is proved by an SMS code (issue 20 item 4), asked for without leaving the form.
    employer.fill("[name=mobile]", "13812345678")
    employer.click("#wq-send-code")
    expect(employer.locator("#wq-sms-status")).to_contain_text("验证码已发送至138****5678")
    employer.fill("[name=sms_code]", deployment.sms_code("13812345678"))
    licence = deployment.sms_dir.parent / "营业执照.pdf"
    licence.write_bytes(sample_licence_pdf("大连重工机械有限公司", credit_code))
    employer.set_input_files("[name=licence]", str(licence))
    for field, value in {
        "username": "dlzg_hr", "password": "Dlzg-hr-2027", "password2": "Dlzg-hr-2027", "name": "大连重工机械有限公司",
        "credit_code": credit_code, "contact_person": "孙经理", "phone": "13812345678", "email": "hr@dlzg.com",
        "address": "辽宁省大连市西岗区八一路169号",
    }.items():  # fmt: skip
        employer.fill(f"[name={field}]", value)
    _shot(employer, screenshots, "employer-register", shots)
    employer.click("main button[type=submit]:not(#wq-send-code)")
    employer.wait_for_url(re.compile(r"/employer/$"))
    pending = school_api.call("GET", "/school/employers", params={"status": "pending"})
    (registered,) = [e for e in pending if e["credit_code"] == credit_code]
    school_api.call("POST", f"/school/employers/{registered['id']}/verify", json={"approve": True})

    # 7. It fills its 签约信息, finds the graduate and invites them.
    hr = Api(base)
    hr.sign_in("dlzg_hr", "Dlzg-hr-2027")
    hr.call("PUT", "/employer/profile", json=PROFILE)
    student_row = rows[0]
    (found,) = hr.call(
        "GET", "/employer/students",
        params={"graduation_year": year, "name": student_row[1], "id_number": student_row[3]},
    )  # fmt: skip
    terms = {"position_category": "13", "position": "机械设计工程师", "monthly_salary": 9000, "probation_months": 3}
    (invited,) = hr.call("POST", "/agreements", expect=201, json={"student_ids": [found["id"]], "terms": terms})
    agreement = f"/agreements/{invited['id']}"

    # 8. The student activates with the school's code and accepts.
    student = Api(base)
    activated = student.call(
        "POST", "/auth/activate",
        json={"username": student_row[0], "code": code_of[student_row[0]], "new_password": "Gaoyuan-2027",
              "school_code": "11632"},
    )  # fmt: skip
    student.token = activated["token"]
    refused = student.call("POST", f"{agreement}/accept", expect=403)
    assert refused["code"] == "confirmation_required"  # the session alone never suffices (issue 20)
    # The graduate registers a passkey on their phone and confirms with it (the roster phone's SMS code would do too).
    device = SoftAuthenticator(base)
    options = student.call("POST", "/auth/passkeys/options")
    student.call("POST", "/auth/passkeys", expect=201, json={"credential": device.create(options), "name": "手机"})
    started = student.call(
        "POST", "/auth/confirmations", expect=201, json={"action": "accept", "object_id": invited["id"]}
    )
    assert started["methods"] == ["passkey", "sms"]
    proof = {"assertion": device.get(started["passkey_options"])}
    token = student.call("POST", f"/auth/confirmations/{started['id']}", json=proof)["confirmation"]
    assert student.call("POST", f"{agreement}/accept", json={"confirmation": token})["status"] == "college_review"

    # 9. 学院 approves (its token only after the authenticator app's code), then 学校.
    college_api = Api(base)
    time.sleep(max(0.0, 30 - time.time() % 30) + 1)  # a fresh 30-second step: a TOTP code is accepted once
    college_api.sign_in("jxxy_han", "Jxxy-han-2027", code=lambda: _totp_code(secret))
    assert college_api.call("POST", f"{agreement}/approve")["status"] == "school_review"
    effective = school_api.call("POST", f"{agreement}/approve")
    assert effective["status"] == "effective" and effective["number"].startswith(f"{year}11632")
    code = effective["verification_code"]

    # 10. The signed PDF (written by the worker) verifies on the public page.
    deadline = time.monotonic() + 120
    while True:
        answer = requests.get(
            f"{base}/api/v1{agreement}/document", headers={"Authorization": f"Bearer {student.token}"}, timeout=60
        )
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert answer.status_code == 200 and answer.content[:4] == b"%PDF", answer.text[:500]
    pdf = answer.content
    public = Api(base).call("GET", f"/verify/{code}")
    assert public["effective"] is True and public["number"] == effective["number"]
    verifier = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    verifier.goto(f"{base}/verify/{code}")
    verifier.set_input_files("input[type=file]", files=[{"name": "协议书.pdf", "mimeType": "application/pdf",
                                                          "buffer": pdf}])  # fmt: skip
    verifier.click("form button[type=submit]")
    expect(verifier.locator("body")).to_contain_text("是本系统签发的原件")
    expect(verifier.locator("body")).to_contain_text("签名有效")
    _shot(verifier, screenshots, "verify-pdf", shots)

    # Nothing of the demo in production, and the school's record shows who did what.
    with psycopg.connect(deployment.env["DATABASE_URL"]) as conn:
        row = conn.execute("SELECT count(*) FROM core_user WHERE username LIKE 'employer%' OR username = 'school1'")
        assert row.fetchone() == (0,)
        actions = conn.execute(
            "SELECT action FROM core_staffchange c JOIN core_user u ON u.id = c.target_id "
            "WHERE u.username = 'jxxy_han' ORDER BY c.id"
        ).fetchall()
    assert [a for (a,) in actions] == ["created", "invited", "accepted"]
