"""Masking of personal data on employer screens and exports, as the manual shows it (SPEC §4).

ID numbers, phones and e-mails get a fixed number of stars, so the mask does not reveal how long the hidden part
is; values too short for the usual pattern keep only their first character, so nothing is shown in full.
"""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """211402199001011035 -> 211402*****1035."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[0] + "*****"
    return value[:6] + "*****" + value[-4:]


def mask_phone(value: str | None) -> str:
    """18812343135 -> 188****3135."""
    if not value:
        return ""
    if len(value) <= 7:
        return value[0] + "****"
    return value[:3] + "****" + value[-4:]


def mask_email(value: str | None) -> str:
    """108123@qq.com -> 108***@qq.com; short local parts keep only their first character."""
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return value[0] + "***"
    keep = local[:3] if len(local) > 3 else local[0]
    return f"{keep}***@{domain}"


def mask_name(value: str | None) -> str:
    """张三丰 -> 张** (the public verification page shows no full names)."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
