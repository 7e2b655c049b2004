from django.urls import path

from school.views import accounts, agreements, destinations, employers, home, reports, roster, settings, webhooks

app_name = "school"
urlpatterns = [
    path("", home.home, name="home"),
    # 签约审核 / 解约审核 / 签约查询
    path("reviews/", agreements.reviews, name="reviews"),
    path("reviews/approve/", agreements.reviews_approve_batch, name="reviews_approve_batch"),
    path("terminations/", agreements.terminations, name="terminations"),
    path("agreements/", agreements.agreements, name="agreements"),
    path("agreements/export/", agreements.agreements_export, name="agreements_export"),
    path("exports/<id:pk>/", agreements.export_job, name="export_job"),
    path("agreements/<id:pk>/", agreements.agreement_detail, name="agreement"),
    path("agreements/<id:pk>/approve/", agreements.agreement_approve, name="agreement_approve"),
    path("agreements/<id:pk>/return/", agreements.agreement_return, name="agreement_return"),
    path("agreements/<id:pk>/termination/approve/", agreements.termination_approve, name="termination_approve"),
    path("agreements/<id:pk>/termination/return/", agreements.termination_return, name="termination_return"),
    # 毕业去向审核
    path("destinations/", destinations.destinations, name="destinations"),
    path("destinations/approve/", destinations.destinations_approve_batch, name="destinations_approve_batch"),
    path("destinations/<id:pk>/", destinations.destination_detail, name="destination"),
    path("destinations/<id:pk>/approve/", destinations.destination_approve, name="destination_approve"),
    path("destinations/<id:pk>/return/", destinations.destination_return, name="destination_return"),
    # 生源管理
    path("roster/import/", roster.roster_import, name="roster_import"),
    path("roster/template/", roster.roster_template_download, name="roster_template"),
    path("roster/import/<id:pk>/", roster.roster_job, name="roster_job"),
    path("roster/import/<id:pk>/progress/", roster.roster_job_progress, name="roster_job_progress"),
    path("roster/import/<id:pk>/start/", roster.roster_job_start, name="roster_job_start"),
    path("roster/import/<id:pk>/errors/", roster.roster_job_errors, name="roster_job_errors"),
    path("students/", roster.students, name="students"),
    path("students/<id:pk>/", roster.student_detail, name="student"),
    path("students/<id:pk>/edit/", roster.student_edit, name="student_edit"),
    path("students/activation-codes/", accounts.activation_codes, name="activation_codes"),
    path("students/<id:pk>/activation-code/", accounts.student_activation_code, name="student_activation_code"),
    # 单位资质审核
    path("employers/", employers.employers, name="employers"),
    path("employers/<id:pk>/", employers.employer_detail, name="employer"),
    path("employers/<id:pk>/verify/", employers.employer_verify_view, name="employer_verify"),
    # 统计报表
    path("stats/", reports.stats, name="stats"),
    path("stats/export/", reports.stats_export, name="stats_export"),
    path("plan/", reports.plan, name="plan"),
    path("plan/export/", reports.plan_export, name="plan_export"),
    # 学校设置
    path("settings/", settings.school_settings, name="settings"),
    path("settings/webhooks/", webhooks.webhooks, name="webhooks"),
    path("settings/webhooks/<id:pk>/", webhooks.webhook, name="webhook"),
    path("settings/webhooks/<id:pk>/rotate/", webhooks.webhook_action, {"action": "rotate"}, name="webhook_rotate"),
    path("settings/webhooks/<id:pk>/test/", webhooks.webhook_action, {"action": "test"}, name="webhook_test"),
    path("settings/webhooks/<id:pk>/delete/", webhooks.webhook_action, {"action": "delete"}, name="webhook_delete"),
    path("settings/webhooks/<id:pk>/deliveries/<id:delivery_pk>/", webhooks.webhook_delivery, name="webhook_delivery"),
    path("failed-logins/", accounts.failed_logins, name="failed_logins"),
    path("account/", accounts.account_settings, name="account"),
]
