from django.conf import settings
from django.urls import path

from web import demo, exports, security, views

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
    # 两步验证 and 账号安全 (web/security.py)
    path("login/second-factor/", security.second_factor, name="second_factor"),
    path("login/second-factor/passkey/", security.second_factor_passkey_options, name="second_factor_passkey_options"),
    path("account/second-factor/", security.second_factor_setup, name="second_factor_setup"),
    path("account/security/", security.security, name="security"),
    path("account/security/passkeys/options/", security.security_passkey_options, name="security_passkey_options"),
    path("account/security/passkeys/", security.security_passkey_add, name="security_passkey_add"),
    path("account/security/passkeys/<id:pk>/rename/", security.security_passkey_rename, name="security_passkey_rename"),
    path("account/security/passkeys/<id:pk>/delete/", security.security_passkey_delete, name="security_passkey_delete"),
    path("account/security/totp/", security.security_totp, name="security_totp"),
    path("account/security/totp/remove/", security.security_totp_remove, name="security_totp_remove"),
    path("account/security/recovery-codes/", security.security_recovery_codes, name="security_recovery_codes"),
    # 账号开通邀请: the e-mailed link, then the page without the token in its address
    path("invitation/", security.invitation_accept_view, name="invitation_accept"),
    path("invitation/<str:token>/", security.invitation, name="invitation"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
]
if settings.DEMO:
    # 演示短信: only in the demo, where no SMS leaves the machine (web/demo.py).
    urlpatterns.append(path("demo/sms/", demo.demo_sms, name="demo_sms"))
