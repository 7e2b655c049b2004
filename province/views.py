"""The province portal (issue 21 item 1): its schools' figures per 毕业年度 (table, week-by-week chart, xlsx), each
school's agreements and 去向, and any one of them read-only as the school's reviewers see it. Nothing here writes:
every page is a GET, and every object is read through the scoped selectors (another province's school: 404)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core import codes
from core.calendar import current_graduation_year
from core.errors import Conflict, InvalidInput, NotFound
from core.inputs import parse_int
from core.models import Employer, Province, School
from core.replicas import replica_reads
from core.selectors import (
    agreements_visible_to,
    destinations_visible_to,
    get_agreement_for_user,
    get_destination_for_user,
    get_employer_for_province,
    orphaned_evidence,
    retired_licences_of,
    schools_of_province,
    with_destination_relations,
    with_list_relations,
)
from core.selectors.agreements import attach_open_termination, share_school
from core.selectors.ledger import last_verified_checkpoint
from core.services.destinations import destination_dispute_close
from core.services.province_stats import ProvinceStats, destination_groups, province_stats
from core.services.verifications import (
    campaign_data,
    campaign_for_user,
    campaign_summary,
    campaigns_visible_to,
    report_xlsx,
    schools_for_verification,
    verification_start,
)
from core.services.xlsx import write_xlsx
from province.access import province_admin_required
from web.agreement_detail import agreement_detail_context
from web.destination_detail import destination_context
from web.downloads import xlsx_download
from web.evidence import with_kept_until
from web.licences import licence_response, retired_licence_response
from web.request import AuthenticatedRequest

PER_PAGE = 20


def _province(request: AuthenticatedRequest) -> Province:
    province = request.user.province
    assert province is not None  # province_admin_required
    return province


def _year(request: AuthenticatedRequest) -> tuple[int, str]:
    """The requested 毕业年度, or the current one; with an error message when the input was wrong."""
    raw = request.GET.get("year", "").strip()
    if not raw:
        return current_graduation_year(), ""
    year = parse_int(raw, minimum=2000, maximum=2100)
    if year is not None:
        return year, ""
    return current_graduation_year(), "毕业年度应为四位年份，如2027"


def _year_options(year: int) -> list[str]:
    current = current_graduation_year()
    return [str(y) for y in sorted({year, *range(current - 4, current + 2)}, reverse=True)]


def _school(request: AuthenticatedRequest, school_id: int) -> School:
    school = schools_of_province(_province(request)).filter(pk=school_id).first()
    if school is None:
        raise Http404
    return school


def _school_url(school_id: int, year: int) -> str:
    return f"{reverse('province:school', args=[school_id])}?year={year}"


def _chart(stats: ProvinceStats) -> dict[str, Any]:
    """签约率 and 去向落实率 of each school at each week's end, in percent."""
    labels: list[str] = []
    series = []
    for row in stats.schools:
        weeks = stats.weeks.get(row.school.pk, [])
        labels = labels or [f"{w.week:%m-%d}" for w in weeks]
        n = row.graduates
        series.append(
            {
                "school": row.school.name,
                "rates": [round(w.effective * 100 / n, 1) if n else None for w in weeks],
                "placed_rates": [round(w.placed * 100 / n, 1) if n else None for w in weeks],
            }
        )
    return {"labels": labels, "series": series}


@require_GET
@province_admin_required
@replica_reads
def home(request: AuthenticatedRequest) -> HttpResponse:
    province = _province(request)
    year, error = _year(request)
    stats = province_stats(province, year)
    context = {
        "province": province,
        "stats": stats,
        "year": str(year),
        "year_error": error,
        "year_options": _year_options(year),
        "groups": destination_groups(),
        "chart": _chart(stats),
        "checkpoint": last_verified_checkpoint(),
        "crumbs": [(f"{year}届就业统计", "")],
    }
    return render(request, "province/home.html", context)


SUMMARY_HEADERS = [
    "院校代码",
    "院校名称",
    "毕业年度",
    "生源人数",
    "有效协议",
    "签约率（%）",
    "去向落实人数",
    "去向落实率（%）",
]
WEEK_HEADERS = ["院校代码", "院校名称", "周（起始日）", "有效协议", "签约率（%）", "去向落实人数", "去向落实率（%）"]
WEEK_HEADERS += ["本周新生效", "本周解约", "本周新落实"]


def _pct(rate: float | None) -> float | str:
    return "" if rate is None else round(rate * 100, 1)


@require_GET
@province_admin_required
@replica_reads
def export(request: AuthenticatedRequest) -> HttpResponse:
    """The page's figures as one sheet: a row per school (and 合计), then a row per school and week."""
    province = _province(request)
    year, _ = _year(request)
    stats = province_stats(province, year)
    groups = destination_groups()
    headers = [*SUMMARY_HEADERS, *(f"{g}（%）" for g in groups)]
    headers += ["本人确认协议", "协议本人确认占比（%）", "本人确认去向", "去向本人确认占比（%）"]
    rows: list[list[Any]] = []
    for row in [*stats.schools, stats.total]:
        shares = {g["group"]: g["share"] for g in row.group_shares()}
        rows.append(
            [
                row.school.code,
                row.school.name,
                year,
                row.graduates,
                row.effective,
                _pct(row.rate),
                row.placed,
                _pct(row.placed_rate),
                *(_pct(shares[g]) for g in groups),
                row.confirmed_agreements,
                _pct(row.confirmed_agreement_share),
                row.confirmed_destinations,
                _pct(row.confirmed_destination_share),
            ]
        )
    if request.GET.get("weeks"):
        headers, rows = WEEK_HEADERS, []
        for row in stats.schools:
            n = row.graduates
            for w in stats.weeks.get(row.school.pk, []):
                rows.append(
                    [
                        row.school.code,
                        row.school.name,
                        w.week.isoformat(),
                        w.effective,
                        _pct(w.effective / n if n else None),
                        w.placed,
                        _pct(w.placed / n if n else None),
                        w.new_effective,
                        w.new_terminated,
                        w.new_placed,
                    ]
                )
        title, name = f"{year}届逐周变化", f"{year}届逐周变化-{province.name}.xlsx"
    else:
        title, name = f"{year}届就业统计", f"{year}届就业统计-{province.name}.xlsx"
    return xlsx_download(write_xlsx(headers, rows, title=title), name)


@require_GET
@province_admin_required
@replica_reads
def school(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One school of the province: its agreements and 去向 of the year, newest first, each opening read-only."""
    the_school = _school(request, pk)
    year, error = _year(request)
    user = request.user
    agreements = agreements_visible_to(user).filter(school=the_school, graduation_year=year).order_by("-id")
    a_page = Paginator(agreements.values_list("pk", flat=True), PER_PAGE).get_page(request.GET.get("page"))
    a_rows = share_school(
        attach_open_termination(list(with_list_relations(agreements.filter(pk__in=list(a_page.object_list)))))
    )
    destinations = destinations_visible_to(user).filter(school=the_school, graduation_year=year).order_by("-id")
    d_page = Paginator(destinations.values_list("pk", flat=True), PER_PAGE).get_page(request.GET.get("dpage"))
    d_rows = list(with_destination_relations(destinations.filter(pk__in=list(d_page.object_list))).order_by("-id"))
    # Files of students deleted from the roster, kept as 佐证材料 (issue 20 item 3): any year, they have no 去向 left.
    e_page = Paginator(orphaned_evidence(user).filter(school=the_school), PER_PAGE).get_page(request.GET.get("epage"))
    context = {
        "e_page": e_page,
        "files": with_kept_until(list(e_page.object_list)),
        "retention_years": settings.EVIDENCE_RETENTION_YEARS,
        "school": the_school,
        "year": str(year),
        "year_error": error,
        "year_options": _year_options(year),
        "agreements": a_rows,
        "a_page": a_page,
        "destinations": d_rows,
        "d_page": d_page,
        "crumbs": [(the_school.name, "")],
    }
    return render(request, "province/school.html", context)


@require_GET
@province_admin_required
def agreement(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        found = get_agreement_for_user(request.user, pk)
    except NotFound:
        raise Http404
    crumbs = [(found.school.name, _school_url(found.school_id, found.graduation_year)), ("协议详情", "")]
    context = {
        **agreement_detail_context(found, request.user),
        "crumbs": crumbs,
        "retired_licences": retired_licences_of(found.employer),
    }
    return render(request, "province/agreement.html", context)


def _employer(request: AuthenticatedRequest, pk: int) -> Employer:
    try:
        return get_employer_for_province(request.user, pk)
    except NotFound:
        raise Http404


@require_GET
@province_admin_required
def employer_licence(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The 营业执照 scan of an employer its schools deal with, as uploaded (SPEC §11: evidence for the province)."""
    return licence_response(_employer(request, pk))


@require_GET
@province_admin_required
def employer_retired_licence(request: AuthenticatedRequest, pk: int, licence: int) -> HttpResponse:
    """A scan that employer replaced while waiting for 资质审核, kept as 佐证材料."""
    return retired_licence_response(_employer(request, pk), licence)


@require_GET
@province_admin_required
def destination(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        found = get_destination_for_user(request.user, pk)
    except NotFound:
        raise Http404
    context = {
        **destination_context(found, request.user),
        "student": found.student,
        "crumbs": [(found.school.name, _school_url(found.school_id, found.graduation_year)), ("毕业去向详情", "")],
    }
    return render(request, "province/destination.html", context)


# --- 核查 (issue 21 item 2): the province's pages; school/views/verifications.py serves a school's own through the
# same functions (`Pages` names the portal's base template, URL names and renderer).


@dataclass(frozen=True)
class Pages:
    base: str
    list_url: str
    detail_url: str
    report_url: str
    render: Callable[..., HttpResponse]


def _province_render(
    request: AuthenticatedRequest, template: str, context: dict[str, Any], *, crumbs: list[Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {**context, "crumbs": crumbs}, status=status)


PROVINCE_PAGES = Pages(
    "province/base.html",
    "province:verifications",
    "province:verification",
    "province:verification_report",
    _province_render,
)


def verifications_page(request: AuthenticatedRequest, pages: Pages) -> HttpResponse:
    """核查: the campaigns drawn so far, and the form that draws one."""
    user = request.user
    schools = schools_for_verification(user)
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"year": str(current_graduation_year()), "school_ids": [str(s.pk) for s in schools]}
    if request.method == "POST":
        post = request.POST
        form = {
            "year": post.get("graduation_year", ""),
            "school_ids": post.getlist("school_ids"),
            "codes": post.getlist("destination_codes"),
            "size": post.get("size", "").strip(),
            "share": post.get("share", "").strip(),
            "seed": post.get("seed", "").strip(),
        }
        try:
            campaign = verification_start(
                acting_user=user,
                school_ids=form["school_ids"],
                graduation_year=form["year"],
                destination_codes=form["codes"],
                size=form["size"] or None,
                share=form["share"] or None,
                seed=form["seed"] or None,
            )
        except InvalidInput as exc:
            errors = {key: str(value) for key, value in exc.errors.items()} or {"form": exc.detail}
        except NotFound:
            errors = {"school_ids": "请选择可以核查的院校"}
        else:
            messages.success(request, f"已抽取 {campaign.rows.count()} 名毕业生，核查消息正在后台发送")
            return redirect(pages.detail_url, campaign.pk)
    context = {
        "base": pages.base,
        "pages": pages,
        "campaigns": [campaign_summary(c) for c in campaigns_visible_to(user)[:50]],
        "schools": schools,
        "destination_options": codes.choices("destination"),
        "form": form,
        "errors": errors,
    }
    return pages.render(
        request, "province/verifications.html", context, crumbs=[("核查", "")], status=400 if errors else 200
    )


def verification_page(request: AuthenticatedRequest, pk: int, pages: Pages) -> HttpResponse:
    try:
        campaign = campaign_for_user(request.user, pk)
    except NotFound:
        raise Http404
    context = {"base": pages.base, "pages": pages, "campaign": campaign_data(campaign)}
    crumbs = [("核查", reverse(pages.list_url)), (f"核查 #{campaign.pk}", "")]
    return pages.render(request, "province/verification.html", context, crumbs=crumbs)


def verification_report_download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        campaign = campaign_for_user(request.user, pk)
    except NotFound:
        raise Http404
    return xlsx_download(report_xlsx(campaign), f"核查报告-{campaign.pk}.xlsx")


@require_http_methods(["GET", "POST"])
@province_admin_required
def verifications(request: AuthenticatedRequest) -> HttpResponse:
    return verifications_page(request, PROVINCE_PAGES)


@require_GET
@province_admin_required
def verification(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return verification_page(request, pk, PROVINCE_PAGES)


@require_GET
@province_admin_required
def verification_report(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return verification_report_download(request, pk)


@require_http_methods(["POST"])
@province_admin_required
def dispute_close(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """处理异议: the province's finding on a graduate's 异议 (成立 withdraws the 去向, 不成立 lets it count)."""
    decision = request.POST.get("decision", "")
    try:
        if decision not in ("upheld", "rejected"):
            raise InvalidInput("请选择“异议成立”或“异议不成立”", errors={"decision": "请选择处理结果"})
        destination_dispute_close(
            pk, upheld=decision == "upheld", remark=request.POST.get("remark", ""), acting_user=request.user
        )
    except NotFound:
        raise Http404
    except (InvalidInput, Conflict) as exc:
        found = get_destination_for_user(request.user, pk)
        context = {
            **destination_context(found, request.user),
            "student": found.student,
            "errors": getattr(exc, "errors", {}) or {"decision": exc.detail},
            "remark": request.POST.get("remark", ""),
            "crumbs": [(found.school.name, _school_url(found.school_id, found.graduation_year)), ("毕业去向详情", "")],
        }
        return render(request, "province/destination.html", context, status=exc.status)
    messages.success(request, "异议已处理")
    return redirect("province:destination", pk)
