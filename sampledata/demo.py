"""The demo schools of SPEC §7, loaded through the real domain functions where a workflow is involved.

Two schools on one platform: 东北大学 (10145) and 辽宁大学 (10140), whose student 陈晨 has the 学号 2027001 that
东北大学's 李明 has too: each signs in as a student of their school (every school's 学号 space is its own)."""

from __future__ import annotations

import datetime
import io

from django.db import transaction

from core.calendar import current_graduation_year
from core.identifiers import make_credit_code, make_id_number
from core.models import Agreement, College, Employer, Major, Province, Role, School, Student, User
from core.services import agreements as wf
from core.services.confirmations import confirmation_made_by_sms
from core.services.employers import employer_search_students, employer_update_profile
from core.services.licences import store_licence
from core.services.stats_counters import count_students_added, student_key
from core.services.verifications import verification_send, verification_start
from core.usernames import student_username

DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACCOUNTS = [
    ("employer1", "用人单位（已审核，签约信息未填写：首次使用会弹出签约信息确认）"),
    ("employer2", "用人单位（已审核，签约信息已填写）"),
    ("employer3", "用人单位（待学校审核资质）"),
    ("college1", "学院管理员（文法学院）"),
    ("college2", "学院管理员（信息科学与工程学院）"),
    ("school1", "学校管理员（东北大学就业指导中心）"),
    ("school2", "学校管理员（辽宁大学就业指导中心）"),
    ("province1", "省级主管部门（辽宁省教育厅：东北大学、辽宁大学）"),
    ("2027001", "学生（东北大学：登录时选择学校“东北大学”，学号 2027001 至 2027012）"),
    ("10140:2027001", "学生（辽宁大学，与东北大学的 2027001 同学号：选择学校“辽宁大学”后用学号 2027001 登录）"),
]

DEMO_PROFILE = {
    "nature": "31",
    "location": "210102",
    "archive_receiving": "1",
    "archive_unit_name": "沈阳新松机器人自动化股份有限公司人力资源部",
    "archive_address": "辽宁省沈阳市浑南区全运路33号",
    "archive_postcode": "110168",
    "archive_contact": "王敏",
    "archive_phone": "024-31165800",
    "dispatch_title": "沈阳新松机器人自动化股份有限公司",
    "dispatch_location": "210112",
    "affiliation": "210000",
    "hukou_receiving": "1",
    "hukou_address": "辽宁省沈阳市浑南区全运路33号",
}

STUDENTS = [
    # 学号后缀, 姓名, 女?, 院系, 专业, 学历
    (1, "李明", False, "文法学院", "法学", "bachelor"),
    (2, "王芳", True, "文法学院", "法学", "bachelor"),
    (3, "张伟", False, "文法学院", "思想政治教育", "bachelor"),
    (4, "刘洋", False, "文法学院", "思想政治教育", "bachelor"),
    (5, "陈静", True, "文法学院", "法学", "bachelor"),
    (6, "杨帆", False, "信息科学与工程学院", "计算机科学与技术", "bachelor"),
    (7, "赵磊", False, "信息科学与工程学院", "计算机科学与技术", "bachelor"),
    (8, "黄丽", True, "信息科学与工程学院", "计算机科学与技术", "master"),
    (9, "周杰", False, "信息科学与工程学院", "计算机科学与技术", "master"),
    (10, "吴婷", True, "信息科学与工程学院", "计算机科学与技术", "bachelor"),
    (11, "徐强", False, "文法学院", "法学", "bachelor"),
    (12, "孙悦", True, "信息科学与工程学院", "计算机科学与技术", "master"),
]


def _user(username: str, **fields: object) -> User:
    user = User(username=username, **fields)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@transaction.atomic
def load_demo() -> None:
    year = current_graduation_year()
    school = School.objects.create(name="东北大学", code="10145")
    law = College.objects.create(school=school, name="文法学院")
    info = College.objects.create(school=school, name="信息科学与工程学院")
    majors = {
        ("文法学院", "法学"): Major.objects.create(college=law, name="法学"),
        ("文法学院", "思想政治教育"): Major.objects.create(college=law, name="思想政治教育"),
        ("信息科学与工程学院", "计算机科学与技术"): Major.objects.create(college=info, name="计算机科学与技术"),
    }
    colleges = {"文法学院": law, "信息科学与工程学院": info}
    students = []
    for n, name, female, college, major, degree in STUDENTS:
        student_no = f"{year}{n:03d}"
        user = _user(student_username(school.code, student_no), role=Role.STUDENT, display_name=name)
        students.append(
            Student.objects.create(
                school=school,
                college=colleges[college],
                major=majors[(college, major)],
                user=user,
                student_no=student_no,
                name=name,
                gender="女" if female else "男",
                id_number=make_id_number(n, birth=datetime.date(year - 22, 1 + n % 12, 1 + n), female=female),
                phone=f"1881234{n:04d}",
                email=f"{student_no}@stu.neu.edu.cn",
                graduation_year=year,
                degree=degree,
            )
        )
    count_students_added((s.pk, student_key(s)) for s in students)  # 统计's roster count, as 生源导入 keeps it
    # With an e-mail address (账号设置), so the reviewers' daily digest has somewhere to go in the demo.
    _user("school1", role=Role.SCHOOL_ADMIN, school=school, display_name="就业指导中心 李老师", email="jyzd@neu.edu.cn")
    _user(
        "college1",
        role=Role.COLLEGE_ADMIN,
        school=school,
        college=law,
        display_name="文法学院 赵老师",
        email="wfxy@neu.edu.cn",
    )
    _user(
        "college2",
        role=Role.COLLEGE_ADMIN,
        school=school,
        college=info,
        display_name="信息学院 钱老师",
        email="xxxy@neu.edu.cn",
    )

    employers = []
    for i, (name, status) in enumerate(
        [
            ("沈阳鼎新科技有限公司", Employer.Verification.VERIFIED),
            ("沈阳新松机器人自动化股份有限公司", Employer.Verification.VERIFIED),
            ("大连海湾律师事务所", Employer.Verification.PENDING),
        ],
        start=1,
    ):
        employer = Employer.objects.create(
            name=name,
            credit_code=make_credit_code(100 + i),
            contact_person=["周经理", "王敏", "钱律师"][i - 1],
            phone=f"1391234000{i}",
            email=f"hr{i}@example.com",
            address="辽宁省沈阳市和平区南京北街1号",
            verification_status=status,
        )
        employer.save(
            update_fields=store_licence(employer, "营业执照.pdf", sample_licence_pdf(name, employer.credit_code))
        )
        employers.append(employer)
        _user(f"employer{i}", role=Role.EMPLOYER, employer=employer, display_name=employer.contact_person)
    hr2 = User.objects.get(username="employer2")
    employer_update_profile(employers[1], DEMO_PROFILE, acting_user=hr2)

    # A little history so every list has something to show, made through the workflow itself.
    school_admin = User.objects.get(username="school1")
    college_admin = User.objects.get(username="college1")
    info_admin = User.objects.get(username="college2")
    terms = {"position_category": "13", "position": "软件开发工程师", "monthly_salary": 9000, "probation_months": 3}
    for s in [*students[5:9], students[0], students[1]]:
        employer_search_students(graduation_year=year, name=s.name, id_number=s.id_number, acting_user=hr2)
    sent = wf.agreements_invite(student_ids=[s.pk for s in students[5:9]], terms=terms, acting_user=hr2)
    law_offer = wf.agreements_invite(
        student_ids=[students[0].pk, students[1].pk],
        terms={**terms, "position_category": "23", "position": "法务专员", "monthly_salary": 7000},
        acting_user=hr2,
    )
    users: dict[int, User] = {s.pk: s.user for s in students if s.user is not None}
    # 杨帆: effective. 赵磊: waiting for the college. 黄丽: declined. 周杰: still open.
    _accept(sent[0], users[sent[0].student_id])
    wf.agreement_approve(sent[0], acting_user=info_admin)
    wf.agreement_approve(sent[0], acting_user=school_admin)
    _accept(sent[1], users[sent[1].student_id])
    wf.agreement_decline(sent[2], acting_user=users[sent[2].student_id], remark="已选择继续深造")
    # 李明: effective, then the student asked for 解约. 王芳: waiting for the school.
    _accept(law_offer[0], users[law_offer[0].student_id])
    wf.agreement_approve(law_offer[0], acting_user=college_admin)
    wf.agreement_approve(law_offer[0], acting_user=school_admin)
    asker = users[law_offer[0].student_id]
    token = confirmation_made_by_sms(asker, "termination", law_offer[0].pk)
    wf.termination_request(law_offer[0], reason="考取公务员，需解除协议", acting_user=asker, confirmation=token)
    _accept(law_offer[1], users[law_offer[1].student_id])
    wf.agreement_approve(law_offer[1], acting_user=college_admin)
    second = _second_school(year)
    # employer2 finds 辽宁大学's 2027001 (陈晨) by her own name and 身份证号, not 东北大学's 李明, and invites her.
    employer_search_students(graduation_year=year, name=second.name, id_number=second.id_number, acting_user=hr2)
    wf.agreements_invite(student_ids=[second.pk], terms=terms, acting_user=hr2)
    _province()


def _accept(agreement: Agreement, user: User) -> None:
    """同意, with the graduate's 本人确认 by SMS as a student without a passkey gives it (the code goes to the
    demo's SMS page like every other; the loader reads it on its way)."""
    token = confirmation_made_by_sms(user, "accept", agreement.pk)
    wf.agreement_accept(agreement, acting_user=user, confirmation=token)


# 辽宁大学's students: 学号, 姓名, 女?, 院系, 专业. The first shares its 学号 with 东北大学's 李明.
SECOND_SCHOOL_STUDENTS = [
    ("001", "陈晨", True, "法学院", "法学"),
    ("101", "林峰", False, "信息学院", "软件工程"),
    ("102", "郑雪", True, "信息学院", "软件工程"),
]


def _second_school(year: int) -> Student:
    """辽宁大学 (10140) with its admin school2 and three students; returns the one with a 学号 东北大学 has too."""
    school = School.objects.create(name="辽宁大学", code="10140")
    colleges = {name: College.objects.create(school=school, name=name) for name in ("法学院", "信息学院")}
    majors = {
        name: Major.objects.create(college=colleges[college], name=name)
        for college, name in (("法学院", "法学"), ("信息学院", "软件工程"))
    }
    _user("school2", role=Role.SCHOOL_ADMIN, school=school, display_name="就业指导中心 孙老师", email="jyzd@lnu.edu.cn")
    created = []
    for n, (suffix, name, female, college, major) in enumerate(SECOND_SCHOOL_STUDENTS, start=40):
        student_no = f"{year}{suffix}"
        user = _user(student_username(school.code, student_no), role=Role.STUDENT, display_name=name)
        created.append(
            Student.objects.create(
                school=school,
                college=colleges[college],
                major=majors[major],
                user=user,
                student_no=student_no,
                name=name,
                gender="女" if female else "男",
                id_number=make_id_number(n, birth=datetime.date(year - 22, 1 + n % 12, 1 + n % 28), female=female),
                phone=f"1861234{n:04d}",
                email=f"{student_no}@stu.lnu.edu.cn",
                graduation_year=year,
                degree="bachelor",
            )
        )
    count_students_added((s.pk, student_key(s)) for s in created)  # 统计's roster count, as 生源导入 keeps it
    return created[0]


def _province() -> None:
    """province1: the 省级主管部门 over the demo's schools (东北大学, and 辽宁大学 where the demo has it)."""
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set(School.objects.filter(code__in=["10145", "10140"]))
    admin = _user(
        "province1",
        role=Role.PROVINCE_ADMIN,
        province=province,
        display_name="辽宁省教育厅 高校学生处",
        email="gxxsc@ln.edu.cn",
    )
    # A 核查 of 东北大学's approved 去向 (issue 21): its links go to the demo's SMS page, so a graduate can answer.
    neu = School.objects.get(code="10145")
    campaign = verification_start(
        acting_user=admin, school_ids=[neu.pk], graduation_year=current_graduation_year(), share=1, seed="demo-核查"
    )
    # Sent now, whether or not a worker runs yet (idempotent: what its task sent after the commit is not sent again).
    verification_send(campaign.pk)


def sample_licence_pdf(name: str, credit_code: str) -> bytes:
    """A one-page stand-in for a 营业执照 scan (demo and tests): the name and code a reviewer compares."""
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    width, height = landscape(A5)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setFont("STSong-Light", 26)
    pdf.drawCentredString(width / 2, height - 70, "营 业 执 照（演示）")
    pdf.setFont("STSong-Light", 13)
    pdf.drawString(60, height - 130, f"统一社会信用代码  {credit_code}")
    pdf.drawString(60, height - 160, f"名    称  {name}")
    pdf.drawString(60, height - 190, "类    型  有限责任公司")
    pdf.drawString(60, height - 220, "住    所  辽宁省沈阳市和平区南京北街1号")
    pdf.rect(30, 30, width - 60, height - 60)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
