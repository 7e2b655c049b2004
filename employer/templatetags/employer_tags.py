"""Display helpers for the employer portal's lists: masked personal data and the manual's date format."""

from __future__ import annotations

import datetime

from django import template

from core.masking import mask_id_number
from core.services.exports import list_date

register = template.Library()


@register.filter
def masked_id(value: str | None) -> str:
    return mask_id_number(value)


@register.filter
def manual_date(value: datetime.datetime | None) -> str:
    """2020.9.7, as the manual's 邀请日期 column."""
    return list_date(value)
