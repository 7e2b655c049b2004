"""Reminders, run by the scheduler (`manage.py send_reminders`, ops.scheduler): the student before an invitation
expires, the employer when invitations expired unanswered, reviewers a daily digest of what waits for them.

Each is claimed before it is sent (core.services.notify.claim_notice), keyed by what it is about and when, so
several schedulers or a run repeated by hand never send one twice; a send that fails releases its claim and the
next run tries again.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from core.calendar import school_time, school_zone
from core.models import Agreement, Employer, Role, Status, User
from core.selectors import pending_employers_count, review_queue_counts
from core.services.notify import (
    SIGNATURE,
    claim_notice,
    employer_addresses,
    mail_each,
    release_notice,
    site_link,
    student_addresses,
    student_link,
)
from core.sms import send_sms

logger = logging.getLogger(__name__)

# Invitations that expired longer ago than this are history: a scheduler down for a while still tells the
# employer, a new installation does not mail about last year's invitations.
EXPIRED_LOOKBACK = datetime.timedelta(days=3)


def _unit(agreement: Agreement) -> str:
    """The verified employer's name (as notify.py): the invitation's 单位名称 is the employer's free text."""
    return agreement.employer.name


def remind_expiring_invitations(*, now: datetime.datetime | None = None) -> int:
    """The student, once per invitation and expiry time, when an open invitation expires within
    REMINDER_INVITATION_HOURS: by e-mail and, where SMS is configured, on the roster phone."""
    now = now or timezone.now()
    soon = now + datetime.timedelta(hours=settings.REMINDER_INVITATION_HOURS)
    due = Agreement.objects.filter(status=Status.INVITED, expires_at__gt=now, expires_at__lte=soon).select_related(
        "school", "student__user", "employer", "current_terms"
    )
    reminded = 0
    for agreement in due.iterator(chunk_size=500):
        # A modified invitation gets a new expiry time and so a new reminder.
        period = agreement.expires_at.isoformat()
        if not claim_notice("invitation_expiring", agreement.pk, period):
            continue
        student, unit = agreement.student, _unit(agreement)
        expires = school_time(agreement.expires_at, agreement.school)
        link = student_link(agreement)
        body = "\n".join(
            [
                f"{student.name}同学：",
                f"{unit}向你发出的签约邀约将于{expires}过期，过期后将不能再应约。",
                f"请及时登录就业协议书网签系统查看并处理（同意或拒绝）：{link}",
                SIGNATURE,
            ]
        )
        try:
            mail_each(f"签约邀约即将过期：{unit}", body, student_addresses(student))
            send_sms(student.phone, f"{unit}的签约邀约将于{expires}过期，请及时登录处理：{link}")
        except Exception:
            logger.exception("Reminder of invitation %s failed; the next run tries again", agreement.pk)
            release_notice("invitation_expiring", agreement.pk, period)
            continue
        reminded += 1
    return reminded


def remind_expired_invitations(*, now: datetime.datetime | None = None) -> int:
    """The employer, once per expired invitation, in one e-mail for those that expired since the last run."""
    now = now or timezone.now()
    expired = Agreement.objects.filter(
        status=Status.EXPIRED, expires_at__gt=now - EXPIRED_LOOKBACK, expires_at__lte=now
    ).select_related("school", "student", "employer", "current_terms")
    by_employer: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in expired.iterator(chunk_size=500):
        by_employer[agreement.employer_id].append(agreement)
    told = 0
    for employer_id, candidates in by_employer.items():
        # Under the employer's row lock, so one scheduler claims all of an employer's expiries and the employer
        # gets one e-mail, not one from each of two schedulers racing.
        with transaction.atomic():
            Employer.objects.select_for_update().filter(pk=employer_id).first()
            agreements = [a for a in candidates if claim_notice("invitation_expired", a.pk)]
        if not agreements:
            continue
        employer: Employer = agreements[0].employer
        lines = [f"{employer.name}：", f"贵单位发出的以下{len(agreements)}份签约邀约已过期，学生未应约："]
        for agreement in agreements:
            student = agreement.student
            lines.append(
                f"- {student.name}（{agreement.school.name}，{student.graduation_year}届），"
                f"过期时间 {school_time(agreement.expires_at, agreement.school)}"
            )
        link = site_link(reverse("employer:agreements"))
        lines += ["", f"如仍需签约，请登录单位签约中心重新发起邀约：{link}", SIGNATURE]
        try:
            mail_each(f"{len(agreements)}份签约邀约已过期未应约", "\n".join(lines), employer_addresses(employer))
        except Exception:
            logger.exception("Expiry notice to employer %s failed; the next run tries again", employer.pk)
            for agreement in agreements:
                release_notice("invitation_expired", agreement.pk)
            continue
        told += len(agreements)
    return told


@dataclass(frozen=True)
class Digest:
    reviews: int = 0
    terminations: int = 0
    employers: int = 0

    @property
    def empty(self) -> bool:
        return not (self.reviews or self.terminations or self.employers)


def reviewer_digest(user: User) -> Digest:
    """What waits for an admin: the same counts as the badges of their menu."""
    counts = review_queue_counts(user)
    return Digest(
        reviews=counts.get("reviews", 0),
        terminations=counts.get("terminations", 0),
        employers=pending_employers_count(user.school_id) if user.role == Role.SCHOOL_ADMIN else 0,
    )


def reviewers() -> QuerySet[User]:
    return (
        User.objects.filter(role__in=(Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN), is_active=True, email_notifications=True)
        .exclude(email="")
        .select_related("school", "college")
    )


def send_reviewer_digests(*, now: datetime.datetime | None = None) -> int:
    """Each college and school admin with an e-mail address, once a day from REMINDER_DIGEST_HOUR of their
    school's day, and only when something waits for them."""
    now = now or timezone.now()
    sent = 0
    for user in reviewers().iterator(chunk_size=200):
        local = timezone.localtime(now, school_zone(user.school))
        if local.hour < settings.REMINDER_DIGEST_HOUR:
            continue
        digest = reviewer_digest(user)
        if digest.empty:
            continue
        period = local.date().isoformat()
        if not claim_notice("review_digest", user.pk, period):
            continue
        lines = [f"{user.name}：", f"截至{school_time(now, user.school)}，以下事项等待您办理："]
        if digest.reviews:
            level = "学院" if user.role == Role.COLLEGE_ADMIN else "学校"
            lines.append(f"- 待{level}审核的协议书：{digest.reviews}份")
        if digest.terminations:
            lines.append(f"- 待审核的解约申请：{digest.terminations}份")
        if digest.employers:
            lines.append(f"- 待审核的单位资质：{digest.employers}家")
        lines += ["", f"请登录就业协议书网签系统办理：{site_link(reverse('school:home'))}", SIGNATURE]
        try:
            mail_each("每日待办提醒", "\n".join(lines), [user.email])
        except Exception:
            logger.exception("Digest to %s failed; the next run tries again", user.pk)
            release_notice("review_digest", user.pk, period)
            continue
        sent += 1
    return sent


def reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every reminder that is due; what the scheduler runs."""
    now = now or timezone.now()
    return {
        "invitation_expiring": remind_expiring_invitations(now=now),
        "invitation_expired": remind_expired_invitations(now=now),
        "review_digest": send_reviewer_digests(now=now),
    }
