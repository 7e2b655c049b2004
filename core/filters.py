"""The agreement lists' filters, parsed once: the portals' list pages read the query string through this form, and
the API's query schema is built from its fields (api.routers.agreements), so both accept and refuse the same values
with the same Chinese messages naming the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core import codes
from core.inputs import DB_INT_MAX, parse_int
from core.models import Status
from core.rules import TABS
from core.selectors import AgreementFilters

DATE_HINT = "格式应为年-月-日，如 2027-05-01"


class _DbIntegerField(forms.IntegerField):
    """Read through core.inputs, the one integer rule of every edge: ASCII digits within the database's range
    (Django's own field would take `٣` and numbers that overflow the database)."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        number = parse_int(value, minimum=-DB_INT_MAX, maximum=DB_INT_MAX)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


def _int(label: str, *, low: int = 1, high: int = DB_INT_MAX, message: str = "") -> forms.IntegerField:
    message = message or f"{label}应为{low}到{high}之间的整数"
    return _DbIntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": f"{label}{DATE_HINT}"}
    )


def _choice(label: str, choices: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", "全部"), *choices],
        error_messages={"invalid_choice": f"{label}取值无效"},
    )


def _text(label: str) -> forms.CharField:
    return forms.CharField(label=label, required=False)


class _SharedFields(dict[str, forms.Field]):
    """A form's declared fields whose deep copy (what each bound form gets as `fields`) is a new dict of the same
    field objects: for a form that only validates and is never rendered, whose fields nothing changes per form."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


class AgreementFilterForm(forms.Form):
    """One field per AgreementFilters attribute, same names. Every field is optional: empty means "any".

    Only ever bound to validate a list's query (the filter bars are drawn by web/jinja.py, not from this form), so
    its fields are shared by every bound form (`_SharedFields`): Django's deep copy of the twelve fields and their
    choices was most of the cost of filtering a list, 0.25 ms of an API list's ~4."""

    tab = _choice("标签页", [(key, label) for key, (label, _) in TABS.items()])
    status = _choice("协议状态", Status.choices)
    school_id = _int("院校")
    graduation_year = _int("毕业年度", low=1000, high=9999, message="毕业年度应为四位年份")
    name = _text("学生姓名")
    id_number = _text("身份证号")
    major = _text("专业名称")
    college_id = _int("院系")
    employer_name = _text("单位名称")
    nature = _choice("单位性质", codes.choices("nature"))
    invited_from = _date("邀请起始日期")
    invited_to = _date("邀请截至日期")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("invited_from"), cleaned.get("invited_to")
        if start and end and start > end:
            self.add_error("invited_to", "邀请截至日期不能早于邀请起始日期")
        return cleaned

    def filters(self) -> AgreementFilters:
        """The valid values as AgreementFilters; call after is_valid()."""
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        return AgreementFilters(**data)

    def error_messages(self) -> dict[str, str]:
        """field → its first message."""
        return {field: str(errors[0]) for field, errors in self.errors.items()}


AgreementFilterForm.base_fields = _SharedFields(AgreementFilterForm.base_fields)
