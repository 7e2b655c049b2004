"""A student's fields (生源), described once.

The roster import's rows (core.services.roster), the school's correction form (学生信息修改,
core.services.students) and the API validate a student through `core.services.students.clean_student_values`,
which reads these descriptions, so a value is refused with the same message wherever it comes from.
"""

from __future__ import annotations

from core.fields import FieldSpec, Kind
from core.models import Student

# What the roster's 学历 column accepts: the stored value, its label, and the words schools write for it.
DEGREE_BY_TEXT: dict[str, str] = {
    **{value: value for value in Student.Degree.values},
    **{label: value for value, label in Student.Degree.choices},
    "专科": "junior",
    "本科": "bachelor",
    "硕士": "master",
    "硕士研究生": "master",
    "博士": "doctor",
    "博士研究生": "doctor",
    "本科生": "bachelor",
    "研究生": "master",
}

GRADUATION_YEAR_MIN, GRADUATION_YEAR_MAX = 2000, 2100

STUDENT_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("student_no", "学号", Kind.ALNUM, max_length=30, hint="30位以内的字母或数字"),
        FieldSpec("name", "姓名", Kind.TEXT, max_length=50),
        FieldSpec("gender", "性别", Kind.CHOICE, choices=(("男", "男"), ("女", "女")), hint="“男”或“女”"),
        FieldSpec("id_number", "身份证号", Kind.ID_NUMBER),
        FieldSpec("phone", "手机号", Kind.MOBILE),
        FieldSpec("email", "邮箱", Kind.EMAIL, required=False),
        FieldSpec(
            "graduation_year",
            "毕业年度",
            Kind.YEAR,
            min_value=GRADUATION_YEAR_MIN,
            max_value=GRADUATION_YEAR_MAX,
            hint="四位年份，如2027",
        ),
        FieldSpec("college", "院系", Kind.TEXT, max_length=100),
        FieldSpec("major", "专业", Kind.TEXT, max_length=100),
        FieldSpec(
            "degree",
            "学历",
            Kind.CHOICE,
            choices=tuple(DEGREE_BY_TEXT.items()),
            hint="专科、本科、硕士研究生或博士研究生",
        ),
    )
}

# The fields a student row stores as they are (院系 and 专业 become rows of their own; 学号 names the account).
STORED_FIELDS = ("name", "gender", "id_number", "phone", "email", "graduation_year", "degree")
