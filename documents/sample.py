"""A complete, realistic agreement for the benchmark, the tests and the demo preview."""

from __future__ import annotations

from datetime import date, datetime

from documents.data import (
    AgreementDocumentData,
    AgreementTermsData,
    EmployerParty,
    ReviewEntry,
    SchoolParty,
    StudentParty,
)


def sample_document_data(**overrides: object) -> AgreementDocumentData:
    data = AgreementDocumentData(
        school=SchoolParty(name="东北大学", code="10145"),
        employer=EmployerParty(
            name="沈阳新松机器人自动化股份有限公司",
            credit_code="1210000046300354XU",
            contact_person="王晓梅",
            phone="18840003135",
            email="hr@siasun.example.cn",
            address="辽宁省沈阳市浑南区金辉街16号",
            nature_label="国有企业",
            location_label="辽宁省沈阳市浑南区",
        ),
        student=StudentParty(
            name="李文博",
            gender="男",
            id_number="21140220040315103X",
            student_no="20233101",
            degree_label="本科毕业生",
            college="信息科学与工程学院",
            major="计算机科学与技术",
            graduation_year=2027,
            phone="18840001035",
            email="liwenbo@stu.neu.example.cn",
        ),
        terms=AgreementTermsData(
            unit_name="沈阳新松机器人自动化股份有限公司",
            position_category_label="工程技术人员",
            position="嵌入式软件工程师",
            archive_receiving_label="签约单位接收",
            archive_unit_name="沈阳新松机器人自动化股份有限公司人力资源部",
            archive_address="辽宁省沈阳市浑南区金辉街16号",
            archive_postcode="110168",
            archive_contact="王晓梅",
            archive_phone="024-31165000",
            affiliation_label="辽宁省",
            hukou_receiving_label="接收",
            hukou_address="辽宁省沈阳市浑南区公安分局金辉派出所",
            work_location_label="辽宁省沈阳市浑南区",
            monthly_salary=12000,
            probation_months=3,
            liquidated_damages=5000,
            other_terms="甲方为乙方缴纳五险一金，提供单身公寓一间；乙方服务期不少于三年。\n年终奖按公司规定发放。",
            dispatch_title="沈阳新松机器人自动化股份有限公司",
            dispatch_location_label="辽宁省沈阳市",
        ),
        terms_version=2,
        number="20271014500017",
        verification_code="K7QF-2M9X-TR4D",
        verify_url="https://wangqian.neu.example.cn/verify/K7QF2M9XTR4D",
        events=(
            ReviewEntry(datetime(2027, 3, 1, 9, 12), "沈阳新松机器人自动化股份有限公司（王晓梅）", "发送邀约"),
            ReviewEntry(
                datetime(2027, 3, 2, 14, 3), "沈阳新松机器人自动化股份有限公司（王晓梅）", "修改邀约", "月薪调整"
            ),
            ReviewEntry(datetime(2027, 3, 2, 20, 41), "李文博", "同意签约"),
            ReviewEntry(datetime(2027, 3, 4, 10, 5), "信息科学与工程学院（张老师）", "学院审核通过"),
            ReviewEntry(datetime(2027, 3, 6, 16, 30), "东北大学就业指导中心（刘老师）", "学校审核通过", "材料齐全"),
        ),
        signed_date=date(2027, 3, 2),
        effective_date=date(2027, 3, 6),
        digitally_signed=True,
    )
    if overrides:
        from dataclasses import replace

        data = replace(data, **overrides)  # type: ignore[arg-type]
    return data
