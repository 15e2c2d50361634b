#!/usr/bin/env python3
"""Independent check of the identity vectors (docs/IDENTITY.md, hocba-ledger/identity/v1).

A second implementation of the identity record, written from docs/IDENTITY.md alone: it does
not use the Rust code.

- For every case of fixtures/vectors/identity/identities.json under "vectors" it validates the
  input, builds the canonical encoding from it, compares it with the vector's byte for byte,
  hashes it with BLAKE3 and compares the commitment. Names must also be in Unicode NFC, which
  this script checks in full with the standard library.
- For every case under "refusals" it validates the input, which must be refused naming the
  vector's field.

Requires Python 3.9+ and, from PyPI, `blake3`:

    pip install blake3
    python3 scripts/check_identity_vectors.py [VECTORS_FILE]

Prints one line per failure and then `N passed, M failed`; exits 1 if anything failed.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import blake3

# --- Constants from docs/IDENTITY.md ---------------------------------------------------------

HEADER = "hocba-ledger/identity/v1"
FIELDS = [
    "learner",
    "full_name",
    "gender",
    "date_of_birth",
    "personal_id",
    "father",
    "mother",
    "salt",
]
OPTIONAL = {"personal_id", "father", "mother"}
NAME_SIZE_MAX = 200
LEARNER = re.compile(r"[A-Za-z0-9]{1,64}")
DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
PERSONAL_ID = re.compile(r"[0-9]{12}")
SALT = re.compile(r"[0-9a-f]{64}")
INVISIBLE = [(0x00AD, 0x00AD), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0xFEFF, 0xFEFF)]
COMBINING = [(0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F)]


class Refused(Exception):
    def __init__(self, field: str, rule: str):
        super().__init__(f"{field}: {rule}")
        self.field = field


def in_ranges(code: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= code <= high for low, high in ranges)


def check_name(field: str, name: str) -> None:
    if name == "":
        raise Refused(field, "empty")
    if len(name.encode("utf-8")) > NAME_SIZE_MAX:
        raise Refused(field, "too long")
    if name.startswith(" ") or name.endswith(" ") or "  " in name:
        raise Refused(field, "spaces")
    for char in name:
        code = ord(char)
        category = unicodedata.category(char)
        if category == "Cc" or in_ranges(code, INVISIBLE):
            raise Refused(field, f"control or invisible U+{code:04X}")
        if char != " " and (char.isspace() or category in ("Zs", "Zl", "Zp")):
            raise Refused(field, f"space U+{code:04X}")
        if in_ranges(code, COMBINING):
            raise Refused(field, f"combining mark U+{code:04X}")
    if not unicodedata.is_normalized("NFC", name):
        raise Refused(field, "not NFC")


def check_date(field: str, text: str) -> None:
    match = DATE.fullmatch(text)
    if not match:
        raise Refused(field, "not YYYY-MM-DD")
    year, month, day = (int(part) for part in match.groups())
    if not 1900 <= year <= 2999:
        raise Refused(field, "year out of range")
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    days = {1: 31, 2: 29 if leap else 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30,
            10: 31, 11: 30, 12: 31}.get(month)
    if days is None or not 1 <= day <= days:
        raise Refused(field, "no such day")


def validate(record: object) -> dict:
    """The record's fields, validated in encoding order; raises Refused naming the field."""
    if not isinstance(record, dict):
        raise Refused("input", "not an object")
    for key in record:
        if key not in FIELDS:
            raise Refused(key, "unknown field")
    values = {}
    for field in FIELDS:
        if field not in record:
            raise Refused(field, "missing")
        value = record[field]
        if field in OPTIONAL:
            if value is None:
                values[field] = None
                continue
            if value == "":
                raise Refused(field, "empty instead of null")
        if not isinstance(value, str):
            raise Refused(field, "not a string")
        values[field] = value
    if not LEARNER.fullmatch(values["learner"]):
        raise Refused("learner", "not a learner code")
    check_name("full_name", values["full_name"])
    if values["gender"] not in ("male", "female"):
        raise Refused("gender", "not male or female")
    check_date("date_of_birth", values["date_of_birth"])
    if values["personal_id"] is not None and not PERSONAL_ID.fullmatch(values["personal_id"]):
        raise Refused("personal_id", "not 12 digits")
    for field in ("father", "mother"):
        if values[field] is not None:
            check_name(field, values[field])
    if not SALT.fullmatch(values["salt"]):
        raise Refused("salt", "not 64 lowercase hex digits")
    if values["salt"] == "0" * 64:
        raise Refused("salt", "zeros")
    return values


def canonical_encoding(values: dict) -> bytes:
    lines = [HEADER] + [f"{field} {values[field] or ''}" for field in FIELDS]
    return ("\n".join(lines) + "\n").encode("utf-8")


def main() -> int:
    default = Path(__file__).resolve().parent.parent / "fixtures/vectors/identity/identities.json"
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    data = json.loads(path.read_text(encoding="utf-8"))
    passed = failed = 0

    def fail(what: str, why: str) -> None:
        nonlocal failed
        failed += 1
        print(f"FAIL {what}: {why}")

    for case in data["vectors"]:
        what = f"vector {case['description']!r}"
        try:
            values = validate(case["input"])
        except Refused as refused:
            fail(what, f"refused: {refused}")
            continue
        encoding = canonical_encoding(values)
        if encoding != case["canonical_encoding"].encode("utf-8"):
            fail(what, "canonical encoding differs")
            continue
        commitment = blake3.blake3(encoding).hexdigest()
        if commitment != case["commitment"]:
            fail(what, f"commitment {commitment} != {case['commitment']}")
            continue
        passed += 1

    for case in data["refusals"]:
        what = f"refusal {case['description']!r}"
        try:
            validate(case["input"])
        except Refused as refused:
            if refused.field == case["field"]:
                passed += 1
            else:
                fail(what, f"refused on {refused.field!r}, expected {case['field']!r}")
            continue
        fail(what, "accepted")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
