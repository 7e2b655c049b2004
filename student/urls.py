from django.urls import path

from student.views import account, agreements, confirmations, destinations, invitations, paper

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
    path("paper/", paper.paper_register, name="paper_register"),
    path("paper/<id:pk>/resubmit/", paper.paper_resubmit, name="paper_resubmit"),
    path("paper/<id:pk>/withdraw/", paper.paper_withdraw, name="paper_withdraw"),
    path("destination/", destinations.destination_home, name="destination"),
    path("destination/edit/", destinations.destination_edit, name="destination_edit"),
    path("destination/submit/", destinations.destination_submit, name="destination_submit"),
    path("destination/confirm/", destinations.destination_confirm, name="destination_confirm"),
    path("destination/dispute/", destinations.destination_dispute, name="destination_dispute"),
    path("destination/attachments/", destinations.attachment_upload, name="destination_attach"),
    path("destination/attachments/<id:pk>/delete/", destinations.attachment_delete, name="destination_detach"),
    path("destination/regions/", destinations.regions, name="regions"),
    path(
        "confirmations/passkey-options/",
        confirmations.confirmation_passkey_options,
        name="confirmation_passkey_options",
    ),
    path("confirmations/send-code/", confirmations.confirmation_send_code, name="confirmation_send_code"),
    path("messages/", account.message_list, name="messages"),
    path("profile/", account.profile, name="profile"),
    path("record/", account.record, name="record"),
    path("profile/record.json", account.record_proof, name="record_proof"),
]
