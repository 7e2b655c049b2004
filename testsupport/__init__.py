"""Test personas and builders shared by every app's tests. Workflow states are reached through the real
domain functions, so a test cannot pass on a state the product cannot reach."""

from __future__ import annotations

import datetime
import io
import itertools
import re
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from django.test import Client
from openpyxl import Workbook

from core.identifiers import make_credit_code, make_id_number
from core.models import Agreement, AgreementTerms, College, Employer, Major, Role, School, Student, User
from core.services import agreements as wf
from core.services.confirmations import confirmation_made_by_sms
from core.services.employers import employer_search_students, employer_update_profile
from core.services.licences import store_licence
from core.services.stats_counters import count_students_added, student_key
from core.usernames import student_username
from sampledata.demo import sample_licence_pdf

PASSWORD = "test-pass-2026"
# How long a browser test waits for a page, a click or an expectation. Generous: CI runs two workers, each with a
# live server and Chromium, on two cores beside LibreOffice and PostgreSQL, and a step that takes 10 s there is
# slow, not wrong. A passing run never waits for it; a failing one says what the page showed (conftest.py).
BROWSER_TIMEOUT_MS = 30_000

if TYPE_CHECKING:
    from playwright.sync_api import Page

    # For the type checker only: a persona is built with what the model leaves optional, so tests read
    # `world.student.user` and `world.employer.employer` without a None check on every line.

    class StudentWithAccount(Student):
        """A student persona: has a login account."""

        user: User

    class EmployerUser(User):
        """An employer's HR user: belongs to an employer."""

        employer: Employer

else:
    StudentWithAccount = Student
    EmployerUser = User

# The `login_as` fixture (conftest.py): logs the test's client in as a user (or a student persona) and returns it.
LoginAs = Callable[[User | Student], Client]
_serial = itertools.count(1)

PROFILE = {
    "nature": "31",
    "location": "210102",
    "archive_receiving": "1",
    "archive_unit_name": "测试单位人力资源部",
    "archive_address": "辽宁省沈阳市和平区南京北街1号",
    "archive_postcode": "110001",
    "archive_contact": "王敏",
    "archive_phone": "024-83687000",
    "dispatch_title": "测试单位",
    "dispatch_location": "210102",
    "affiliation": "210000",
    "hukou_receiving": "1",
    "hukou_address": "辽宁省沈阳市和平区南京北街1号",
}
TERMS = {"position_category": "13", "position": "软件开发工程师", "monthly_salary": 8000, "probation_months": 3}


def make_user(username: str, role: str, **fields: Any) -> User:
    user = User(username=username, role=role, display_name=fields.pop("display_name", username), **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_school(name: str = "东北大学", code: str = "10145", **settings: Any) -> School:
    return School.objects.create(name=name, code=code, **settings)


def make_college(school: School, name: str = "文法学院") -> College:
    return College.objects.create(school=school, name=name)


@overload
def make_student(
    college: College,
    *,
    name: str | None = None,
    year: int = 2027,
    degree: str = "bachelor",
    major: str = "法学",
    with_user: Literal[True] = True,
) -> StudentWithAccount: ...


@overload
def make_student(
    college: College,
    *,
    name: str | None = None,
    year: int = 2027,
    degree: str = "bachelor",
    major: str = "法学",
    with_user: Literal[False],
) -> Student: ...


def make_student(
    college: College,
    *,
    name: str | None = None,
    year: int = 2027,
    degree: str = "bachelor",
    major: str = "法学",
    with_user: bool = True,
) -> Student:
    n = next(_serial)
    major_obj, _ = Major.objects.get_or_create(college=college, name=major)
    student_no = f"S{college.school.code}{n:06d}"
    user = (
        make_user(student_username(college.school.code, student_no), Role.STUDENT, display_name=name or f"学生{n}")
        if with_user
        else None
    )
    student = Student.objects.create(
        school=college.school,
        college=college,
        major=major_obj,
        user=user,
        student_no=student_no,
        name=name or f"学生{n}",
        gender="男",
        id_number=make_id_number(n, birth=datetime.date(2004, 1, 1) + datetime.timedelta(days=n % 3000)),
        phone=f"139{n:08d}",
        email=f"s{n}@example.com",
        graduation_year=year,
        degree=degree,
    )
    # As 生源导入 does: the roster count (统计) includes them.
    count_students_added([(student.pk, student_key(student))])
    return student


def make_employer(
    name: str | None = None,
    *,
    verified: bool = True,
    profile: bool = True,
    username: str | None = None,
    licence: bool = False,
) -> EmployerUser:
    """Returns the employer's HR user (user.employer is the employer); `licence`: with its 营业执照 scan stored, as
    every registration has (a pending employer needs it to be verified)."""
    n = next(_serial)
    employer = Employer.objects.create(
        name=name or f"测试单位{n}",
        credit_code=make_credit_code(n),
        contact_person="王经理",
        phone="13912340000",
        email=f"hr{n}@example.com",
        address="辽宁省沈阳市和平区",
        verification_status=Employer.Verification.VERIFIED if verified else Employer.Verification.PENDING,
    )
    if licence:
        employer.save(
            update_fields=store_licence(
                employer, "营业执照.pdf", sample_licence_pdf(employer.name, employer.credit_code)
            )
        )
    user = make_user(username or f"hr{n}", Role.EMPLOYER, employer=employer, display_name="王经理")
    if profile:
        employer_update_profile(employer, PROFILE, acting_user=user)
    return cast("EmployerUser", user)


def make_college_admin(college: College, username: str | None = None) -> User:
    return make_user(username or f"college{next(_serial)}", Role.COLLEGE_ADMIN, school=college.school, college=college)


def make_school_admin(school: School, username: str | None = None) -> User:
    return make_user(username or f"school{next(_serial)}", Role.SCHOOL_ADMIN, school=school)


def confirm(user: User | None, action: str, obj: Any = None) -> str:
    """A graduate's 本人确认 token (`cfm_…`) for one act, made through the service by an SMS code read on its way
    (kept out of `core.sms.outbox`, so tests of the messages count only theirs). `obj` is the agreement (or its id);
    none for the graduate's own records (`paper`, `destination_submit`). Another party acts without one: ""."""
    assert user is not None
    if user.role != Role.STUDENT:
        return ""
    pk = obj.pk if hasattr(obj, "pk") else int(obj or 0)
    return confirmation_made_by_sms(user, action, pk, deliver=lambda phone, text: 1)


def confirmation_fields(user: User | None, action: str, agreement: Any = None) -> dict[str, str]:
    """What a page's confirmed form carries after the SMS way of 本人确认: the confirmation and its code (sent
    through the service, read on its way)."""
    from core.services.confirmations import confirmation_start

    assert user is not None
    sent: list[str] = []
    pk = agreement.pk if hasattr(agreement, "pk") else int(agreement or 0)

    def keep(phone: str, text: str) -> int:
        sent.append(text)
        return 1

    confirmation, _ = confirmation_start(user, action, pk, method="sms", deliver=keep)
    code = re.search(r"验证码：(\d{6})", sent[-1])
    assert code is not None
    return {"confirmation_id": str(confirmation.pk), "code": code.group(1)}


def invite(employer_user: User, *students: Student, **terms: Any) -> list[Agreement]:
    for s in students:
        employer_search_students(
            graduation_year=s.graduation_year, name=s.name, id_number=s.id_number, acting_user=employer_user
        )
    return wf.agreements_invite(
        student_ids=[s.pk for s in students], terms={**TERMS, **terms}, acting_user=employer_user
    )


# What a student types from a paper 就业协议书 (纸质协议登记), every field the form asks.
PAPER_FORM: dict[str, str] = {
    "paper_number": "辽就协2026001234",
    "unit_nature": "39",
    "unit_location": "210202",
    "archive_receiving": "1",
    "archive_unit_name": "大连市人才服务中心",
    "archive_address": "大连市中山区人民路1号",
    "archive_postcode": "116001",
    "archive_contact": "王老师",
    "archive_phone": "0411-82345678",
    "affiliation": "210000",
    "hukou_receiving": "1",
    "hukou_address": "大连市中山区人民路1号",
    "employer_name": "大连星海教育咨询有限公司",
    "credit_code": "1210000046300354XU",
    "position_category": "24",
    "position": "课程顾问",
    "work_location": "210202",
    "monthly_salary": "6000",
}


# The paper's own fields beyond the employer and the post, for tests that write their own form.
PAPER_EXTRA: dict[str, str] = {
    key: PAPER_FORM[key]
    for key in PAPER_FORM
    if key not in ("employer_name", "credit_code", "position_category", "position", "work_location", "monthly_salary")
}


def register_paper(
    student: Student,
    data: dict[str, str] | None = None,
    *,
    scan_name: str = "协议书.pdf",
    scan: bytes = b"%PDF-1.4\n%%EOF\n",
) -> Agreement:
    """A paper agreement the student registers through the workflow (待学校审核)."""
    from core.services.paper_agreements import paper_agreement_register

    assert student.user is not None
    return paper_agreement_register(
        {**PAPER_FORM, **(data or {})},
        scan_name=scan_name,
        scan=scan,
        acting_user=student.user,
        confirmation=confirm(student.user, "paper"),
    )


# Every status World.reach can bring an agreement to, in the workflow's order.
REACHABLE = (
    "invited",
    "declined",
    "withdrawn",
    "college_review",
    "returned",
    "school_review",
    "effective",
    "termination_requested",
    "termination_review",
    "terminated",
)


@dataclass
class World:
    """Two schools, two colleges, two employers, the admins and a few students: every role and an outsider."""

    school: School
    college: College
    other_college: College
    other_school: School
    employer: EmployerUser
    other_employer: EmployerUser
    college_admin: User
    other_college_admin: User
    school_admin: User
    other_school_admin: User
    student: StudentWithAccount
    other_student: StudentWithAccount
    outsider_student: StudentWithAccount

    def reach(self, status: str, student: Student | None = None, employer: User | None = None) -> Agreement:
        """An agreement in `status`, reached through the workflow."""
        student = student or self.student
        employer = employer or self.employer
        (agreement,) = invite(employer, student)
        if status == "invited":
            return _reload(agreement)
        assert student.user is not None
        if status in ("declined",):
            return wf.agreement_decline(agreement, acting_user=student.user)
        if status == "withdrawn":
            return wf.agreement_withdraw(agreement, acting_user=employer)
        wf.agreement_accept(
            agreement, acting_user=student.user, confirmation=confirm(student.user, "accept", agreement)
        )
        if status == "college_review":
            return _reload(agreement)
        college_admin = self.college_admin if student.college_id == self.college.pk else self.other_college_admin
        if status == "returned":
            return wf.agreement_return(agreement, remark="材料不全", acting_user=college_admin)
        wf.agreement_approve(agreement, acting_user=college_admin)
        if status == "school_review":
            return _reload(agreement)
        wf.agreement_approve(agreement, acting_user=self.school_admin)
        if status == "effective":
            return _reload(agreement)
        wf.termination_request(
            agreement,
            reason="个人原因",
            acting_user=student.user,
            confirmation=confirm(student.user, "termination", agreement),
        )
        if status == "termination_requested":
            return _reload(agreement)
        wf.termination_accept(agreement, acting_user=employer)
        if status == "termination_review":
            return _reload(agreement)
        wf.termination_approve(agreement, acting_user=self.school_admin)
        if status == "terminated":
            return _reload(agreement)
        raise ValueError(status)


def current_terms(agreement: Agreement) -> AgreementTerms:
    """The agreement's terms now (every invitation has them; the model allows none only while it is created)."""
    assert agreement.current_terms is not None
    return agreement.current_terms


def accepted_terms(agreement: Agreement) -> AgreementTerms:
    """The terms the student accepted."""
    assert agreement.accepted_terms is not None
    return agreement.accepted_terms


def _reload(agreement: Agreement) -> Agreement:
    return Agreement.objects.get(pk=agreement.pk)


def make_world() -> World:
    school = make_school()
    college = make_college(school, "文法学院")
    other_college = make_college(school, "信息科学与工程学院")
    other_school = make_school("辽宁大学", "10140")
    outsider_college = make_college(other_school, "法学院")
    return World(
        school=school,
        college=college,
        other_college=other_college,
        other_school=other_school,
        employer=make_employer("沈阳鼎新科技有限公司", username="alice"),
        other_employer=make_employer("大连海湾律师事务所", username="bob"),
        college_admin=make_college_admin(college, "college_law"),
        other_college_admin=make_college_admin(other_college, "college_info"),
        school_admin=make_school_admin(school, "school_neu"),
        other_school_admin=make_school_admin(other_school, "school_lnu"),
        student=make_student(college, name="李明"),
        other_student=make_student(other_college, name="王芳", major="计算机科学与技术"),
        outsider_student=make_student(outsider_college, name="张伟"),
    )


def xlsx_bytes(headers: list[str], rows: list[list[Any]]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "upload.xlsx"
    return buffer


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def xlsx_parts(
    sheet_rows: Iterable[bytes], shared_strings: Iterable[bytes] | None = None, *, sheet_prolog: str = ""
) -> io.BytesIO:
    """A minimal xlsx written part by part and streamed, so a test can build a file that is small to store and
    huge when inflated (a decompression bomb) without holding the inflated text in memory.
    `sheet_rows` are the <row> elements' bytes; `shared_strings`, if given, the <si> elements'."""
    buffer = io.BytesIO()
    strings = shared_strings is not None
    overrides = f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    overrides += f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
    rels = f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if strings:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        rels += f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{_PKG}">{rels}</Relationships>')
        opening = f'{sheet_prolog}<worksheet xmlns="{_MAIN}"><sheetData>'
        _stream_part(archive, "xl/worksheets/sheet1.xml", opening, sheet_rows)
        if shared_strings is not None:
            _stream_part(archive, "xl/sharedStrings.xml", f'<sst xmlns="{_MAIN}">', shared_strings)
    buffer.seek(0)
    buffer.name = "upload.xlsx"
    return buffer


def _stream_part(archive: zipfile.ZipFile, name: str, opening: str, elements: Iterable[bytes]) -> None:
    closing = b"</sst>" if opening.startswith("<sst") else b"</sheetData></worksheet>"
    with archive.open(name, "w", force_zip64=True) as part:
        part.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + opening.encode())
        batch: list[bytes] = []
        for element in elements:
            batch.append(element)
            if len(batch) >= 10_000:
                part.write(b"".join(batch))
                batch.clear()
        part.write(b"".join(batch) + closing)


def inline_row(number: int, *values: str) -> bytes:
    """One <row> of inline-string cells, as xlsx_parts takes them."""
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (chr(65 + i).encode(), number, v.encode())
        for i, v in enumerate(values)
    )
    return b'<row r="%d">%s</row>' % (number, cells)


def xlsx_with(original: bytes, parts: dict[str, bytes | Iterable[bytes] | None]) -> io.BytesIO:
    """A copy of an xlsx with parts replaced (bytes, or chunks streamed into the part), dropped (None) or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = [info.filename for info in source.infolist()]
        for name in [*names, *(n for n in parts if n not in names)]:
            content = parts.get(name, source.read(name) if name in names else None)
            if content is None:
                continue
            if isinstance(content, bytes):
                target.writestr(name, content)
                continue
            with target.open(name, "w", force_zip64=True) as part:
                for chunk in content:
                    part.write(chunk)
    out.seek(0)
    out.name = "upload.xlsx"
    return out


def styles_bomb(original: bytes, megabytes: int = 44) -> io.BytesIO:
    """The file of issue 19 item 5: `original` with a styles.xml of `megabytes` MB of cell formats varied enough
    to compress about 18 times (44 MB in a 2.5 MB file), which passes the ratio limit; openpyxl took 15 s and
    1.1 GB to parse it. Streamed: never held inflated in memory."""
    import random

    numbers = random.Random(19)
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{_MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs>'
    )

    def chunks() -> Iterable[bytes]:
        yield head.encode()
        written = 0
        while written < megabytes * 1024 * 1024:
            chunk = b"".join(
                b'<xf numFmtId="%d" fontId="%d" fillId="0" borderId="%d" xfId="0" applyNumberFormat="1"/>'
                % (numbers.randrange(600), numbers.randrange(10), numbers.randrange(4))
                for _ in range(10_000)
            )
            written += len(chunk)
            yield chunk
        yield b"</cellXfs></styleSheet>"

    return xlsx_with(original, {"xl/styles.xml": chunks()})


class ApiClient:
    """Django's test client speaking JSON to /api/v1 with a bearer token (the `api` fixture)."""

    def __init__(self, client: Client):
        self.client = client
        self.token = ""

    def login(self, user: User, password: str = PASSWORD) -> ApiClient:
        response = self.client.post(
            "/api/v1/auth/token", {"username": user.username, "password": password}, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        self.token = response.json()["token"]
        return self

    def _headers(self) -> dict[str, Any]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self._headers())

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        if "format" in extra:  # multipart
            extra.pop("format")
            return self.client.post(f"/api/v1{path}", data, **self._headers())
        return self.client.post(
            f"/api/v1{path}", data if data is not None else {}, content_type="application/json", **self._headers()
        )

    def confirm(self, action: str, object_id: int | None) -> str:
        """本人确认 through the API as a graduate without a passkey does it: a code to the roster phone (read from
        `core.sms.outbox`), then the token for the act's body."""
        from core import sms

        body = {"action": action, "method": "sms", **({"object_id": object_id} if object_id else {})}
        started = self.post("/auth/confirmations", body)
        assert started.status_code == 201, started.content
        code = re.search(r"验证码：(\d{6})", sms.outbox[-1].text)
        assert code is not None, sms.outbox[-1].text
        proven = self.post(f"/auth/confirmations/{started.json()['id']}", {"code": code.group(1)})
        assert proven.status_code == 200, proven.content
        return str(proven.json()["confirmation"])

    def put(self, path: str, data: Any) -> Any:
        return self.client.put(f"/api/v1{path}", data, content_type="application/json", **self._headers())

    def patch(self, path: str, data: Any) -> Any:
        return self.client.patch(f"/api/v1{path}", data, content_type="application/json", **self._headers())

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", **self._headers())


# --- browser tests ---------------------------------------------------------------------------------------


def browser_login(page: Page, base: str, username: str, password: str = PASSWORD, *, landing: str) -> None:
    """Log in through the login form, as a person does; waits until the page `landing` (a regex) is shown."""
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(landing))


def screenshot(target: Any, path: Path | str, **options: Any) -> None:
    """Save a screenshot of a page or a locator. Chromium now and then refuses one capture outright ("Protocol error
    (Page.captureScreenshot): Unable to capture screenshot") and takes the same picture when asked again a moment
    later; that refusal, and only it, is asked again once. A screenshot is what a test leaves to look at, never what
    it asserts, so a browser's hiccup must not fail the test (a second refusal still does)."""
    try:
        target.screenshot(path=str(path), **options)
    except Exception as error:
        if "Unable to capture screenshot" not in str(error):
            raise
        time.sleep(0.25)
        target.screenshot(path=str(path), **options)


class Journey:
    """One person's way through the site in Chromium, one numbered screenshot per step (the `journey` fixture)."""

    def __init__(self, page: Page, folder: Path, base: str):
        self.page, self.folder, self.base, self.n = page, folder, base, 0

    def shot(self, name: str) -> None:
        self.n += 1
        screenshot(self.page, self.folder / f"{self.n:02d}-{name}.png", full_page=True)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def login(self, username: str, password: str = PASSWORD, *, landing: str) -> None:
        """Log in (logging out first when somebody is logged in)."""
        if self.page.locator("button:has-text('退出')").count():
            self.page.click("button:has-text('退出')")
            self.page.wait_for_url(re.compile(r"/login/"))
        browser_login(self.page, self.base, username, password, landing=landing)


def last_sms_code(phone: str) -> str:
    """The six-digit code of the newest short message to `phone` (the tests' locmem SMS backend)."""
    from core import sms

    for message in reversed(sms.outbox):
        if message.phone == phone and (found := re.search(r"验证码(\d{6})", message.text)):
            return found.group(1)
    raise AssertionError(f"no SMS code sent to {phone}")


def register_employer(username: str, data: dict[str, Any], *, mobile: str = "13800138000") -> User:
    """单位注册 as the page does it: the SMS code to the HR mobile, then the form with a 营业执照 scan."""
    from core.services.employers import employer_register
    from core.services.sms_codes import PURPOSE_EMPLOYER_REGISTER, sms_code_send

    sms_code_send(mobile, purpose=PURPOSE_EMPLOYER_REGISTER)
    return employer_register(
        username=username,
        password="Dingxin-2027-pass",
        data=data,
        mobile=mobile,
        sms_code=last_sms_code(mobile),
        licence_name="营业执照.pdf",
        licence=sample_licence_pdf(str(data.get("name", "")), str(data.get("credit_code", ""))),
    )
