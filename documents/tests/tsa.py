"""A real RFC 3161 time-stamping authority for the tests: certomancer's Animator (its TSA, CRL and certificate
services over one generated test PKI) served over HTTP by werkzeug on a free local port, in a thread.

Keys are generated per run; nothing here is a secret. `TsaServer.url` is what TSA_URL is set to and
`TsaServer.root_pem` is the authority's root, which TSA_CA_FILE names for the validators.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import pem
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ARCH = "wangqian-test"

CONFIG = """
external-url-prefix: "{prefix}"
keysets:
  tsa-keys:
    path-prefix: {keys}
    keys:
      root: {{path: root.key.pem}}
      tsa: {{path: tsa.key.pem}}
pki-architectures:
  {arch}:
    keyset: tsa-keys
    entity-defaults:
      country-name: CN
      organization-name: 测试可信时间戳服务
    entities:
      root: {{common-name: Test TSA Root}}
      tsa: {{common-name: Test Time Stamping Authority}}
    certs:
      root:
        subject: root
        subject-key: root
        issuer: root
        authority-key: root
        validity:
          valid-from: "2020-01-01T00:00:00+0000"
          valid-to: "2090-01-01T00:00:00+0000"
        extensions:
          - id: basic_constraints
            critical: true
            value: {{ca: true}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
      tsa:
        issuer: root
        validity:
          valid-from: "2020-01-01T00:00:00+0000"
          valid-to: "2080-01-01T00:00:00+0000"
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - id: extended_key_usage
            critical: true
            value: [time_stamping]
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
    services:
      crl-repo:
        root:
          for-issuer: root
          signing-key: root
          simulated-update-schedule: "P30D"
      cert-repo:
        root:
          for-issuer: root
          publish-issued-certs: yes
      time-stamping:
        tsa:
          signing-key: tsa
          signing-cert: tsa
"""


@dataclass(frozen=True)
class TsaServer:
    url: str
    root_pem: Path


def _write_key(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@contextmanager
def running_tsa(folder: Path) -> Iterator[TsaServer]:
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
    from werkzeug.serving import make_server

    keys = folder / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for name in ("root", "tsa"):
        _write_key(keys / f"{name}.key.pem")
    holder: dict[str, Any] = {}

    def app(environ: Any, start_response: Any) -> Any:
        return holder["animator"](environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    prefix = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_yaml(
        CONFIG.format(prefix=prefix, keys=str(keys), arch=ARCH), key_search_dir=str(folder)
    )
    holder["animator"] = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    root = config.pki_archs[ArchLabel(ARCH)].get_cert(CertLabel("root"))
    root_pem = folder / "tsa-root.pem"
    root_pem.write_bytes(pem.armor("CERTIFICATE", root.dump()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TsaServer(url=f"{prefix}/{ARCH}/tsa/tsa", root_pem=root_pem)
    finally:
        server.shutdown()
        thread.join(timeout=5)
