#!/usr/bin/env python3
"""Checks, from an strace log of `hocba serve`, that every acknowledgement left the node only
after the record it acknowledges was made durable by fdatasync/fsync of its segment file.

Helper of scripts/check-durability-strace. The trace must come from

    strace -f -tt -y -s 2048 -e trace=write,writev,pwrite64,fdatasync,fsync,sendto,sendmsg,openat

on a node whose data directory was empty of records when it started (so every segment file is
written from byte 0, all of it under the trace).

THE RULE (per record, not per batch):
  For every HTTP "201 Created" written to a socket, carrying a receipt {"index":N,...}:
  1. find record N in the segment files (the frames on disk) and the byte range of its frame;
  2. find the segment write (write/writev/pwrite64 on a path ending ".seg") that wrote the last
     byte of that frame, by adding up the bytes each write returned, per file (the segments are
     O_APPEND files with one writer; pwrite64 uses its explicit offset);
  3. require an fdatasync or fsync on that same segment file that was ENTERED after that write
     RETURNED and that RETURNED 0 before the socket write carrying the 201 was ENTERED.
  Otherwise the acknowledgement is a violation.

Order is the order of lines in the trace, not the timestamps: strace prints each syscall entry
and exit while the thread is stopped, so an event that causally follows a syscall's return (the
sequencer returns from fdatasync, then hands the receipt to the HTTP task that writes it) is
always printed after that return line. `-f` interleaves threads: a syscall may be split into
"name(args <unfinished ...>" (its entry) and "<... name resumed>rest) = ret" (its exit); both
halves are joined per thread id.

A simpler rule ("no segment write is unsynced when any 201 is sent") would be unsound for this
node: the sequencer may already write the next batch while the HTTP tasks are still sending the
previous batch's receipts. How often that happened is reported for information.

Also checked: every receipt the load generator received (--receipts, JSON lines) is among the
201s in the trace, with the leaf hash of the record found on disk at its index; the segment bytes
accounted for by the traced writes equal the segment files' sizes.

Exit 0 when every acknowledgement passes, 1 on any violation, 2 when the trace cannot be analysed.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import sys

LINE = re.compile(r"^(\d+)\s+(\d{2}:\d{2}:\d{2}\.\d+)\s+(.*)$")
UNFINISHED = re.compile(r"^(\w+)\((.*)\s*<unfinished \.\.\.>$")
RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
CALL = re.compile(r"^(\w+)\((.*)$")
# The return value: the last ") = N" of the line, optionally followed by "<path>" (-y) and an
# errno explanation.
RETURN = re.compile(r"^(.*)\)\s+=\s+(-?\d+|\?)(?:<[^>]*>)?(?:\s+.*)?$", re.S)
FD = re.compile(r"^(\d+)<(.*?)>")
INDEX = re.compile(r'\\"index\\":(\d+)')
SEGMENT_WRITES = {"write", "writev", "pwrite64"}
SOCKET_WRITES = {"write", "writev", "sendto", "sendmsg"}
SYNCS = {"fdatasync", "fsync"}


class Syscall:
    __slots__ = ("tid", "name", "args", "ret", "entry", "exit", "time")

    def __init__(self, tid, name, args, ret, entry, exit_, time):
        self.tid, self.name, self.args, self.ret = tid, name, args, ret
        self.entry, self.exit, self.time = entry, exit_, time

    def fd_target(self):
        match = FD.match(self.args)
        return match.group(2) if match else None

    def where(self):
        if self.entry == self.exit:
            return f"line {self.entry}"
        return f"lines {self.entry}-{self.exit}"


def parse_trace(path):
    """Returns the completed syscalls in order of their entry line."""
    calls, pending, problems = [], {}, []
    with open(path, encoding="utf-8", errors="surrogateescape") as trace:
        for number, raw in enumerate(trace, 1):
            line = raw.rstrip("\n")
            match = LINE.match(line)
            if not match:
                continue
            tid, time, rest = int(match.group(1)), match.group(2), match.group(3)
            if rest.startswith(("+++", "---")):
                continue  # exits and signals
            unfinished = UNFINISHED.match(rest)
            if unfinished:
                pending[tid] = (unfinished.group(1), unfinished.group(2), number, time)
                continue
            resumed = RESUMED.match(rest)
            if resumed:
                name, tail = resumed.group(1), resumed.group(2)
                started = pending.pop(tid, None)
                if started is None or started[0] != name:
                    problems.append(f"line {number}: '{name}' resumed without its start")
                    continue
                text, entry, time = started[1] + tail, started[2], started[3]
            else:
                call = CALL.match(rest)
                if not call:
                    continue
                name, text, entry = call.group(1), call.group(2), number
            returned = RETURN.match(text)
            if not returned:
                # e.g. a syscall cut off by the process exiting: "= ?"
                problems.append(f"line {number}: no return value in {rest[:120]!r}")
                continue
            value = returned.group(2)
            calls.append(
                Syscall(
                    tid,
                    name,
                    returned.group(1),
                    None if value == "?" else int(value),
                    entry,
                    number,
                    time,
                )
            )
    calls.sort(key=lambda call: call.entry)
    return calls, problems


def read_records(data):
    """Index -> (segment path, end offset of its frame, leaf hash base64), from the files."""
    directory = os.path.join(data, "log")
    records, sizes = {}, {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".seg"):
            continue
        path = os.path.realpath(os.path.join(directory, name))
        with open(path, "rb") as segment:
            content = segment.read()
        sizes[path] = len(content)
        cursor = 0
        while cursor + 8 <= len(content):
            length = int.from_bytes(content[cursor : cursor + 4], "big")
            end = cursor + 8 + length
            if end > len(content):
                break
            payload = content[cursor + 8 : end]
            index = int.from_bytes(payload[1:9], "big")
            leaf = base64.b64encode(hashlib.sha256(b"\x00" + payload).digest()).decode()
            if index in records:
                raise SystemExit(f"durability: record {index} appears twice in the segments")
            records[index] = (path, end, leaf)
            cursor = end
    return records, sizes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("--data", required=True, help="the node's data directory")
    parser.add_argument("--receipts", required=True, help="JSON lines of the receipts received")
    args = parser.parse_args()

    calls, problems = parse_trace(args.trace)
    records, sizes = read_records(args.data)

    # Segment writes as byte ranges, and successful segment syncs.
    written = {}  # path -> bytes accounted for so far
    writes = {}  # path -> [(end offset, Syscall)] in order
    syncs = {}  # path -> [Syscall] in order of entry
    acks = []  # (index, Syscall of the socket write with the status line)
    awaiting_body = {}  # socket -> Syscall whose 201 status line came without the receipt
    for call in calls:
        target = call.fd_target()
        if target is None:
            continue
        if target.endswith(".seg"):
            path = os.path.realpath(target)
            if call.name in SEGMENT_WRITES and call.ret is not None and call.ret > 0:
                if call.name == "pwrite64":
                    start = int(call.args.rsplit(",", 1)[1])
                else:
                    start = written.get(path, 0)
                written[path] = max(written.get(path, 0), start + call.ret)
                writes.setdefault(path, []).append((start + call.ret, call))
            elif call.name in SYNCS and call.ret == 0:
                syncs.setdefault(path, []).append(call)
        elif target.startswith("socket:") and call.name in SOCKET_WRITES:
            status = "HTTP/1.1 201 " in call.args
            start = call if status else awaiting_body.get(target)
            if start is None:
                continue
            index = INDEX.search(call.args)
            if index:
                acks.append((int(index.group(1)), start))
                awaiting_body.pop(target, None)
            elif status:
                awaiting_body[target] = call

    for path, size in sizes.items():
        if written.get(path, 0) != size:
            problems.append(
                f"{path}: the traced writes account for {written.get(path, 0)} bytes but the "
                f"file holds {size}: was the node's log empty when the trace started?"
            )

    receipts = {}
    with open(args.receipts, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                receipt = json.loads(line)
                receipts[receipt["index"]] = receipt

    passed, failed, overlapping = 0, [], 0
    acknowledged = {}
    for index, ack in acks:
        acknowledged.setdefault(index, ack)
        record = records.get(index)
        if record is None:
            failed.append(f"201 for index {index} ({ack.where()}): no such record on disk")
            continue
        path, end, _ = record
        carrier = next((call for stop, call in writes.get(path, []) if stop >= end), None)
        if carrier is None:
            failed.append(f"201 for index {index} ({ack.where()}): no traced write carried it")
            continue
        sync = next(
            (s for s in syncs.get(path, []) if s.entry > carrier.exit and s.exit < ack.entry),
            None,
        )
        if sync is None:
            later = next((s for s in syncs.get(path, []) if s.entry > carrier.exit), None)
            failed.append(
                f"201 for index {index} sent at {ack.where()} ({ack.time}) after its segment "
                f"write at {carrier.where()} but before any fdatasync of the segment returned"
                + (f" (the next one returned at line {later.exit})" if later else " (none did)")
            )
            continue
        passed += 1
        # Information only: was any later segment write still unsynced at this moment?
        newest = max(
            (call for _, call in writes.get(path, []) if call.exit < ack.entry),
            key=lambda call: call.exit,
        )
        if not any(newest.exit < s.entry and s.exit < ack.entry for s in syncs.get(path, [])):
            overlapping += 1

    for index, receipt in receipts.items():
        if index not in acknowledged:
            problems.append(f"receipt for index {index} has no 201 in the trace")
        elif index in records and records[index][2] != receipt["leaf_hash"]:
            problems.append(f"receipt for index {index}: leaf hash differs from the record")
    if len(acks) != len(receipts):
        problems.append(f"{len(acks)} 201 responses traced but {len(receipts)} receipts received")

    batches = sum(len(w) for w in writes.values())
    sync_count = sum(len(s) for s in syncs.values())
    print(
        f"durability: {len(records)} records written in {batches} segment writes, "
        f"{sync_count} segment syncs; {overlapping} acknowledgements were sent while a later "
        f"batch was already written but not yet synced (pipelining, allowed)"
    )
    for failure in failed[:20]:
        print(f"durability: VIOLATION: {failure}")
    for problem in problems[:20]:
        print(f"durability: PROBLEM: {problem}")
    print(
        f"durability: {len(acks)} acknowledgements, each after fdatasync of the segment: "
        f"{passed} passed, {len(failed)} failed"
    )
    if failed:
        return 1
    if problems or not acks:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
