"""Which schools sign in through their 统一身份认证 (CAS or OIDC), read from the environment once at start.

SSO_SCHOOLS lists 院校代码; each school then has its own SSO_<code>_* variables (docs/DEPLOY.md). A value that
cannot be used stops the start with ImproperlyConfigured naming the variable, like every typed read of
wangqian/env.py. This module imports nothing of Django's apps: settings.py reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from wangqian.env import env_int, env_list, env_str

CAS_VERSIONS = {"cas2": 2, "cas3": 3}
PROTOCOLS = (*CAS_VERSIONS, "oidc")
SIGN_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256")
SCHOOL_CODE = re.compile(r"[0-9A-Za-z]{1,10}")
# The session remembers through which school's 统一身份认证 the user signed in (no local password needed then).
SESSION_KEY = "sso_school"


@dataclass(frozen=True)
class SchoolSSO:
    """One school's 统一身份认证 server."""

    school_code: str
    protocol: str  # cas2 | cas3 | oidc
    server_url: str  # CAS: the server's root (…/cas/); OIDC: the issuer
    # The CAS attribute or OIDC claim carrying the 学号 (students) or the username (school and college admins);
    # "" for CAS means the authenticated user itself (<cas:user>).
    user_attribute: str = ""
    client_id: str = ""
    client_secret: str = ""
    scopes: str = "openid profile"
    sign_algorithm: str = "RS256"
    timeout_seconds: int = 10

    @property
    def is_cas(self) -> bool:
        return self.protocol in CAS_VERSIONS

    @property
    def cas_version(self) -> int:
        return CAS_VERSIONS[self.protocol]


def _url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"{name}={value!r} is not an http(s) URL without query (the server's root)")
    return value


def read_sso_schools() -> dict[str, SchoolSSO]:
    """SSO_SCHOOLS=10145,10140 and, per code, SSO_<code>_PROTOCOL, _SERVER_URL, _USER_ATTRIBUTE, _CLIENT_ID,
    _CLIENT_SECRET, _SCOPES, _SIGN_ALGORITHM; SSO_TIMEOUT_SECONDS bounds every call to a school's server."""
    timeout = env_int("SSO_TIMEOUT_SECONDS", 10)
    if not 1 <= timeout <= 60:
        raise ImproperlyConfigured(f"SSO_TIMEOUT_SECONDS={timeout} must be between 1 and 60")
    schools: dict[str, SchoolSSO] = {}
    for code in env_list("SSO_SCHOOLS", []):
        if not SCHOOL_CODE.fullmatch(code):
            raise ImproperlyConfigured(f"SSO_SCHOOLS: {code!r} is not a 院校代码 (letters and digits, at most 10)")
        if code in schools:
            raise ImproperlyConfigured(f"SSO_SCHOOLS names {code} twice")
        prefix = f"SSO_{code}_"
        protocol = env_str(prefix + "PROTOCOL").strip().lower()
        if protocol not in PROTOCOLS:
            raise ImproperlyConfigured(f"{prefix}PROTOCOL={protocol!r} must be one of {', '.join(PROTOCOLS)}")
        server_url = _url(prefix + "SERVER_URL", env_str(prefix + "SERVER_URL").strip())
        if protocol in CAS_VERSIONS and not server_url.endswith("/"):
            server_url += "/"  # python-cas joins "login" and "p3/serviceValidate" onto it as onto a folder
        config = SchoolSSO(
            school_code=code,
            protocol=protocol,
            server_url=server_url,
            user_attribute=env_str(prefix + "USER_ATTRIBUTE", "" if protocol != "oidc" else "preferred_username"),
            client_id=env_str(prefix + "CLIENT_ID"),
            client_secret=env_str(prefix + "CLIENT_SECRET"),
            scopes=env_str(prefix + "SCOPES", "openid profile"),
            sign_algorithm=env_str(prefix + "SIGN_ALGORITHM", "RS256").strip().upper(),
            timeout_seconds=timeout,
        )
        validate(config, prefix)
        schools[code] = config
    return schools


def validate(config: SchoolSSO, prefix: str = "SSO_SCHOOLS") -> SchoolSSO:
    """Refuse a configuration that could never sign anybody in (also for one built in code, e.g. by tests)."""
    if config.protocol not in PROTOCOLS:
        raise ImproperlyConfigured(f"{prefix}PROTOCOL={config.protocol!r} must be one of {', '.join(PROTOCOLS)}")
    _url(prefix + "SERVER_URL", config.server_url)
    if config.protocol == "oidc":
        for field in ("client_id", "client_secret", "user_attribute"):
            if not getattr(config, field).strip():
                raise ImproperlyConfigured(f"{prefix}{field.upper()} is required for an OIDC school")
        if "openid" not in config.scopes.split():
            raise ImproperlyConfigured(f"{prefix}SCOPES={config.scopes!r} must include openid")
        if config.sign_algorithm not in SIGN_ALGORITHMS:
            raise ImproperlyConfigured(
                f"{prefix}SIGN_ALGORITHM={config.sign_algorithm!r} must be one of {', '.join(SIGN_ALGORITHMS)}"
            )
    elif config.client_id or config.client_secret:
        raise ImproperlyConfigured(f"{prefix}CLIENT_ID/CLIENT_SECRET are for OIDC; CAS needs no client secret")
    return config
