from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

from sso.selectors import schools_with_sso
from web.navigation import is_page_here

register = template.Library()


@register.inclusion_tag("sso/includes/login_buttons.html")
def sso_login_buttons(next_page: str = "") -> dict[str, Any]:
    """One "统一身份认证登录" button per school configured in SSO_SCHOOLS (the login page)."""
    query = f"?{urlencode({'next': next_page})}" if next_page and is_page_here(next_page) else ""
    entries = []
    for school in schools_with_sso():
        name = "sso:cas" if settings.SSO_SCHOOLS[school.code].is_cas else "sso:oidc"
        entries.append({"school": school, "url": reverse(name, args=[school.code]) + query})
    return {"sso_schools": entries}
