from django.urls import path

from student.views import account, agreements, invitations

app_name = "student"
urlpatterns = [
    path("", invitations.home, name="home"),
    path("invitations/", invitations.invitation_list, name="invitations"),
    path("invitations/<int:pk>/", invitations.invitation_detail, name="invitation_detail"),
    path("invitations/<int:pk>/accept/", invitations.invitation_accept, name="invitation_accept"),
    path("invitations/<int:pk>/decline/", invitations.invitation_decline, name="invitation_decline"),
    path("agreement/", agreements.my_agreement, name="agreement"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/termination/", agreements.termination_request, name="termination_request"),
    path("agreements/<int:pk>/termination/withdraw/", agreements.termination_withdraw, name="termination_withdraw"),
    path("agreements/<int:pk>/termination/answer/", agreements.termination_answer, name="termination_answer"),
    path("messages/", account.message_list, name="messages"),
    path("profile/", account.profile, name="profile"),
]
