#!/usr/bin/env python3
"""Appends signed submissions to a running hocba node from several concurrent clients.

Helper of scripts/check-durability-strace. The submissions are built and signed ahead of time
(entry format v1, see ledger-core/src/record.rs and ledger-core/src/canonical.rs):

- body: canonical JSON (members sorted, no whitespace, ASCII only here) with exactly the fields
  author, claimed_at, event_type, idempotency_id, payload, schema_version, v;
- signing input: b"hocba-ledger/submission/v1\\n" + body, signed with Ed25519;
- wire: {"body":<body>,"signature":"<base64>"}.

Each client thread keeps one HTTP/1.1 keep-alive connection. Every answer must be 201 with a
fresh receipt; the receipts are written as JSON lines to --receipts. Exit 0 when all were 201.

Usage: durability-load.py --url http://127.0.0.1:PORT --count 200 --clients 8 --receipts FILE
"""

import argparse
import base64
import hashlib
import http.client
import json
import sys
import threading
import urllib.parse

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SIGNING_CONTEXT = b"hocba-ledger/submission/v1\n"


def canonical(value):
    """Canonical JSON for the values used here: str (ASCII), int, dict."""
    if isinstance(value, dict):
        members = sorted(value.items(), key=lambda item: item[0].encode("utf-16-be"))
        return "{" + ",".join(canonical(k) + ":" + canonical(v) for k, v in members) + "}"
    if isinstance(value, bool) or value is None:
        raise TypeError("not used here")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if not value.isascii() or any(ord(c) < 0x20 for c in value):
            raise ValueError("keep the generated strings plain ASCII")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(type(value))


def signed_submission(key, author_b64, idempotency_id):
    body = canonical(
        {
            "author": author_b64,
            "claimed_at": 1790000000000,
            "event_type": "grade.recorded",
            "idempotency_id": idempotency_id,
            "payload": {"learner": "HS-0101-0001", "score": "8.5", "subject": "toan"},
            "schema_version": 1,
            "v": 1,
        }
    ).encode()
    signature = key.sign(SIGNING_CONTEXT + body)
    return b'{"body":' + body + b',"signature":"' + base64.b64encode(signature) + b'"}'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--prefix", default="durability")
    parser.add_argument("--receipts", required=True)
    args = parser.parse_args()

    seed = hashlib.sha256(b"hocba-ledger durability check key").digest()
    key = Ed25519PrivateKey.from_private_bytes(seed)
    author = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    author_b64 = base64.b64encode(author).decode()
    requests = [
        signed_submission(key, author_b64, f"{args.prefix}-{n}") for n in range(args.count)
    ]

    url = urllib.parse.urlsplit(args.url)
    lock = threading.Lock()
    receipts, failures = [], []

    def client(number):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        for n in range(number, args.count, args.clients):
            try:
                connection.request(
                    "POST",
                    "/v1/submissions",
                    body=requests[n],
                    headers={"content-type": "application/json"},
                )
                response = connection.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    failures.append(f"{args.prefix}-{n}: {error!r}")
                connection.close()
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                continue
            with lock:
                if status != 201:
                    failures.append(f"{args.prefix}-{n}: HTTP {status}: {payload[:300]!r}")
                else:
                    receipt = json.loads(payload)
                    if receipt.get("duplicate"):
                        failures.append(f"{args.prefix}-{n}: answered as a duplicate")
                    receipts.append(receipt)
        connection.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with open(args.receipts, "w", encoding="utf-8") as out:
        for receipt in sorted(receipts, key=lambda r: r["index"]):
            out.write(json.dumps(receipt, sort_keys=True) + "\n")
    indexes = [r["index"] for r in receipts]
    if len(set(indexes)) != len(indexes):
        failures.append("an index was acknowledged twice")
    for failure in failures[:20]:
        print(f"durability-load: {failure}", file=sys.stderr)
    print(f"durability-load: {len(receipts)} receipts, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
