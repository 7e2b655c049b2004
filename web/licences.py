"""An employer's 营业执照 scan answered to a reviewer who may see the employer (the school's 单位资质审核, the
province's agreement pages): the current one and the ones it replaced, kept as 佐证材料, each inline as uploaded."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from core.errors import NotFound
from core.models import Employer
from core.services.licences import read_licence, retired_licence_content
from web.downloads import download


def licence_response(employer: Employer) -> HttpResponse:
    try:
        content = read_licence(employer)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return download(content, employer.licence_name, employer.licence_type, inline=True)


def retired_licence_response(employer: Employer, licence_id: int) -> HttpResponse:
    try:
        kept, content = retired_licence_content(employer, licence_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return download(content, kept.name, kept.content_type, inline=True)
