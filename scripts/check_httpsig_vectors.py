#!/usr/bin/env python3
"""Independent check of the hocba request signature vectors (docs/AUTH.md, version 1).

This is a second implementation of the scheme, written from docs/AUTH.md alone: it does not use
the Rust code. For every case of fixtures/vectors/httpsig/requests.json it re-derives, from the
key seed and the request (method, path and query, body, created, nonce), the keyid, the
Content-Digest, the Signature-Input, the signature base and the Signature (Ed25519 is
deterministic), compares them byte for byte, and checks that the signature verifies.

Requires Python 3.9+ and, from PyPI, `cryptography`:

    pip install cryptography
    python3 scripts/check_httpsig_vectors.py [VECTORS_FILE]

Prints one line per failure and then `N passed, M failed`; exits 1 if anything failed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# --- Constants from docs/AUTH.md ---------------------------------------------------------------

SCHEME = "hocba request signature v1"
LABEL = "hocba"
ALG = "ed25519"
COMPONENTS = ["@method", "@path", "@query"]
CONTENT_DIGEST = "content-digest"
NONCE_LEN_MAX = 64


def b64(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 section 4)."""
    return base64.b64encode(data).decode("ascii")


def sf_string(value: str) -> str:
    """An RFC 8941 string: quoted, with backslash and double quote escaped."""
    if not all(0x20 <= ord(c) <= 0x7E for c in value):
        raise ValueError(f"not printable ASCII: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def content_digest(body: bytes) -> str:
    """RFC 9530 Content-Digest with SHA-256."""
    return f"sha-256=:{b64(hashlib.sha256(body).digest())}:"


def signature_params(covers_digest: bool, created: int, keyid: str, nonce: str | None) -> str:
    """The @signature-params value: the inner list of components, then the parameters."""
    components = COMPONENTS + ([CONTENT_DIGEST] if covers_digest else [])
    out = "(" + " ".join(sf_string(c) for c in components) + ")"
    out += f";created={created};keyid={sf_string(keyid)};alg={sf_string(ALG)}"
    if nonce is not None:
        if not 1 <= len(nonce) <= NONCE_LEN_MAX:
            raise ValueError("nonce length")
        out += f";nonce={sf_string(nonce)}"
    return out


def path_and_query_values(path_and_query: str) -> tuple[str, str]:
    """@path and @query (RFC 9421 sections 2.2.6 and 2.2.7): split at the first '?', no
    decoding; an empty path is '/'; the query value is '?' plus the query, or '?' alone."""
    path, _, query = path_and_query.partition("?")
    return (path or "/"), "?" + query


def signature_base(
    method: str, path_and_query: str, digest: str | None, params: str
) -> str:
    path, query = path_and_query_values(path_and_query)
    lines = [f'"@method": {method}', f'"@path": {path}', f'"@query": {query}']
    if digest is not None:
        lines.append(f'"content-digest": {digest}')
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines)


def check_case(case: dict) -> list[str]:
    """Returns the mismatches of one case (empty when it passes)."""
    problems = []

    def expect(what: str, got: object, want: object) -> None:
        if got != want:
            problems.append(f"{what}: computed {got!r}, vector has {want!r}")

    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(case["key_seed_hex"]))
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    keyid = b64(public)
    expect("keyid", keyid, case["keyid"])

    body = None
    if case["body_base64"] is not None:
        body = base64.b64decode(case["body_base64"], validate=True)
    digest = content_digest(body) if body is not None else None
    expect("content_digest", digest, case["content_digest"])

    params = signature_params(digest is not None, case["created"], keyid, case["nonce"])
    expect("signature_input", f"{LABEL}={params}", case["signature_input"])

    base = signature_base(case["method"], case["path_and_query"], digest, params)
    expect("signature_base", base, case["signature_base"])

    signature = key.sign(base.encode("ascii"))
    expect("signature", f"{LABEL}=:{b64(signature)}:", case["signature"])

    try:
        key.public_key().verify(signature, base.encode("ascii"))
    except InvalidSignature:
        problems.append("signature does not verify")
    return problems


def main() -> int:
    default = Path(__file__).resolve().parent.parent / "fixtures/vectors/httpsig/requests.json"
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    data = json.loads(path.read_text(encoding="utf-8"))
    passed = failed = 0
    if data.get("scheme") != SCHEME:
        print(f"FAIL {path}: scheme is {data.get('scheme')!r}, expected {SCHEME!r}")
        failed += 1
    for index, case in enumerate(data["cases"]):
        try:
            problems = check_case(case)
        except (KeyError, ValueError) as error:
            problems = [f"cannot check: {error!r}"]
        if problems:
            failed += 1
            for problem in problems:
                print(f"FAIL case {index} ({case.get('description', '?')}): {problem}")
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
