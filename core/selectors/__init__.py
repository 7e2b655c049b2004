"""Reads, one module per area; every view and endpoint fetches through them, so what is not yours answers 404.

- `agreements`: agreements scoped to the viewer, list filters, the student's own, the admins' queues;
- `agreement_values`: a list page's rows as plain values, read by a statement compiled once (the API's list);
- `scope`: the school side of every scoped read (student, college admin, school admin), shared by the above;
- `paging`: counts of long lists (exact below a limit, else at most a minute old) and pages read ids first;
- `students`: the employer's exact search, the student's record, the admin's roster;
- `send_list`: the employer's 签约发送列表 and the students it may reach;
- `employers`: the school's 单位资质审核 lists with each employer's activity;
- `destinations`: 毕业去向 scoped to the viewer, the reviewers' list filters, attachments for their owner and reviewers;
- `notifications`: a user's 消息 and what waits on an employer;
- `schools`: a school's settings change log, a province's schools;
- `accounts`: the failed logins of a school's accounts (django-axes' log);
- `staff`: a school's 学校管理员 and 学院管理员 with where each stands (账号管理), and the record of changes to them;
- `reviews`: the 退回 an agreement is still answering (its reason stands at the top of the parties' pages);
- `todo`: what waits for a school-side admin (the school portal menu's badges), counted in one query.
Reads of issued documents are in `documents/selectors.py`, of roster import jobs in `school/selectors.py`.
"""

from core.selectors.accounts import (
    LockedAccount,
    display_names,
    failed_logins_of_school,
    lock_lifts_of_school,
    locked_accounts_of_school,
)
from core.selectors.agreement_values import agreement_row_values, agreement_values_paginator
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
    paper_dispute_of,
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
    destination_of_student,
    destination_queue_count,
    destination_versions,
    destinations_visible_to,
    filter_destinations,
    get_attachment_for_user,
    get_destination_for_user,
    orphaned_evidence,
    own_destination,
    retired_attachments,
    with_destination_relations,
)
from core.selectors.employers import (
    employer_holding_credit_code,
    employer_verifiable_by,
    employers_by_verification,
    get_employer_for_admin,
    get_employer_for_province,
    pending_employers_count,
    recent_agreements_with,
    rejected_registrations,
    retired_licences_of,
    with_activity,
)
from core.selectors.notifications import (
    destination_notifications_of,
    destination_unread_count,
    employer_todo_counts,
    get_destination_notification_for_user,
    get_notification_for_user,
    inbox_of,
    inbox_page,
    inbox_unread_count,
    notifications_of,
    unread_count,
)
from core.selectors.reviews import open_return_of
from core.selectors.schools import schools_of_province, settings_changes_of
from core.selectors.send_list import (
    STUDENT_NOT_REACHABLE,
    listed_student_ids,
    send_list_items,
    signed_elsewhere_ids,
    students_reachable_by,
)
from core.selectors.staff import (
    StaffState,
    describe_change,
    open_invitation_of,
    staff_changes_of,
    staff_changes_of_school,
    staff_of_school,
    staff_state,
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
from core.selectors.todo import admin_todo_counts

__all__ = [
    "STUDENT_NOT_REACHABLE",
    "AgreementFilters",
    "DestinationFilters",
    "LockedAccount",
    "RosterFilters",
    "StaffState",
    "active_agreement_of",
    "active_status_by_student",
    "admin_todo_counts",
    "agreement_history_of",
    "agreement_paginator",
    "agreement_row_values",
    "agreement_rows",
    "agreement_values_paginator",
    "agreements_of_student",
    "agreements_visible_to",
    "asked_by_student",
    "attach_open_termination",
    "colleges_of_school",
    "describe_change",
    "destination_events",
    "destination_notifications_of",
    "destination_of_student",
    "destination_queue_count",
    "destination_unread_count",
    "destination_versions",
    "destinations_visible_to",
    "display_names",
    "employer_holding_credit_code",
    "employer_todo_counts",
    "employer_verifiable_by",
    "employers_by_verification",
    "failed_logins_of_school",
    "filter_agreements",
    "filter_destinations",
    "get_agreement_for_user",
    "get_attachment_for_user",
    "get_destination_for_user",
    "get_destination_notification_for_user",
    "get_employer_for_admin",
    "get_employer_for_province",
    "get_notification_for_user",
    "get_student_for_admin",
    "graduation_years_of_school",
    "inbox_of",
    "inbox_page",
    "inbox_unread_count",
    "listed_student_ids",
    "lock_lifts_of_school",
    "locked_accounts_of_school",
    "majors_of_school",
    "notifications_of",
    "open_invitation_of",
    "open_invitations_of",
    "open_return_of",
    "orphaned_evidence",
    "own_destination",
    "paper_dispute_of",
    "pending_employers_count",
    "recent_agreements_with",
    "rejected_registrations",
    "retired_attachments",
    "retired_licences_of",
    "review_queue_counts",
    "roster",
    "schools_and_years_of",
    "schools_of_province",
    "send_list_items",
    "settings_changes_of",
    "signed_elsewhere_ids",
    "staff_changes_of",
    "staff_changes_of_school",
    "staff_of_school",
    "staff_state",
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
