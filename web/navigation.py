"""Where to go next: the one reading of `next` and `back`.

Whatever a link or form carries, a redirect goes to a page of this site or to the caller's fallback: a value
that is not a path (`?back=abc` would be tried as a URL name by redirect(), a 500), a path that no view answers,
or a URL of another host (an open redirect) all give the fallback.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme


def is_page_here(target: str, *, within: str = "/") -> bool:
    """A path (with its query) that one of this site's views answers, under the path `within`."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    # Relative to this host only: a scheme, a host or a control character that browsers strip is refused.
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=set()):
        return False
    path = urlsplit(target).path
    if not path.startswith(within):
        return False
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def safe_target(request: HttpRequest, fallback: str, *, param: str = "next", within: str = "/") -> str:
    """The posted (else the query string's) `param` if it is a page of this site under `within`, else `fallback`."""
    target = request.POST.get(param) or request.GET.get(param) or ""
    return target if is_page_here(target, within=within) else fallback
