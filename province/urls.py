from django.urls import path

from province import views

app_name = "province"
urlpatterns = [
    path("", views.home, name="home"),
    path("export/", views.export, name="export"),
    path("schools/<id:pk>/", views.school, name="school"),
    path("agreements/<id:pk>/", views.agreement, name="agreement"),
    path("employers/<id:pk>/licence/", views.employer_licence, name="employer_licence"),
    path("employers/<id:pk>/licences/<id:licence>/", views.employer_retired_licence, name="employer_retired_licence"),
    path("destinations/<id:pk>/", views.destination, name="destination"),
    path("destinations/<id:pk>/dispute/", views.dispute_close, name="dispute_close"),
    path("verifications/", views.verifications, name="verifications"),
    path("verifications/<id:pk>/", views.verification, name="verification"),
    path("verifications/<id:pk>/report/", views.verification_report, name="verification_report"),
]
