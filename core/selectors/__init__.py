"""Reads, one module per area; every view and endpoint fetches through them, so what is not yours answers 404.

- `agreements`: agreements scoped to the viewer, list filters, the student's own, the admins' queues;
- `scope`: the school side of every scoped read (student, college admin, school admin), shared by the above;
- `paging`: counts of long lists (exact below a limit, else at most a minute old) and pages read ids first;
- `students`: the employer's exact search, the student's record, the admin's roster;
- `send_list`: the employer's 签约发送列表 and the students it may reach;
- `employers`: the school's 单位资质审核 lists with each employer's activity;
- `destinations`: 毕业去向 scoped to the viewer, the reviewers' list filters, attachments for their owner and reviewers;
- `notifications`: a user's 消息 and what waits on an employer; `schools`: a school's settings change log;
- `accounts`: the failed logins of a school's accounts (django-axes' log);
- `reviews`: the 退回 an agreement is still answering (its reason stands at the top of the parties' pages).
Reads of issued documents are in `documents/selectors.py`, of roster import jobs in `school/selectors.py`.
"""

from core.selectors.accounts import display_names, failed_logins_of_school
from core.selectors.agreements import (
    AgreementFilters,
    active_agreement_of,
    active_status_by_student,
    agreement_history_of,
    agreement_paginator,
    agreement_rows,
    agreements_of_student,
    agreements_visible_to,
    asked_by_student,
    attach_open_termination,
    filter_agreements,
    get_agreement_for_user,
    open_invitations_of,
    review_queue_counts,
    schools_and_years_of,
    terminations_used_by,
    terms_versions_of,
    visible_agreement_id,
    with_list_relations,
    with_termination_history,
)
from core.selectors.destinations import (
    DestinationFilters,
    destination_events,
    destination_queue_count,
    destination_versions,
    destinations_visible_to,
    filter_destinations,
    get_attachment_for_user,
    get_destination_for_user,
    own_destination,
    with_destination_relations,
)
from core.selectors.employers import (
    employers_by_verification,
    get_employer_for_admin,
    pending_employers_count,
    recent_agreements_with,
    with_activity,
)
from core.selectors.notifications import (
    employer_todo_counts,
    get_notification_for_user,
    notifications_of,
    unread_count,
)
from core.selectors.reviews import open_return_of
from core.selectors.schools import settings_changes_of
from core.selectors.send_list import (
    STUDENT_NOT_REACHABLE,
    listed_student_ids,
    send_list_items,
    signed_elsewhere_ids,
    students_reachable_by,
)
from core.selectors.students import (
    RosterFilters,
    colleges_of_school,
    get_student_for_admin,
    graduation_years_of_school,
    majors_of_school,
    roster,
    student_for_user,
    students_search,
    students_visible_to,
)

__all__ = [
    "STUDENT_NOT_REACHABLE",
    "AgreementFilters",
    "DestinationFilters",
    "RosterFilters",
    "active_agreement_of",
    "active_status_by_student",
    "agreement_history_of",
    "agreement_paginator",
    "agreement_rows",
    "agreements_of_student",
    "agreements_visible_to",
    "asked_by_student",
    "attach_open_termination",
    "colleges_of_school",
    "destination_events",
    "destination_queue_count",
    "destination_versions",
    "destinations_visible_to",
    "display_names",
    "employer_todo_counts",
    "employers_by_verification",
    "failed_logins_of_school",
    "filter_agreements",
    "filter_destinations",
    "get_agreement_for_user",
    "get_attachment_for_user",
    "get_destination_for_user",
    "get_employer_for_admin",
    "get_notification_for_user",
    "get_student_for_admin",
    "graduation_years_of_school",
    "listed_student_ids",
    "majors_of_school",
    "notifications_of",
    "open_invitations_of",
    "open_return_of",
    "own_destination",
    "pending_employers_count",
    "recent_agreements_with",
    "review_queue_counts",
    "roster",
    "schools_and_years_of",
    "send_list_items",
    "settings_changes_of",
    "signed_elsewhere_ids",
    "student_for_user",
    "students_reachable_by",
    "students_search",
    "students_visible_to",
    "terminations_used_by",
    "terms_versions_of",
    "unread_count",
    "visible_agreement_id",
    "with_activity",
    "with_destination_relations",
    "with_list_relations",
    "with_termination_history",
]
