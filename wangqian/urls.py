from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from api.api import api
from province import answer as province_answer

urlpatterns = [
    path("", include("documents.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("employer/", include("employer.urls")),
    path("student/", include("student.urls")),
    path("school/", include("school.urls")),
    path("province/", include("province.urls")),
    path("verification/<str:token>/", province_answer.answer, name="verification_answer"),
    path("sso/", include("sso.urls")),
    path("", include("web.urls")),
]
if settings.PROMETHEUS_METRICS:
    # /metrics for Prometheus; the nginx site in deploy/ lets only the monitoring network reach it.
    urlpatterns.insert(0, path("", include("django_prometheus.urls")))
