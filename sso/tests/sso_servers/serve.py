"""Run the test identity servers: `python -m sso.tests.sso_servers.serve PORT` (environment: SSO_SERVERS_DB,
SSO_SERVERS_URL, SSO_SERVERS_TOKEN, SSO_SERVERS_CLIENTS as JSON [{client_id, client_secret, redirect_uris}]).

Migrates its own SQLite database, creates the signing key, the CAS service pattern and the OIDC clients, then
serves HTTP on 127.0.0.1:PORT with Django's threaded server until it is terminated.
"""

import json
import os
import sys


def main() -> None:
    port = sys.argv[1]
    os.environ["DJANGO_SETTINGS_MODULE"] = "sso.tests.sso_servers.settings"
    import django

    django.setup()
    from cas_server.models import ReplaceAttributName, ServicePattern
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    call_command("creatersakey", stdout=open(os.devnull, "w"))  # noqa: SIM115
    # Any service of the test machine; its attributes include the login name again as `uid`.
    pattern = ServicePattern.objects.create(
        pos=1, name="wangqian", pattern=r"^https?://(127\.0\.0\.1|localhost|testserver)[:/]"
    )
    ReplaceAttributName.objects.create(service_pattern=pattern, name="username", replace="uid")
    ReplaceAttributName.objects.create(service_pattern=pattern, name="email")
    code = ResponseType.objects.create(value="code", description="code (Authorization Code Flow)")
    for spec in json.loads(os.environ.get("SSO_SERVERS_CLIENTS", "[]")):
        client = Client.objects.create(
            name=spec["client_id"],
            client_type="confidential",
            client_id=spec["client_id"],
            client_secret=spec["client_secret"],
            jwt_alg="RS256",
            require_consent=False,
            reuse_consent=True,
        )
        client.response_types.add(code)
        client.redirect_uris = spec["redirect_uris"]
        client.scope = ["openid", "profile", "email"]
        client.save()
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main()
