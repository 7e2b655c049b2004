"""URLs of the test identity servers, and the test-only way to enrol people and register redirect URIs."""

import json
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oidc_provider.models import Client


def userinfo(claims: dict[str, Any], user: User) -> dict[str, Any]:
    """The OIDC claims: the login name is the 学号 / 工号, as at a university's provider."""
    claims["preferred_username"] = user.username
    claims["name"] = user.first_name or user.username
    claims["email"] = user.email
    return claims


def _authorized(request: HttpRequest) -> bool:
    token = getattr(settings, "TESTING_TOKEN", "")
    return bool(token) and request.headers.get("Authorization") == f"Bearer {token}"


@csrf_exempt
@require_POST
def enrol(request: HttpRequest) -> HttpResponse:
    """{"username", "password"}: a person the servers know (what a university's directory holds)."""
    if not _authorized(request):
        return HttpResponse(status=403)
    data = json.loads(request.body)
    user, _ = User.objects.get_or_create(username=data["username"])
    user.set_password(data["password"])
    user.save()
    return JsonResponse({"username": user.username})


@csrf_exempt
@require_POST
def redirect_uri(request: HttpRequest) -> HttpResponse:
    """{"client_id", "uri"}: registers one more redirect URI of an OIDC client (the live server's port)."""
    if not _authorized(request):
        return HttpResponse(status=403)
    data = json.loads(request.body)
    client = Client.objects.get(client_id=data["client_id"])
    if data["uri"] not in client.redirect_uris:
        client.redirect_uris = [*client.redirect_uris, data["uri"]]
        client.save()
    return JsonResponse({"redirect_uris": client.redirect_uris})


urlpatterns = [
    path("cas/", include("cas_server.urls", namespace="cas_server")),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="idp/login.html"), name="login"),
    path("testing/users", enrol),
    path("testing/redirect-uris", redirect_uri),
]
