from django.urls import path

from employer.views import account, agreements, invite, messages, terminations

app_name = "employer"
urlpatterns = [
    path("", account.home, name="home"),
    path("register/", account.register, name="register"),
    path("register/code/", account.register_code, name="register_code"),
    path("licence/", account.licence, name="licence"),
    # 账号设置
    path("account/", account.account, name="account"),
    path("password/", account.password, name="password"),
    path("account/notifications/", account.notification_settings, name="notification_settings"),
    # 消息
    path("messages/", messages.message_list, name="messages"),
    path("messages/read-all/", messages.message_read_all, name="messages_read_all"),
    path("messages/<id:pk>/", messages.message_open, name="message_open"),
    # 签约信息确认 (first use) and 网签信息维护
    path("confirm/", account.confirm, name="confirm"),
    path("profile/", account.profile, name="profile"),
    path("regions/", account.regions, name="regions"),
    # 签约邀请
    path("invite/", invite.invite, name="invite"),
    path("invite/add/", invite.send_list_add_view, name="send_list_add"),
    path("invite/remove/", invite.send_list_remove_view, name="send_list_remove"),
    path("invite/import/", invite.send_list_import, name="send_list_import"),
    path("invite/import/<id:pk>/", invite.shortlist_job, name="shortlist_job"),
    path("invite/template/", invite.send_list_template, name="send_list_template"),
    path("invite/letter/", invite.letter, name="letter"),
    # 单位签约中心
    path("agreements/", agreements.agreement_list, name="agreements"),
    path("agreements/go/", agreements.agreement_go, name="agreement_go"),
    path("agreements/export/", agreements.agreement_export, name="agreement_export"),
    path("exports/<id:pk>/", agreements.export_job, name="export_job"),
    path("agreements/<id:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("agreements/<id:pk>/modify/", agreements.agreement_modify, name="agreement_modify"),
    path("agreements/<id:pk>/dispute/", agreements.paper_dispute, name="paper_dispute"),
    path("agreements/<id:pk>/withdraw/", agreements.agreement_withdraw, name="agreement_withdraw"),
    # 解约办理
    path("terminations/", terminations.termination_list, name="terminations"),
    path("terminations/go/", terminations.termination_go, name="termination_go"),
    path("terminations/export/", terminations.termination_export, name="termination_export"),
    path("agreements/<id:pk>/termination/answer/", terminations.termination_answer, name="termination_answer"),
    path("agreements/<id:pk>/termination/request/", terminations.termination_request, name="termination_request"),
]
