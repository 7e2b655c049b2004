from django.urls import path

from sso import views

app_name = "sso"
urlpatterns = [
    path("oidc/callback/", views.OIDCCallbackView.as_view(), name="oidc_callback"),
    path("<str:code>/cas/", views.cas_login, name="cas"),
    path("<str:code>/oidc/", views.OIDCLoginView.as_view(), name="oidc"),
]
