"""Payload signing for the DDAS-VS API: a `Digest` header and a detached JAdES signature.

DDAS-VS.yaml (v1.2) asks for the Geonovum ADR profile of JAdES-B: a JWS in compact form with
a detached payload (`header..signature`), PS256, `b64: false`, and `sigD` naming the HTTP
header mechanism with `pars: ["digest"]`, so that what is signed is the `digest` header,
which in turn is the SHA-256 of the body. The key travels as `x5c`, the certificate chain
with the signing certificate first. joserfc does the JOSE; cryptography reads the keys.
"""

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jws
from joserfc.jwk import RSAKey
from joserfc.registry import HeaderParameter

HTTP_HEADERS: Final = "http://uri.etsi.org/19182/HttpHeaders"
SIGNED_HEADERS: Final = ("digest",)
SIGNATURE_HEADER: Final = "nlgov-adr-payload-sig"


class SigningError(ValueError):
    """The signing key or its certificates cannot be used; says which file and why."""


def digest(body: bytes) -> str:
    """The `Digest` header of a body (RFC 3230): `SHA-256=<base64>`."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def signed_input(digest_value: str) -> bytes:
    """What JAdES's HttpHeaders mechanism signs for `pars: ["digest"]`: the header as
    `name: value`, its name in lower case."""
    return f"digest: {digest_value}".encode("ascii")


def _sig_d(value: Any) -> None:
    if value != {"mId": HTTP_HEADERS, "pars": list(SIGNED_HEADERS)}:
        raise ValueError("sigD must name the HttpHeaders mechanism over the digest header")


REGISTRY: Final = jws.JWSRegistry(
    header_registry={"sigD": HeaderParameter("JAdES signed data references", _sig_d)},
    algorithms=["PS256"],
)


@dataclass(frozen=True)
class Signer:
    key: RSAKey
    chain: tuple[x509.Certificate, ...]
    kid: str

    @classmethod
    def load(cls, key_file: Path, chain_file: Path, kid: str | None = None) -> "Signer":
        """The RSA key (PEM) and its chain (PEM, signing certificate first), checked to
        belong together. The `kid` is the signing certificate's SHA-256 when not given."""
        try:
            private = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
            chain = tuple(x509.load_pem_x509_certificates(chain_file.read_bytes()))
        except (OSError, ValueError) as error:
            raise SigningError(f"cannot read the signing key or chain: {error}") from None
        if not isinstance(private, rsa.RSAPrivateKey):
            raise SigningError(f"{key_file}: PS256 needs an RSA key")
        if chain[0].public_key() != private.public_key():
            raise SigningError(f"{chain_file}: its first certificate is not of {key_file}")
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(RSAKey.import_key(pem), chain, kid or _thumbprint(chain[0]))

    def headers(self, body: bytes) -> dict[str, str]:
        """`Digest` and `nlgov-adr-payload-sig` for a response body."""
        value = digest(body)
        protected = {
            "alg": "PS256",
            "b64": False,
            "crit": ["sigD", "b64"],
            "kid": self.kid,
            "x5c": [base64.b64encode(_der(c)).decode("ascii") for c in self.chain],
            "x5t#S256": _thumbprint(self.chain[0]),
            "sigD": {"mId": HTTP_HEADERS, "pars": list(SIGNED_HEADERS)},
        }
        token = jws.serialize_compact(protected, signed_input(value), self.key, registry=REGISTRY)
        header, _, signature = token.split(".")
        return {"Digest": value, SIGNATURE_HEADER: f"{header}..{signature}"}


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _thumbprint(certificate: x509.Certificate) -> str:
    """`x5t#S256`: the base64url SHA-256 of the certificate's DER, without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(_der(certificate)).digest()).decode().rstrip("=")
