"""导入拟签约名单: an employer's xlsx of students to invite; every row must find exactly one student."""

from __future__ import annotations

from typing import IO

from django.db import transaction

from core.errors import InvalidInput
from core.inputs import parse_int
from core.models import SearchHit, SendListItem, Student, User
from core.selectors import students_search
from core.services.employers import require_verified_employer
from core.services.roster import RowError
from core.services.xlsx import read_rows, write_xlsx

SHORTLIST_HEADERS = ("毕业年度", "姓名", "身份证号", "手机号")


def shortlist_template() -> bytes:
    return write_xlsx(SHORTLIST_HEADERS, [[2027, "张三", "11010519491231002X", ""]], title="拟签约名单")


class ShortlistInvalid(InvalidInput):
    def __init__(self, errors: list[RowError]):
        first = errors[0]
        super().__init__(
            f"文件有{len(errors)}处错误，未导入任何学生（第{first.row}行 {first.column}：{first.message}）",
            errors={"rows": [e.__dict__ for e in errors]},
        )
        self.row_errors = errors


def shortlist_import(upload: IO[bytes], *, acting_user: User) -> list[Student]:
    employer = require_verified_employer(acting_user)
    errors: list[RowError] = []
    found: list[Student] = []
    for number, raw in read_rows(upload, SHORTLIST_HEADERS, required=("毕业年度", "姓名")):
        year, name = raw.get("毕业年度", ""), raw.get("姓名", "")
        id_number, phone = raw.get("身份证号", "").upper(), raw.get("手机号", "")
        graduation_year = parse_int(year, minimum=1000, maximum=9999)
        if graduation_year is None:
            errors.append(RowError(number, "毕业年度", "毕业年度应为四位年份"))
            continue
        if not name:
            errors.append(RowError(number, "姓名", "姓名不能为空"))
            continue
        if not (id_number or phone):
            errors.append(RowError(number, "身份证号", "身份证号和手机号至少填写一项"))
            continue
        matches = list(
            students_search(graduation_year=graduation_year, name=name, id_number=id_number, phone=phone)[:2]
        )
        if len(matches) != 1:
            column = "身份证号" if id_number else "手机号"
            errors.append(RowError(number, column, "未找到匹配的学生，请核对毕业年度、姓名和证件信息"))
            continue
        found.append(matches[0])
    if errors:
        raise ShortlistInvalid(errors)
    if not found:
        raise InvalidInput("文件中没有数据行", errors={"file": "文件中没有数据行"})
    with transaction.atomic():
        SearchHit.objects.bulk_create(
            [SearchHit(employer=employer, student=s) for s in found],
            update_conflicts=True,
            unique_fields=["employer", "student"],
            update_fields=["created_at"],
        )
        SendListItem.objects.bulk_create(
            [SendListItem(employer=employer, student=s, added_by=acting_user) for s in found], ignore_conflicts=True
        )
    return found
