"""Fixtures of the 统一身份认证 tests: the real identity servers, and the world's two schools signing in
through them (东北大学 by CAS 3.0, 辽宁大学 by OpenID Connect)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from sso.config import SchoolSSO, validate
from sso.tests.idp import CLIENT_ID, CLIENT_SECRET, IdentityServers, start
from testsupport import World


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityServers]:
    """One CAS server and one OpenID provider for the whole session (per xdist worker), their own database."""
    servers = start(tmp_path_factory.mktemp("sso-servers"))
    yield servers
    servers.stop()


@pytest.fixture
def sso_configs(idp: IdentityServers, world: World) -> dict[str, SchoolSSO]:
    return {
        world.school.code: validate(SchoolSSO(world.school.code, "cas3", idp.cas_url, timeout_seconds=10)),
        world.other_school.code: validate(
            SchoolSSO(
                world.other_school.code,
                "oidc",
                idp.issuer,
                user_attribute="preferred_username",
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
            )
        ),
    }


@pytest.fixture
def sso(settings: Settings, sso_configs: dict[str, SchoolSSO]) -> dict[str, SchoolSSO]:
    """SSO_SCHOOLS as deployed: 东北大学 with CAS 3.0, 辽宁大学 with OIDC; returns it for tests to vary."""
    settings.SSO_SCHOOLS = dict(sso_configs)
    return settings.SSO_SCHOOLS  # type: ignore[no-any-return]
