"""Authentication backends of the 统一身份认证 sign-in: one per protocol, each asking the school's own server.

Both only answer credentials meant for them (a CAS ticket with the school's code, or an OIDC callback the view
has bound to a school), so a password login never reaches a school's server. They go through Django's
`authenticate()`, so django-axes refuses an address in its cooling-off period before any server is asked; the
views count a refused identity, ticket or code against the sign-in's own budget per address (sso/throttle.py),
not as a failed password login.

A backend that cannot sign the person in leaves the reason on the request (`request.sso_refusal`) for the view's
Chinese refusal page; it never creates an account. A session either signed in reads its user as a password
login's does (web.backends.SessionUserMixin: one compiled statement, an inactive account refused).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError

import jwt
import requests
from cas import CASClient
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core.models import School, User
from core.usernames import login_name
from sso.config import SchoolSSO
from sso.selectors import account_for_identity
from web.backends import SessionUserMixin

log = logging.getLogger(__name__)

DISCOVERY_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Refusal:
    message: str
    status: int


def refuse(request: HttpRequest, message: str, status: int = 403) -> None:
    request.sso_refusal = Refusal(message, status)  # type: ignore[attr-defined]


def refusal_of(request: HttpRequest) -> Refusal | None:
    return getattr(request, "sso_refusal", None)


class TimeoutSession(requests.Session):
    """A requests session whose every call is bounded: a school's slow server must not hold a worker."""

    def __init__(self, timeout: int):
        super().__init__()
        self.timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def unreachable(school: School) -> str:
    return f"暂时无法连接{school.name}统一身份认证服务，请稍后再试，或使用账号密码登录。"


def identify(request: HttpRequest, school: School, identifier: Any, attribute: str) -> User | None:
    """The account the school's server vouched for, or None with the reason left on the request."""
    if isinstance(identifier, list) and len(identifier) == 1:
        identifier = identifier[0]
    name = login_name(str(identifier).strip()) if isinstance(identifier, str | int) else ""
    if not name:
        refuse(request, f"{school.name}统一身份认证没有提供学号或用户名（{attribute}），请联系学校信息中心。")
        return None
    user = account_for_identity(school, name)
    if user is None or not user.is_active:
        refuse(
            request,
            f"统一身份认证已确认您的身份（{name}），但{school.name}的生源名单和管理员账号中没有这个学号或用户名，"
            "无法登录本系统。请联系学校就业指导部门核实。",
        )
        return None
    return user


class CASBackend(SessionUserMixin, ModelBackend):
    """Validates a CAS 2.0/3.0 service ticket at the school's CAS server.

    django-cas-ng's backend and views build their client from the one global CAS_SERVER_URL (a module function,
    no per-request hook), so they cannot serve a server per school; python-cas, the protocol client
    django-cas-ng itself is built on, validates the ticket here and the matching is ours.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        *,
        sso_school: School | None = None,
        cas_ticket: str | None = None,
        cas_service: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None or sso_school is None or not cas_ticket or not cas_service:
            return None
        config: SchoolSSO = settings.SSO_SCHOOLS[sso_school.code]
        client = CASClient(
            version=config.cas_version,
            server_url=config.server_url,
            service_url=cas_service,
            session=TimeoutSession(config.timeout_seconds),
        )
        try:
            username, attributes, _ = client.verify_ticket(cas_ticket)
        except requests.RequestException:
            log.warning("CAS server of %s unreachable", sso_school.code, exc_info=True)
            refuse(request, unreachable(sso_school), 502)
            return None
        except (ParseError, IndexError, AttributeError, ValueError):
            log.warning("CAS server of %s answered no CAS response", sso_school.code, exc_info=True)
            refuse(request, f"{sso_school.name}统一身份认证服务的应答无法识别，请稍后再试。", 502)
            return None
        if not username:
            refuse(request, "统一身份认证票据无效、已使用或已过期，请重新登录。", 400)
            return None
        attribute = config.user_attribute
        identifier = (attributes or {}).get(attribute) if attribute else username
        return identify(request, sso_school, identifier, attribute or "cas:user")


def provider_metadata(config: SchoolSSO) -> dict[str, str]:
    """The OIDC provider's endpoints from its discovery document (cached); raises requests.RequestException or
    ValueError when it cannot be read."""
    key = f"sso:oidc-discovery:{config.server_url}"
    metadata = cache.get(key)
    if metadata is None:
        url = config.server_url.rstrip("/") + "/.well-known/openid-configuration"
        response = TimeoutSession(config.timeout_seconds).get(url)
        response.raise_for_status()
        metadata = response.json()
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
        if not isinstance(metadata, dict) or not all(isinstance(metadata.get(k), str) for k in needed):
            raise ValueError(f"{url} is not an OpenID provider configuration")
        cache.set(key, metadata, DISCOVERY_CACHE_SECONDS)
    return metadata


def oidc_settings(config: SchoolSSO, attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings, for one school: its client, scopes and algorithm; the library's defaults
    for the rest (PKCE on, user creation off)."""
    values = {
        "OIDC_RP_CLIENT_ID": config.client_id,
        "OIDC_RP_CLIENT_SECRET": config.client_secret,
        "OIDC_RP_SCOPES": config.scopes,
        "OIDC_RP_SIGN_ALGO": config.sign_algorithm,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso:oidc_callback",
        "OIDC_USE_PKCE": True,
        "OIDC_CREATE_USER": False,
        "OIDC_TIMEOUT": config.timeout_seconds,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
    }
    if attr in values:
        return values[attr]
    if default:
        return default[0]
    return getattr(settings, attr)


class OIDCBackend(SessionUserMixin, OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend for the school the callback view bound to the request.

    The library reads one provider from global settings in __init__; here get_settings answers for the school
    (its discovery document gives the endpoints), accounts are matched on the roster instead of by e-mail, and
    the ID token must be issued by that provider for this client.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = User
        self.config: SchoolSSO | None = None

    def get_settings(self, attr: str, *args: Any) -> Any:  # type: ignore[override]
        assert self.config is not None
        return oidc_settings(self.config, attr, *args)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:  # type: ignore[override]
        school: School | None = getattr(request, "sso_oidc_school", None)
        if request is None or school is None or "nonce" not in kwargs:
            return None  # not the OIDC callback (a password login, a CAS ticket)
        self.school = school
        self.config = config = settings.SSO_SCHOOLS[school.code]
        try:
            self.metadata = metadata = provider_metadata(config)
            self.OIDC_OP_TOKEN_ENDPOINT = metadata["token_endpoint"]
            self.OIDC_OP_USER_ENDPOINT = metadata["userinfo_endpoint"]
            self.OIDC_OP_JWKS_ENDPOINT = metadata["jwks_uri"]
            self.OIDC_RP_CLIENT_ID = config.client_id
            self.OIDC_RP_CLIENT_SECRET = config.client_secret
            self.OIDC_RP_SIGN_ALGO = config.sign_algorithm
            self.OIDC_RP_IDP_SIGN_KEY = None
            user = super().authenticate(request, **kwargs)
        except requests.HTTPError as exc:
            # The token endpoint refuses a forged, replayed or expired code with 400.
            status = exc.response.status_code if exc.response is not None else 0
            if 400 <= status < 500:
                refuse(request, "统一身份认证授权码无效、已使用或已过期，请重新登录。", 400)
            else:
                refuse(request, unreachable(school), 502)
            return None
        except (requests.RequestException, ValueError):
            log.warning("OIDC provider of %s unreachable", school.code, exc_info=True)
            refuse(request, unreachable(school), 502)
            return None
        except (SuspiciousOperation, jwt.InvalidTokenError, KeyError, TypeError) as exc:
            log.warning("OIDC login for %s refused: %s", school.code, exc)
            refuse(request, "统一身份认证的身份令牌无法验证，请重新登录。", 400)
            return None
        if user is None and refusal_of(request) is None:
            refuse(request, "统一身份认证登录失败，请重新登录。", 400)
        return user

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        if "nonce" in kwargs:  # the ID token: issued by the school's provider, for this client
            audience = payload.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if payload.get("iss") != self.metadata["issuer"] or self.OIDC_RP_CLIENT_ID not in audiences:
                raise SuspiciousOperation("ID token issued by another provider or for another client")
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return True  # a missing 学号 claim is refused with its own message in get_or_create_user

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        assert self.config is not None
        claims = self.get_userinfo(access_token, id_token, payload)
        attribute = self.config.user_attribute
        return identify(self.request, self.school, claims.get(attribute, payload.get(attribute)), attribute)
