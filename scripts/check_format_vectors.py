#!/usr/bin/env python3
"""Independent check of the hocba-ledger entry format vectors (docs/FORMAT.md, version 1).

This is a second implementation of the format, written from docs/FORMAT.md alone: it does not
use the Rust code. For every case of fixtures/vectors/format/submissions.json it re-derives,
from the input fields and the key label, the seed, the public key, the canonical body, the
signing input, the signature (Ed25519 is deterministic), the wire envelope, the record bytes,
the record id and the leaf hash, and compares them byte for byte; it also checks that the
records form a chain. For every case of refusals.json it runs the node's checks in the
documented order and compares the refusal code.

Requires Python 3.11+ and, from PyPI, `cryptography` (Ed25519) and `blake3`:

    pip install cryptography blake3
    python3 scripts/check_format_vectors.py [VECTORS_DIR]

Prints one line per failure and then `N passed, M failed`; exits 1 if anything failed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

import blake3
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# --- Constants from docs/FORMAT.md -------------------------------------------------------------

SIGNING_CONTEXT = b"hocba-ledger/submission/v1"
FIXTURE_SEED_CONTEXT = b"hocba-ledger fixtures key\n"
RECORD_VERSION = 0x01
RECORD_HEADER_SIZE = 113
RECORD_SIZE_MAX = 65_535
BODY_SIZE_MAX = RECORD_SIZE_MAX - RECORD_HEADER_SIZE
WIRE_SIZE_MAX = BODY_SIZE_MAX + 112 + 1024
JSON_DEPTH_MAX = 32
INTEGER_MAX = 2**53 - 1
EVENT_TYPE_SIZE_MAX = 64
IDEMPOTENCY_ID_SIZE_MAX = 128
BODY_FIELDS = [
    "author",
    "claimed_at",
    "event_type",
    "idempotency_id",
    "payload",
    "schema_version",
    "v",
]


class Refused(Exception):
    """A refusal with its code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


# --- Canonical JSON ----------------------------------------------------------------------------


class NotCanonical(Exception):
    pass


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


_SHORT_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}


def _canonical_string(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif code in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[code])
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            raise NotCanonical(f"lone surrogate U+{code:04X}")
        elif _is_noncharacter(code):
            raise NotCanonical(f"noncharacter U+{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _utf16_key(name: str) -> bytes:
    # Big-endian UTF-16 bytes compare in the same order as the sequences of code units.
    return name.encode("utf-16-be", errors="surrogatepass")


def canonical_text(value, depth: int = 0) -> str:
    """The canonical JSON text of a Python value (dict, list, str, int, bool, None)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > INTEGER_MAX:
            raise NotCanonical(f"integer out of range: {value}")
        return str(value)
    if isinstance(value, float):
        raise NotCanonical(f"not an integer: {value!r}")
    if isinstance(value, str):
        return _canonical_string(value)
    if isinstance(value, list):
        if depth + 1 > JSON_DEPTH_MAX:
            raise NotCanonical("too deep")
        return "[" + ",".join(canonical_text(item, depth + 1) for item in value) + "]"
    if isinstance(value, dict):
        if depth + 1 > JSON_DEPTH_MAX:
            raise NotCanonical("too deep")
        names = sorted(value, key=_utf16_key)
        return (
            "{"
            + ",".join(
                _canonical_string(name) + ":" + canonical_text(value[name], depth + 1)
                for name in names
            )
            + "}"
        )
    raise TypeError(f"not a JSON value: {value!r}")


def canonical_bytes(value) -> bytes:
    return canonical_text(value).encode("utf-8")


def _no_duplicates(pairs):
    result = {}
    for name, member in pairs:
        if name in result:
            raise NotCanonical(f"duplicate name {name!r}")
        result[name] = member
    return result


def _refuse_float(text):
    raise NotCanonical(f"not an integer: {text}")


def _refuse_constant(text):
    raise NotCanonical(f"not JSON: {text}")


def parse_canonical(data: bytes):
    """Parses JSON and accepts it only if it is byte for byte its own canonical form."""
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except NotCanonical:
        raise
    except (ValueError, RecursionError) as error:
        raise NotCanonical(f"not JSON: {error}") from error
    if canonical_bytes(value) != data:
        raise NotCanonical("not byte-identical to the canonical form")
    return value


# --- Keys --------------------------------------------------------------------------------------

P = 2**255 - 19
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _decode_point(data: bytes):
    """RFC 8032 section 5.1.3 point decoding (except for x = 0, see below); None if the bytes
    are not the canonical encoding of a point."""
    if len(data) != 32:
        return None
    number = int.from_bytes(data, "little")
    sign = number >> 255
    y = number & ((1 << 255) - 1)
    if y >= P:
        return None
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x2 = u * pow(v, P - 2, P) % P
    if x2 == 0:
        # RFC 8032 refuses x = 0 with the sign bit set; both such points (y = 1, y = p - 1)
        # have small order, so docs/FORMAT.md refuses them as weak instead.
        return (0, y)
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y)


def _add(a, b):
    x1, y1 = a
    x2, y2 = b
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, P - 2, P) % P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
    return (x3, y3)


def _is_small_order(point) -> bool:
    eight = point
    for _ in range(3):
        eight = _add(eight, eight)
    return eight == (0, 1)


def b64decode_strict(text: str) -> bytes | None:
    """Standard base64 with padding, in its one canonical spelling; None otherwise."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return None
    if base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def fixture_seed(label: str) -> bytes:
    return hashlib.sha256(FIXTURE_SEED_CONTEXT + label.encode("utf-8")).digest()


def public_key_bytes(seed: bytes) -> bytes:
    return (
        Ed25519PrivateKey.from_private_bytes(seed)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


# --- Submissions -------------------------------------------------------------------------------


def signing_input(body: bytes) -> bytes:
    return SIGNING_CONTEXT + b"\n" + body


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\n\r":
        position += 1
    return position


def parse_envelope(wire: bytes) -> tuple[bytes, bytes]:
    """Returns (body bytes, signature bytes) of a wire envelope, as the node reads it."""
    if len(wire) > WIRE_SIZE_MAX:
        raise Refused("record-too-large", "envelope")
    malformed = Refused("submission-malformed", "envelope")
    try:
        text = wire.decode("utf-8")
    except UnicodeDecodeError:
        raise malformed from None
    decoder = json.JSONDecoder()
    members: dict[str, str] = {}
    position = _skip_whitespace(text, 0)
    if text[position : position + 1] != "{":
        raise malformed
    position = _skip_whitespace(text, position + 1)
    if text[position : position + 1] == "}":
        position += 1
    else:
        while True:
            try:
                name, position = decoder.raw_decode(text, position)
            except ValueError:
                raise malformed from None
            if not isinstance(name, str):
                raise malformed
            position = _skip_whitespace(text, position)
            if text[position : position + 1] != ":":
                raise malformed
            position = _skip_whitespace(text, position + 1)
            start = position
            try:
                _, position = decoder.raw_decode(text, position)
            except ValueError:
                raise malformed from None
            if name not in ("body", "signature") or name in members:
                raise malformed
            members[name] = text[start:position]
            position = _skip_whitespace(text, position)
            if text[position : position + 1] == ",":
                position = _skip_whitespace(text, position + 1)
            elif text[position : position + 1] == "}":
                position += 1
                break
            else:
                raise malformed
    if _skip_whitespace(text, position) != len(text):
        raise malformed
    if "body" not in members or "signature" not in members:
        raise malformed
    signature_text = json.loads(members["signature"])
    if not isinstance(signature_text, str):
        raise malformed
    body = members["body"].encode("utf-8")
    if len(body) > BODY_SIZE_MAX:
        raise Refused("record-too-large", "body")
    signature = b64decode_strict(signature_text)
    if signature is None or len(signature) != 64:
        raise Refused("signature-invalid", "not base64 of 64 bytes")
    return body, signature


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_body(body: bytes) -> dict:
    """The checks of a body, in the documented order; returns the fields."""
    if len(body) > BODY_SIZE_MAX:
        raise Refused("record-too-large", "body")
    try:
        fields = parse_canonical(body)
    except NotCanonical as error:
        raise Refused("submission-not-canonical", str(error)) from None
    if not isinstance(fields, dict):
        raise Refused("submission-malformed", "body is not an object")
    if "v" not in fields:
        raise Refused("submission-malformed", "v missing")
    if not (_is_int(fields["v"]) and fields["v"] == 1):
        raise Refused("submission-version-unsupported")
    for name in BODY_FIELDS:
        if name not in fields:
            raise Refused("submission-malformed", f"{name} missing")
    for name in fields:
        if name not in BODY_FIELDS:
            raise Refused("submission-malformed", f"unknown field {name}")

    author = fields["author"]
    if not isinstance(author, str):
        raise Refused("submission-malformed", "author")
    key = b64decode_strict(author)
    if key is None or len(key) != 32:
        raise Refused("key-malformed", "author base64")
    point = _decode_point(key)
    if point is None:
        raise Refused("key-malformed", "not a point")
    if _is_small_order(point):
        raise Refused("key-weak")

    claimed_at = fields["claimed_at"]
    if not (_is_int(claimed_at) and 0 <= claimed_at <= INTEGER_MAX):
        raise Refused("submission-malformed", "claimed_at")

    event_type = fields["event_type"]
    if not isinstance(event_type, str):
        raise Refused("submission-malformed", "event_type")
    allowed_event = set("abcdefghijklmnopqrstuvwxyz0123456789_.")
    if (
        not event_type
        or not ("a" <= event_type[0] <= "z")
        or len(event_type.encode("utf-8")) > EVENT_TYPE_SIZE_MAX
        or any(char not in allowed_event for char in event_type)
    ):
        raise Refused("event-type-invalid")

    idempotency_id = fields["idempotency_id"]
    if not isinstance(idempotency_id, str):
        raise Refused("submission-malformed", "idempotency_id")
    allowed_id = set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"
    )
    if (
        not idempotency_id
        or len(idempotency_id.encode("utf-8")) > IDEMPOTENCY_ID_SIZE_MAX
        or any(char not in allowed_id for char in idempotency_id)
    ):
        raise Refused("idempotency-id-invalid")

    if not isinstance(fields["payload"], dict):
        raise Refused("submission-malformed", "payload")

    schema_version = fields["schema_version"]
    if not _is_int(schema_version):
        raise Refused("submission-malformed", "schema_version")
    if not 1 <= schema_version <= 2**32 - 1:
        raise Refused("schema-version-unsupported")
    return fields


def verify_submission(body: bytes, signature: bytes) -> dict:
    fields = check_body(body)
    key = Ed25519PublicKey.from_public_bytes(b64decode_strict(fields["author"]))
    try:
        key.verify(signature, signing_input(body))
    except InvalidSignature:
        raise Refused("signature-invalid") from None
    return fields


# --- Records -----------------------------------------------------------------------------------


def encode_record(index: int, sequenced_at_us: int, prev: bytes, signature: bytes, body: bytes):
    return (
        bytes([RECORD_VERSION])
        + index.to_bytes(8, "big")
        + sequenced_at_us.to_bytes(8, "big")
        + prev
        + signature
        + body
    )


def decode_record(record: bytes) -> dict:
    if len(record) > RECORD_SIZE_MAX:
        raise Refused("record-too-large", "record")
    if len(record) < RECORD_HEADER_SIZE:
        raise Refused("record-malformed", "shorter than the header")
    if record[0] != RECORD_VERSION:
        raise Refused("record-malformed", "version")
    return {
        "index": int.from_bytes(record[1:9], "big"),
        "sequenced_at_us": int.from_bytes(record[9:17], "big"),
        "prev": record[17:49],
        "signature": record[49:113],
        "body": record[113:],
    }


def verify_record(record: bytes) -> dict:
    fields = decode_record(record)
    verify_submission(fields["body"], fields["signature"])
    return fields


def record_id(record: bytes) -> bytes:
    return blake3.blake3(record).digest()


def leaf_hash(record: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + record).digest()


def check_chain(records: list[bytes]) -> None:
    expected_index, expected_prev = 0, bytes(32)
    for record in records:
        fields = verify_record(record)
        if fields["index"] != expected_index or fields["prev"] != expected_prev:
            raise Refused("chain-broken", f"at index {fields['index']}")
        expected_index, expected_prev = expected_index + 1, record_id(record)


# --- The vector files --------------------------------------------------------------------------


def check_submission_case(case: dict, prev: bytes) -> list[str]:
    """Re-derives everything of a valid case; returns the mismatches."""
    problems = []

    def expect(what: str, derived, stated) -> None:
        if derived != stated:
            problems.append(f"{what}: derived {derived!r}, file has {stated!r}")

    seed = fixture_seed(case["key_label"])
    expect("seed", seed.hex(), case["seed_hex"])
    public_key = base64.b64encode(public_key_bytes(seed)).decode("ascii")
    expect("public key", public_key, case["public_key_base64"])

    given = case["input"]
    fields = {
        "author": public_key,
        "claimed_at": given["claimed_at"],
        "event_type": given["event_type"],
        "idempotency_id": given["idempotency_id"],
        "payload": given["payload"],
        "schema_version": given["schema_version"],
        "v": 1,
    }
    body = canonical_bytes(fields)
    expect("body (hex)", body.hex(), case["body_hex"])
    expect("body (UTF-8)", body, case["body_utf8"].encode("utf-8"))
    to_sign = signing_input(body)
    expect("signing input", to_sign.hex(), case["signing_input_hex"])
    signature = Ed25519PrivateKey.from_private_bytes(seed).sign(to_sign)
    signature_b64 = base64.b64encode(signature).decode("ascii")
    expect("signature", signature_b64, case["signature_base64"])
    wire = b'{"body":' + body + b',"signature":"' + signature_b64.encode() + b'"}'
    expect("wire JSON", wire, case["wire_json"].encode("utf-8"))

    # The node's view: the stated wire envelope must parse and verify to the same body.
    try:
        wire_body, wire_signature = parse_envelope(case["wire_json"].encode("utf-8"))
        verify_submission(wire_body, wire_signature)
        expect("body from the envelope", wire_body, body)
    except Refused as refusal:
        problems.append(f"the wire envelope is refused: {refusal}")

    stated = case["record"]
    expect("prev (chain)", prev.hex(), stated["prev_hex"])
    record = encode_record(
        stated["index"], stated["sequenced_at_us"], prev, signature, body
    )
    expect("record bytes", record.hex(), stated["bytes_hex"])
    expect("record id", record_id(record).hex(), stated["id_hex"])
    expect(
        "leaf hash",
        base64.b64encode(leaf_hash(record)).decode("ascii"),
        stated["leaf_hash_base64"],
    )
    try:
        verify_record(record)
    except Refused as refusal:
        problems.append(f"the record is refused: {refusal}")
    return problems


def refusal_code(case: dict) -> str | None:
    try:
        if case["kind"] == "submission":
            if "wire_utf8" in case:
                wire = case["wire_utf8"].encode("utf-8")
            else:
                wire = bytes.fromhex(case["wire_hex"])
            verify_submission(*parse_envelope(wire))
        elif case["kind"] == "record":
            verify_record(bytes.fromhex(case["record_hex"]))
        elif case["kind"] == "chain":
            check_chain([bytes.fromhex(record) for record in case["records_hex"]])
        else:
            raise ValueError(f"unknown kind {case['kind']!r}")
    except Refused as refusal:
        return refusal.code
    return None


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "fixtures/vectors/format"
    passed = failed = 0

    submissions = json.loads((folder / "submissions.json").read_text(encoding="utf-8"))
    prev = bytes(32)
    for index, case in enumerate(submissions["cases"]):
        problems = check_submission_case(case, prev)
        if case["record"]["index"] != index:
            problems.append(f"index {case['record']['index']}, expected {index}")
        if problems:
            failed += 1
            for problem in problems:
                print(f"FAIL submissions[{index}] {case['description']}: {problem}")
        else:
            passed += 1
        prev = bytes.fromhex(case["record"]["id_hex"])

    refusals = json.loads((folder / "refusals.json").read_text(encoding="utf-8"))
    for index, case in enumerate(refusals["cases"]):
        code = refusal_code(case)
        if code == case["expected_code"]:
            passed += 1
        else:
            failed += 1
            print(
                f"FAIL refusals[{index}] {case['description']}: "
                f"got {code}, expected {case['expected_code']}"
            )

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
