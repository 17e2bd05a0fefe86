"""Time credential verification for hostile proofs against a normal one (issue 18, finding 4).

A did:key of 160,000 characters (and 320,000) in ``verificationMethod``, and the
same in ``proofValue``, against a 48-character did:key, all through
``signing.proof_limits_errors`` + ``signing.proof_verify`` as the verify endpoint
runs them. Before the length limits, base58 decoding was quadratic and the
160,000-character did:key took seconds. Prints each time and its ratio to the
normal proof measured in the same run.

Usage::

    DEBUG=1 .venv/bin/python benchmarks/bench_verify.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning_platform.settings")


def _document(method_chars: int, value_chars: int = 88) -> dict:
    did = "did:key:z" + "2" * method_chars
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:x",
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "verificationMethod": f"{did}#{did[8:]}",
            "proofValue": "z" + "3" * value_chars,
        },
    }


def _time(document: dict, repeat: int = 20) -> float:
    from learning_platform.creditbank import signing

    start = time.perf_counter()
    for _ in range(repeat):
        if not signing.proof_limits_errors(document):
            signing.proof_verify(document)
    return (time.perf_counter() - start) / repeat


def main() -> None:
    import django

    django.setup()
    base = _time(_document(48))
    print(f"normal did:key (48 chars): {base * 1e6:.1f} µs")
    for label, document in (
        ("did:key 160,000 chars", _document(160_000)),
        ("did:key 320,000 chars", _document(320_000)),
        ("proofValue 160,000 chars", _document(48, 160_000)),
    ):
        took = _time(document)
        print(f"{label}: {took * 1e6:.1f} µs ({took / base:.2f}x the normal proof)")


if __name__ == "__main__":
    main()
