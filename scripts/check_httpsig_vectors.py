#!/usr/bin/env python3
"""Independent check of the hocba request signature vectors (docs/AUTH.md, version 1).

This is a second implementation of the scheme, written from docs/AUTH.md alone: it does not use
the Rust code.

- For every case of fixtures/vectors/httpsig/requests.json it re-derives, from the key seed and
  the request (method, path and query, body, created, nonce), the keyid, the Content-Digest, the
  Signature-Input, the signature base and the Signature (Ed25519 is deterministic), compares
  them byte for byte, and runs the node's checks (section 8) on the result, which must accept it.
- For every case of refusals.json it runs the node's checks and compares the refusal code.

Requires Python 3.9+ and, from PyPI, `cryptography`:

    pip install cryptography
    python3 scripts/check_httpsig_vectors.py [VECTORS_DIR]

Prints one line per failure and then `N passed, M failed`; exits 1 if anything failed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
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


# --- Verifying (docs/AUTH.md section 8) --------------------------------------------------------

FIELD_SIZE_MAX = 8 * 1024
CREATED_SKEW_S_MAX = 300


class Refused(Exception):
    """A refusal with its code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


class SfError(Exception):
    pass


class SfParser:
    """The part of RFC 8941 the headers need: a Dictionary of Items and Inner Lists.
    Bare items are returned as (kind, value): ("integer", int), ("string", str),
    ("bytes", base64 text), ("token", None), ("decimal", None), ("boolean", None)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def eat(self, char: str) -> bool:
        if self.peek() == char:
            self.at += 1
            return True
        return False

    def fail(self, what: str):
        raise SfError(f"{what} at character {self.at + 1}")

    def dictionary(self) -> dict:
        members: dict = {}
        while self.eat(" "):
            pass
        while self.at < len(self.text):
            key = self.key()
            if self.eat("="):
                member = self.inner_list() if self.peek() == "(" else self.item()
            else:
                member = ("item", ("boolean", None), self.parameters())
            members[key] = member  # a repeated key keeps its first position, last value
            while self.peek() in (" ", "\t") and self.peek():
                self.at += 1
            if self.at >= len(self.text):
                break
            if not self.eat(","):
                self.fail("expected ','")
            while self.peek() in (" ", "\t") and self.peek():
                self.at += 1
            if self.at >= len(self.text):
                self.fail("nothing after ','")
        return members

    def key(self) -> str:
        start = self.at
        if not (self.peek().islower() and self.peek().isascii() or self.peek() == "*"):
            self.fail("expected a key")
        self.at += 1
        while self.peek() and (self.peek() in "abcdefghijklmnopqrstuvwxyz0123456789_-.*"):
            self.at += 1
        return self.text[start : self.at]

    def inner_list(self):
        self.at += 1
        items = []
        while True:
            while self.eat(" "):
                pass
            if self.eat(")"):
                return ("list", items, self.parameters())
            items.append(self.item())
            if self.peek() not in (" ", ")") or not self.peek():
                self.fail("expected ' ' or ')' in an inner list")

    def item(self):
        return ("item", self.bare_item(), self.parameters())

    def parameters(self) -> dict:
        params: dict = {}
        while self.eat(";"):
            while self.eat(" "):
                pass
            key = self.key()
            params[key] = self.bare_item() if self.eat("=") else ("boolean", None)
        return params

    def bare_item(self):
        char = self.peek()
        if char == "-" or char.isdigit():
            return self.number()
        if char == '"':
            return self.string()
        if char == ":":
            self.at += 1
            start = self.at
            while self.peek() and self.peek() in (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
            ):
                self.at += 1
            text = self.text[start : self.at]
            if not self.eat(":"):
                self.fail("expected ':' closing a byte sequence")
            return ("bytes", text)
        if char == "?":
            self.at += 1
            if not (self.eat("0") or self.eat("1")):
                self.fail("expected ?0 or ?1")
            return ("boolean", None)
        if char and (char.isascii() and char.isalpha() or char == "*"):
            self.at += 1
            while self.peek() and (self.peek().isascii() and self.peek().isalnum() or (
                self.peek() in "!#$%&'*+-.^_`|~:/"
            )):
                self.at += 1
            return ("token", None)
        self.fail("expected a value")

    def number(self):
        negative = self.eat("-")
        start = self.at
        while self.peek() and (self.peek().isdigit() or self.peek() == "."):
            self.at += 1
        text = self.text[start : self.at]
        whole, dot, fraction = text.partition(".")
        if not whole.isdigit() or not whole.isascii():
            self.fail("expected a digit")
        if dot:
            if len(whole) > 12 or not 1 <= len(fraction) <= 3 or not fraction.isdigit():
                self.fail("bad decimal")
            return ("decimal", None)
        if len(whole) > 15:
            self.fail("integer too long")
        return ("integer", -int(whole) if negative else int(whole))

    def string(self):
        self.at += 1
        out = []
        while True:
            char = self.peek()
            if not char:
                self.fail("unterminated string")
            self.at += 1
            if char == '"':
                return ("string", "".join(out))
            if char == "\\":
                if self.peek() not in ('"', "\\") or not self.peek():
                    self.fail("bad escape")
                out.append(self.peek())
                self.at += 1
            elif 0x20 <= ord(char) <= 0x7E:
                out.append(char)
            else:
                self.fail("not printable ASCII")


# Ed25519 point arithmetic (RFC 8032 section 5.1), only to screen keys: decoding and
# small-order detection.
P = 2**255 - 19
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def decode_point(data: bytes):
    """The point (x, y) of a 32-byte encoding, or None if it is not a canonical point."""
    y = int.from_bytes(data, "little") & ((1 << 255) - 1)
    sign = data[31] >> 7
    if y >= P:
        return None
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = (u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P)) % P
    if (v * x * x - u) % P != 0:
        x = (x * SQRT_M1) % P
        if (v * x * x - u) % P != 0:
            return None
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y)


def add_points(a, b):
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    x = (x1 * y2 + x2 * y1) * pow(1 + t, P - 2, P) % P
    y = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
    return (x, y)


def is_small_order(point) -> bool:
    for _ in range(3):  # multiply by 8
        point = add_points(point, point)
    return point == (0, 1)


def b64_strict(text: str) -> bytes | None:
    """Decodes canonical standard base64, or returns None."""
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    return data if b64(data) == text else None


def header(headers: list, name: str) -> str | None:
    lines = [value.strip(" \t") for key, value in headers if key.lower() == name]
    return ", ".join(lines) if lines else None


def parse(text: str, what: str) -> dict:
    if len(text) > FIELD_SIZE_MAX:
        raise Refused("auth-malformed", f"{what} is too long")
    try:
        return SfParser(text).dictionary()
    except SfError as error:
        raise Refused("auth-malformed", f"{what}: {error}") from None


def serialize_param(name: str, value) -> str:
    kind, content = value
    return f";{name}={content}" if kind == "integer" else f";{name}={sf_string(content)}"


def verify(method: str, target: str, headers: list, body: bytes, now: int) -> str:
    """Runs the node's checks in order; returns the keyid or raises Refused."""
    input_text, signature_text = header(headers, "signature-input"), header(headers, "signature")
    if input_text is None or signature_text is None:
        raise Refused("auth-missing", "no Signature-Input or Signature")
    inputs, signatures = parse(input_text, "Signature-Input"), parse(signature_text, "Signature")
    if LABEL not in inputs or LABEL not in signatures:
        raise Refused("auth-missing", "no hocba member")

    member = inputs[LABEL]
    if member[0] != "list":
        raise Refused("auth-malformed", "not an inner list")
    names = []
    for _, (kind, value), params in member[1]:
        if kind != "string" or params:
            raise Refused("auth-malformed", "bad component")
        names.append(value)
    if names not in (COMPONENTS, COMPONENTS + [CONTENT_DIGEST]):
        raise Refused("auth-malformed", f"components {names}")
    types = {"created": "integer", "keyid": "string", "alg": "string", "nonce": "string"}
    params = member[2]
    for name, (kind, value) in params.items():
        if types.get(name) != kind:
            raise Refused("auth-malformed", f"parameter {name}")
    if "created" not in params or params["created"][1] < 0 or "keyid" not in params:
        raise Refused("auth-malformed", "created or keyid")
    if params.get("alg") != ("string", ALG):
        raise Refused("auth-malformed", "alg")
    if "nonce" in params and not 1 <= len(params["nonce"][1]) <= NONCE_LEN_MAX:
        raise Refused("auth-malformed", "nonce")
    kind, signature_b64 = signatures[LABEL][1]
    signature = b64_strict(signature_b64) if kind == "bytes" else None
    if signatures[LABEL][0] != "item" or signature is None:
        raise Refused("auth-malformed", "signature is not :base64:")
    keyid = params["keyid"][1]
    public = b64_strict(keyid)
    point = decode_point(public) if public is not None and len(public) == 32 else None
    if point is None:
        raise Refused("auth-malformed", "keyid")
    if is_small_order(point):
        raise Refused("auth-signature-invalid", "weak key")

    created = params["created"][1]
    if abs(now - created) > CREATED_SKEW_S_MAX:
        raise Refused("auth-expired", f"{now - created} s")

    digest = None
    if CONTENT_DIGEST in names:
        digest = header(headers, CONTENT_DIGEST)
        if digest is None:
            raise Refused("auth-digest-mismatch", "no Content-Digest")
        sha256 = parse(digest, "Content-Digest").get("sha-256")
        if sha256 is None or sha256[0] != "item" or sha256[1][0] != "bytes":
            raise Refused("auth-digest-mismatch", "no sha-256")
        if b64_strict(sha256[1][1]) != hashlib.sha256(body).digest():
            raise Refused("auth-digest-mismatch", "digest differs")
    elif body:
        raise Refused("auth-digest-mismatch", "body without content-digest")

    serialized = "(" + " ".join(sf_string(name) for name in names) + ")"
    serialized += "".join(serialize_param(name, value) for name, value in params.items())
    base = signature_base(method, target, digest, serialized)
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, base.encode("ascii"))
    except (InvalidSignature, ValueError):
        raise Refused("auth-signature-invalid", "does not verify") from None
    return keyid


def check_refusal(case: dict) -> list[str]:
    body = base64.b64decode(case["body_base64"]) if case["body_base64"] is not None else b""
    try:
        keyid = verify(case["method"], case["path_and_query"], case["headers"], body, case["now"])
    except Refused as refusal:
        if refusal.code != case["code"]:
            return [f"refused with {refusal}, vector expects {case['code']}"]
        return []
    return [f"accepted (keyid {keyid}), vector expects {case['code']}"]


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

    headers = [("Signature-Input", case["signature_input"]), ("Signature", case["signature"])]
    if case["content_digest"] is not None:
        headers.append(("Content-Digest", case["content_digest"]))
    try:
        verify(case["method"], case["path_and_query"], headers, body or b"", case["created"])
    except Refused as refusal:
        problems.append(f"the node's checks refuse it: {refusal}")
    return problems


def main() -> int:
    default = Path(__file__).resolve().parent.parent / "fixtures/vectors/httpsig"
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    passed = failed = 0
    for file_name, check in (("requests.json", check_case), ("refusals.json", check_refusal)):
        data = json.loads((folder / file_name).read_text(encoding="utf-8"))
        if data.get("scheme") != SCHEME:
            print(f"FAIL {file_name}: scheme is {data.get('scheme')!r}, expected {SCHEME!r}")
            failed += 1
        for index, case in enumerate(data["cases"]):
            try:
                problems = check(case)
            except (KeyError, ValueError, TypeError) as error:
                problems = [f"cannot check: {error!r}"]
            if problems:
                failed += 1
                description = case.get("description", "?")
                for problem in problems:
                    print(f"FAIL {file_name} case {index} ({description}): {problem}")
            else:
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
