"""SSO_SCHOOLS and SSO_<code>_*: read once at start; a configuration that could not work stops the start."""

from __future__ import annotations

import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from sso.config import SchoolSSO, read_sso_schools

CAS = {"SSO_SCHOOLS": "10145", "SSO_10145_PROTOCOL": "cas3", "SSO_10145_SERVER_URL": "https://cas.neu.edu.cn/cas"}
OIDC = {
    "SSO_SCHOOLS": "10140",
    "SSO_10140_PROTOCOL": "OIDC",
    "SSO_10140_SERVER_URL": "https://idp.lnu.edu.cn/oidc",
    "SSO_10140_CLIENT_ID": "wangqian",
    "SSO_10140_CLIENT_SECRET": "s3cret",
}


def _read(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, SchoolSSO]:
    for name in list(os.environ):
        if name.startswith("SSO_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return read_sso_schools()


def test_nothing_configured_means_no_school(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _read(monkeypatch, {}) == {}


def test_a_cas_and_an_oidc_school(monkeypatch: pytest.MonkeyPatch) -> None:
    cas = _read(monkeypatch, CAS)["10145"]
    assert cas.protocol == "cas3" and cas.cas_version == 3 and cas.user_attribute == ""
    assert cas.server_url == "https://cas.neu.edu.cn/cas/"  # a folder: python-cas joins "login" onto it
    oidc = _read(monkeypatch, {**OIDC, "SSO_10140_SIGN_ALGORITHM": "hs256"})["10140"]
    assert oidc.protocol == "oidc" and oidc.user_attribute == "preferred_username"
    assert oidc.sign_algorithm == "HS256" and oidc.scopes == "openid profile" and oidc.timeout_seconds == 10


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**CAS, "SSO_10145_PROTOCOL": "cas4"}, "SSO_10145_PROTOCOL"),
        ({**CAS, "SSO_10145_PROTOCOL": ""}, "SSO_10145_PROTOCOL"),
        ({**CAS, "SSO_10145_SERVER_URL": "cas.neu.edu.cn"}, "SSO_10145_SERVER_URL"),
        ({**CAS, "SSO_10145_SERVER_URL": "ftp://cas.neu.edu.cn/"}, "SSO_10145_SERVER_URL"),
        ({**CAS, "SSO_10145_CLIENT_SECRET": "x"}, "SSO_10145_CLIENT_ID/CLIENT_SECRET"),
        ({**CAS, "SSO_SCHOOLS": "10145,10145"}, "twice"),
        ({**CAS, "SSO_SCHOOLS": "10145;drop"}, "SSO_SCHOOLS"),
        ({**CAS, "SSO_TIMEOUT_SECONDS": "0"}, "SSO_TIMEOUT_SECONDS"),
        ({**CAS, "SSO_TIMEOUT_SECONDS": "ten"}, "SSO_TIMEOUT_SECONDS"),
        ({**OIDC, "SSO_10140_CLIENT_SECRET": ""}, "SSO_10140_CLIENT_SECRET"),
        ({**OIDC, "SSO_10140_SCOPES": "profile"}, "SSO_10140_SCOPES"),
        ({**OIDC, "SSO_10140_SIGN_ALGORITHM": "none"}, "SSO_10140_SIGN_ALGORITHM"),
        ({**OIDC, "SSO_10140_USER_ATTRIBUTE": " "}, "SSO_10140_USER_ATTRIBUTE"),
    ],
)
def test_a_configuration_that_cannot_work_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=named):
        _read(monkeypatch, env)
