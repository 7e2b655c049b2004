from django.urls import path

from student.views import account, agreements, invitations

app_name = "student"
urlpatterns = [
    path("", invitations.home, name="home"),
    path("invitations/", invitations.invitation_list, name="invitations"),
    path("invitations/<id:pk>/", invitations.invitation_detail, name="invitation_detail"),
    path("invitations/<id:pk>/accept/", invitations.invitation_accept, name="invitation_accept"),
    path("invitations/<id:pk>/decline/", invitations.invitation_decline, name="invitation_decline"),
    path("agreement/", agreements.my_agreement, name="agreement"),
    path("agreements/<id:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("agreements/<id:pk>/termination/", agreements.termination_request, name="termination_request"),
    path("agreements/<id:pk>/termination/withdraw/", agreements.termination_withdraw, name="termination_withdraw"),
    path("agreements/<id:pk>/termination/answer/", agreements.termination_answer, name="termination_answer"),
    path("messages/", account.message_list, name="messages"),
    path("profile/", account.profile, name="profile"),
]
