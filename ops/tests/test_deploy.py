"""deploy/: the nginx site passes `nginx -t`; the systemd units start commands that exist with options they take."""

from __future__ import annotations

import configparser
import datetime
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import get_commands, load_command_class
from django.test import override_settings

from ops.tests.support import ROOT

DEPLOY = ROOT / "deploy"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is missing in CI (scripts/ensure_nginx.sh installs it)")
        pytest.skip("nginx not installed (INSTALL_NGINX=1 make test installs it)")
    return found


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wangqian.example.edu.cn")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def nginx_test(site: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cert, key = self_signed(tmp_path)
    site = site.replace("/etc/ssl/wangqian/fullchain.pem", str(cert)).replace("/etc/ssl/wangqian/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    return subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    site = (DEPLOY / "nginx" / "wangqian.conf").read_text()
    done = nginx_test(site, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
    for directive in ("X-Forwarded-Proto $scheme", "client_max_body_size", "proxy_read_timeout", "ssl_certificate"):
        assert directive in site


def test_nginx_t_would_catch_a_broken_site(tmp_path: Path) -> None:
    site = (DEPLOY / "nginx" / "wangqian.conf").read_text().replace("proxy_read_timeout 65s;", "proxy_read_timeout;")
    assert nginx_test(site, tmp_path).returncode != 0


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "systemd").glob("*.service")))
def test_each_systemd_unit_runs_a_command_that_exists_with_options_it_takes(unit: str) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / unit)
    service = parser["Service"]
    assert service["EnvironmentFile"] == "/etc/wangqian/env" and service["Restart"] == "always"
    argv = shlex.split(service["ExecStart"].replace("%H", "host").replace("%i", "1"))
    assert argv[:2] == ["/srv/wangqian/.venv/bin/python", "manage.py"]
    name, args = argv[2], argv[3:]
    assert name in get_commands(), f"{unit}: no management command {name}"
    command = load_command_class(get_commands()[name], name)
    # Production's task backend (the tests run tasks inline), which the worker's options are checked against.
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        command.create_parser("manage.py", name).parse_args(args)  # raises on an unknown option or value


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "systemd").glob("*.service")))
def test_each_systemd_unit_starts_after_a_local_database_and_redis_without_requiring_them(unit: str) -> None:
    """On one server (docs/DEPLOY.md installs postgresql and redis-server beside the app) the app starts after them at
    boot and stops before them: started first, its first requests missed the cache (CACHE_URL) and logged Redis
    failing. Ordering only: on several hosts either may be elsewhere, and After= a unit that is not installed is a
    no-op, where Wants= or Requires= would start or demand it."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / unit)
    section = parser["Unit"]
    # Redis's unit as Debian names it and as RHEL-family systems (Rocky, openEuler, Kylin) do.
    assert {"postgresql.service", "redis-server.service", "redis.service"} <= set(section["After"].split())
    wanted = section.get("Wants", "").split() + section.get("Requires", "").split()
    assert not {"redis-server.service", "redis.service", "postgresql.service"} & set(wanted)


def test_every_variable_of_the_example_environment_is_read_somewhere() -> None:
    # Settings are read in settings.py, by ops (the production server) and by the apps with settings of their own
    # (sso's per-school SSO_<code>_* variables).
    sources = (ROOT / "wangqian" / "settings.py").read_text() + "".join(
        p.read_text() for folder in ("ops", "sso") for p in (ROOT / folder).rglob("*.py") if "tests" not in p.parts
    )
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), flags=re.M)
    assert len(names) > 20

    def read(name: str) -> bool:
        # A school's SSO_<院校代码>_<SETTING> is read as prefix + "<SETTING>" (sso/config.py).
        per_school = re.fullmatch(r"SSO_[0-9]+_([A-Z_]+)", name)
        return f'"{name}"' in sources or bool(per_school and f'prefix + "{per_school[1]}"' in sources)

    unread = [n for n in names if not read(n)]
    assert unread == []
