from django.urls import path

from web import exports, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("activate/", views.activate, name="activate"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("exports/<id:pk>/download/", exports.export_download, name="export_download"),
    path("attachments/<id:pk>/", views.attachment, name="attachment"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
]
