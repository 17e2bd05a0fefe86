"""Ed25519 signing of credentials as W3C Data Integrity proofs (cryptosuite ``eddsa-jcs-2022``).

The platform's key comes from the environment variable ``CREDITBANK_SIGNING_KEY``
(a PEM private key, or base64 of the raw 32-byte seed or of a PKCS#8 DER key).
Without it, a development key is generated once and kept in
``var/creditbank/dev-signing-key.pem`` so that local exports stay verifiable
across restarts. The issuer is the key's ``did:key``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import logging
import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

ENV_VAR = "CREDITBANK_SIGNING_KEY"
CRYPTOSUITE = "eddsa-jcs-2022"
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: index for index, char in enumerate(_B58_ALPHABET)}
_ED25519_MULTICODEC = b"\xed\x01"
# Base58 decoding costs time quadratic in the length, so nothing longer than the
# longest value the platform reads (an Ed25519 signature is 88 characters, a
# did:key 48) is decoded at all.
MAX_BASE58_CHARS = 128
# A verification method is ``did:key:z<48>#z<48>``; anything much longer is refused
# before any decoding.
MAX_VERIFICATION_METHOD_CHARS = 200
MAX_PROOF_VALUE_CHARS = MAX_BASE58_CHARS + 1


def dev_key_path() -> Path:
    """Return where the generated development key is kept."""
    return Path(settings.BASE_DIR) / "var" / "creditbank" / "dev-signing-key.pem"


# --- encodings ---------------------------------------------------------------


def base58btc_encode(data: bytes) -> str:
    """Encode bytes in base58 (Bitcoin alphabet)."""
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58_ALPHABET[rest] + out
    leading = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading + out


def base58btc_decode(text: str, *, max_length: int = MAX_BASE58_CHARS) -> bytes:
    """Decode base58 (Bitcoin alphabet); a bad character or an overlong text raises ValueError.

    The length is checked before any work, so the cost is bounded whatever the input.
    """
    if len(text) > max_length:
        raise ValueError(f"the base58 text is longer than {max_length} characters")
    number = 0
    for char in text:
        index = _B58_INDEX.get(char)
        if index is None:
            raise ValueError(f"{char!r} is not a base58 character")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading = len(text) - len(text.lstrip("1"))
    return b"\0" * leading + body


def _jcs_number(value: float | int) -> str:
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError("JSON has no NaN or infinity")
    if value == 0:
        return "0"
    # ECMAScript Number.prototype.toString over the shortest round-trip digits.
    digits, exponent = _shortest_digits(abs(value))
    sign = "-" if value < 0 else ""
    n = exponent + 1  # position of the decimal point after the first digit
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        e = n - 1
        text = f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"
    return sign + text


def _shortest_digits(value: float) -> tuple[str, int]:
    mantissa, _, exp = f"{value!r}".partition("e")
    exponent = int(exp) if exp else 0
    if "." in mantissa:
        whole, frac = mantissa.split(".")
    else:
        whole, frac = mantissa, ""
    all_digits = (whole + frac).lstrip("0")
    # Exponent of the first significant digit.
    if whole.strip("0"):
        first = len(whole.lstrip("0")) - 1 + exponent
    else:
        first = -(len(frac) - len(frac.lstrip("0")) + 1) + exponent
    return all_digits.rstrip("0") or "0", first


def canonical_json(value: Any) -> bytes:
    """Serialise JSON per RFC 8785 (JSON Canonicalization Scheme)."""
    return _jcs(value).encode("utf-8")


def _jcs(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _jcs_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(
                    f"JSON object keys must be strings, not {type(key).__name__}"
                )
        # RFC 8785 orders keys by their UTF-16 code units.
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return (
            "{"
            + ",".join(
                json.dumps(k, ensure_ascii=False) + ":" + _jcs(value[k]) for k in keys
            )
            + "}"
        )
    raise TypeError(f"{type(value).__name__} is not a JSON value")


# --- keys --------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey
    source: str  # "environment" or the development key's path

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def did(self) -> str:
        return did_key_from_public(self.public_bytes)

    @property
    def verification_method(self) -> str:
        fragment = self.did.removeprefix("did:key:")
        return f"{self.did}#{fragment}"


def did_key_from_public(public: bytes) -> str:
    """Return the ``did:key`` of an Ed25519 public key."""
    return "did:key:z" + base58btc_encode(_ED25519_MULTICODEC + public)


def public_key_from_verification_method(method: str) -> Ed25519PublicKey:
    """Return the Ed25519 key a ``did:key`` verification method names; ValueError otherwise."""
    if len(method) > MAX_VERIFICATION_METHOD_CHARS:
        raise ValueError("the verification method is too long to be a did:key")
    did = method.split("#", 1)[0]
    if not did.startswith("did:key:z"):
        raise ValueError("the verification method is not an Ed25519 did:key")
    raw = base58btc_decode(did.removeprefix("did:key:z"))
    if not raw.startswith(_ED25519_MULTICODEC) or len(raw) != 34:
        raise ValueError("the did:key is not an Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def parse_private_key(raw: str, *, name: str = ENV_VAR) -> Ed25519PrivateKey:
    """Read an Ed25519 key from PEM or base64 (raw 32-byte seed or PKCS#8 DER)."""
    text = raw.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            data = base64.b64decode(text, validate=True)
            if len(data) == 32:
                key = Ed25519PrivateKey.from_private_bytes(data)
            else:
                key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ImproperlyConfigured(
            f"{name} is not an Ed25519 private key in PEM or base64 ({exc})."
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(
            f"{name} holds a {type(key).__name__}, not an Ed25519 key."
        )
    return key


@lru_cache(maxsize=1)
def signing_key() -> SigningKey:
    """Return the platform's signing key (environment first, else the development key)."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if raw:
        return SigningKey(parse_private_key(raw), "environment")
    path = dev_key_path()
    if path.exists():
        key = parse_private_key(path.read_text(), name=str(path))
    else:
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        logger.warning(
            "%s is not set: generated a development signing key in %s. Set %s in production.",
            ENV_VAR,
            path,
            ENV_VAR,
        )
    return SigningKey(key, str(path))


# --- proofs ------------------------------------------------------------------


def _hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    return (
        hashlib.sha256(canonical_json(proof_config)).digest()
        + hashlib.sha256(canonical_json(document)).digest()
    )


def proof_add(
    document: dict[str, Any],
    *,
    key: SigningKey | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Return a copy of the document with an ``eddsa-jcs-2022`` Data Integrity proof.

    The proof is a one-element array, as the formal Open Badges 3.0 schema requires;
    :func:`proof_verify` also reads a single proof object (credentials issued before).
    """
    key = key or signing_key()
    unsecured = copy.deepcopy(document)
    unsecured.pop("proof", None)
    proof_config = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": key.verification_method,
        "proofPurpose": "assertionMethod",
        "@context": unsecured.get("@context"),
    }
    signature = key.private_key.sign(_hash_data(unsecured, proof_config))
    proof = {k: v for k, v in proof_config.items() if k != "@context"}
    proof["proofValue"] = "z" + base58btc_encode(signature)
    return {**unsecured, "proof": [proof]}


def proof_limits_errors(document: Any) -> list[dict[str, str]]:
    """Return the proof fields longer than any value this platform issues.

    Checked before any decoding, so an oversized identifier is refused at once.
    """
    if not isinstance(document, dict):
        return []
    proof = document.get("proof")
    proofs = proof if isinstance(proof, list) else [proof]
    errors = []
    limits = (
        ("verificationMethod", MAX_VERIFICATION_METHOD_CHARS),
        ("proofValue", MAX_PROOF_VALUE_CHARS),
    )
    for position, item in enumerate(proofs):
        if not isinstance(item, dict):
            continue
        prefix = "proof" if not isinstance(proof, list) else f"proof.{position}"
        for name, limit in limits:
            value = item.get(name)
            if isinstance(value, str) and len(value) > limit:
                errors.append(
                    {
                        "field": f"{prefix}.{name}",
                        "message": f"longer than {limit} characters",
                    }
                )
    return errors


@dataclass(frozen=True)
class ProofCheck:
    ok: bool
    reason: str  # a lazy translation: rendered in the reader's language
    verification_method: str = ""


def proof_verify(document: Any) -> ProofCheck:
    """Check a document's Data Integrity proof against the key its method names."""
    if not isinstance(document, dict):
        return ProofCheck(False, _("The document is not a JSON object."))
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        return ProofCheck(False, _("The document carries no proof."))
    if (
        proof.get("type") != "DataIntegrityProof"
        or proof.get("cryptosuite") != CRYPTOSUITE
    ):
        return ProofCheck(
            False, _("The proof is not an eddsa-jcs-2022 Data Integrity proof.")
        )
    method = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if (
        not isinstance(method, str)
        or not isinstance(value, str)
        or not value.startswith("z")
    ):
        return ProofCheck(
            False, _("The proof has no verification method or proof value.")
        )
    try:
        public = public_key_from_verification_method(method)
        signature = base58btc_decode(value[1:])
        unsecured = {k: v for k, v in document.items() if k != "proof"}
        proof_config = {k: v for k, v in proof.items() if k != "proofValue"}
        proof_config["@context"] = unsecured.get("@context")
        public.verify(signature, _hash_data(unsecured, proof_config))
    except InvalidSignature:
        return ProofCheck(
            False, _("The signature does not match the document."), method
        )
    except (ValueError, TypeError):
        # The parser's own text is English and technical; the page says what is wrong in words.
        return ProofCheck(
            False,
            _("The proof cannot be read: its key or signature is malformed."),
            method,
        )
    return ProofCheck(True, "", method)
