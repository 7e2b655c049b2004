"""A software WebAuthn authenticator for tests that speak JSON (API, services): an ES256 key pair per credential,
"none" attestation, user presence and verification flagged, as a platform authenticator answers. The server side
is the real py_webauthn verification; browser tests use Chromium's own virtual authenticator instead."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class _Credential:
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


@dataclass
class SoftAuthenticator:
    """`create(options)` answers registration options, `get(options)` authentication options, like
    navigator.credentials.create()/get() followed by toJSON(); `origin` is the page's origin."""

    origin: str
    user_verified: bool = True
    credentials: dict[bytes, _Credential] = field(default_factory=dict)

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}, separators=(",", ":")
        ).encode()

    def _flags(self, extra: int = 0) -> int:
        return UP | (UV if self.user_verified else 0) | extra

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        rp_id = str(options["rp"].get("id") or urlsplit(self.origin).hostname)
        key = ec.generate_private_key(ec.SECP256R1())
        credential_id = os.urandom(16)
        numbers = key.public_key().public_numbers()
        cose_key = cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )
        attested = bytes(16) + struct.pack(">H", len(credential_id)) + credential_id + cose_key
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags(AT)]) + struct.pack(">I", 0) + attested
        handle = base64.urlsafe_b64decode(options["user"]["id"] + "=" * (-len(options["user"]["id"]) % 4))
        self.credentials[credential_id] = _Credential(key=key, rp_id=rp_id, user_handle=handle)
        return {
            "id": b64url(credential_id),
            "rawId": b64url(credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(self._client_data("webauthn.create", options["challenge"])),
                "attestationObject": b64url(cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(self, options: dict[str, Any]) -> dict[str, Any]:
        allowed = [
            base64.urlsafe_b64decode(c["id"] + "=" * (-len(c["id"]) % 4)) for c in options.get("allowCredentials", [])
        ]
        credential_id = next(c for c in allowed if c in self.credentials)
        credential = self.credentials[credential_id]
        credential.sign_count += 1
        auth_data = (
            hashlib.sha256(credential.rp_id.encode()).digest()
            + bytes([self._flags()])
            + struct.pack(">I", credential.sign_count)
        )
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = credential.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(credential_id),
            "rawId": b64url(credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(credential.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }
