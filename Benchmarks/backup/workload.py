#!/usr/bin/env python3
"""The load and the observers of Benchmarks/backup/run: writers at a steady rate, the backup
lag sampler, a file watcher that shows the stages of a snapshot or restore, and waits on
backup-service's status.

Each long-running command runs until SIGTERM (or its --max-seconds) and writes one CSV row per
event as it happens, so the run script can cut the rows into windows afterwards. Times are
wall-clock seconds (time.time()), comparable with `date +%s.%N` in the run script.

Needs the Python modules generated from Protos/ on PYTHONPATH (the run script does that).

  workload.py write  --target HOST:PORT --token T --rate R --profiles N --prefix P --out CSV
  workload.py lag    --backup HOST:PORT --admin HOST:PORT --token T --interval S --out CSV
  workload.py watch  --dir DIR... --interval S --out CSV
  workload.py wait-snapshot --backup HOST:PORT --token T --count N --timeout S
  workload.py wait-stored   --backup HOST:PORT --token T --seq N --timeout S
"""

import argparse
import json
import os
import random
import re
import signal
import sys
import threading
import time
import urllib.request

import grpc

import dataset
from loyalty.backup.v1 import backup_pb2, backup_pb2_grpc
from loyalty.profile.v1 import profile_pb2, profile_pb2_grpc

SERVICE = "profile"
WRITE_TIMEOUT = 5  # seconds per AdjustBalance; a write slower than that counts as failed
STATUS_TIMEOUT = 5


class Stop:
    """Set by SIGTERM/SIGINT or when the time limit passes."""

    def __init__(self, max_seconds):
        self.event = threading.Event()
        self.deadline = time.monotonic() + max_seconds
        signal.signal(signal.SIGTERM, lambda *_: self.event.set())
        signal.signal(signal.SIGINT, lambda *_: self.event.set())

    def wait(self, seconds):
        """Sleeps up to `seconds`; True once it is time to stop."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return True
        return self.event.wait(min(seconds, remaining)) or time.monotonic() >= self.deadline


def metadata(token):
    return [("x-loyalty-identity", token)]


# --- writers ------------------------------------------------------------------------------

def write(args) -> None:
    """AdjustBalance at a fixed rate on random travellers, open loop: each call is sent at its
    scheduled time whether or not earlier ones have answered, so a slow service shows as
    latency, not as fewer calls."""
    stop = Stop(args.max_seconds)
    rng = random.Random(args.seed)
    answered = threading.Condition()
    state = {"answered": 0}
    out = open(args.out, "w", buffering=1)
    out.write("request_id,user_id,sent,latency,status\n")
    sent = 0
    behind_max = 0.0

    def record(request, sent_wall, began, future):
        latency = time.perf_counter() - began
        code = future.code()
        status = "OK" if code == grpc.StatusCode.OK else (code.name if code else "UNKNOWN")
        with answered:
            if out.closed:
                return
            out.write(f"{request.request_id},{request.user_id},{sent_wall:.6f},{latency:.6f},{status}\n")
            state["answered"] += 1
            answered.notify_all()

    with grpc.insecure_channel(args.target) as channel:
        stub = profile_pb2_grpc.ProfileServiceStub(channel)
        grpc.channel_ready_future(channel).result(timeout=10)
        interval = 1.0 / args.rate
        start = time.monotonic()
        while True:
            scheduled = start + sent * interval
            if stop.wait(max(0.0, scheduled - time.monotonic())):
                break
            behind_max = max(behind_max, time.monotonic() - scheduled)
            index = rng.randint(1, args.profiles)
            request = profile_pb2.AdjustBalanceRequest(
                user_id=dataset.user_id(index), program_id=dataset.first_program(index), delta=1 + sent % 50,
                request_id=f"{args.prefix}-{sent:07d}", reason="benchmark write")
            sent_wall = time.time()
            began = time.perf_counter()
            future = stub.AdjustBalance.future(request, metadata=metadata(args.token), timeout=WRITE_TIMEOUT)
            future.add_done_callback(
                lambda f, request=request, sent_wall=sent_wall, began=began: record(request, sent_wall, began, f))
            sent += 1
        # Every call answers or fails within its deadline.
        with answered:
            answered.wait_for(lambda: state["answered"] >= sent, timeout=WRITE_TIMEOUT + 5)
            out.close()
    print(f"writer {args.prefix}: {sent} calls at {args.rate}/s; sending fell behind schedule by at most "
          f"{behind_max * 1000:.1f} ms", file=sys.stderr)


# --- backup lag -----------------------------------------------------------------------------

LAG_SERIES = re.compile(r'^backup_lag_seconds\{[^}]*service="profile"[^}]*\}\s+(\S+)', re.M)


def lag(args) -> None:
    """Samples the profile's backup lag from GetStatus (computed when asked) and from the
    admin /metrics gauge (refreshed by the service once a second)."""
    stop = Stop(args.max_seconds)
    with grpc.insecure_channel(args.backup) as channel, open(args.out, "w", buffering=1) as out:
        stub = backup_pb2_grpc.BackupServiceStub(channel)
        out.write("at,lag,metrics_lag,last_stored_seq,pending,shipping\n")
        next_at = time.monotonic()
        while True:
            at = time.time()
            row = {"lag": "", "last_stored_seq": "", "pending": "", "shipping": "", "metrics_lag": ""}
            try:
                profile = profile_status(stub, args.token)
                row.update(lag=f"{profile.lag_seconds:.6f}", last_stored_seq=profile.last_stored_seq,
                           pending=profile.pending_records, shipping=int(profile.shipping))
            except (grpc.RpcError, StopIteration):
                pass
            try:
                with urllib.request.urlopen(f"http://{args.admin}/metrics", timeout=STATUS_TIMEOUT) as response:
                    found = LAG_SERIES.search(response.read().decode("utf-8"))
                row["metrics_lag"] = found.group(1) if found else ""
            except OSError:
                pass
            out.write(f"{at:.6f},{row['lag']},{row['metrics_lag']},{row['last_stored_seq']},{row['pending']},{row['shipping']}\n")
            next_at += args.interval
            if stop.wait(max(0.0, next_at - time.monotonic())):
                break


# --- files ----------------------------------------------------------------------------------

def watch(args) -> None:
    """Logs when files in the given folders appear, grow and disappear: the stages of a
    snapshot or a restore show as the scratch and target files they write."""
    stop = Stop(args.max_seconds)
    sizes = {}
    with open(args.out, "w", buffering=1) as out:
        out.write("at,event,path,size\n")
        while True:
            at = time.time()
            seen = {}
            for folder in args.dir:
                try:
                    with os.scandir(folder) as entries:
                        for entry in entries:
                            try:
                                if entry.is_file(follow_symlinks=False):
                                    seen[entry.path] = entry.stat(follow_symlinks=False).st_size
                            except FileNotFoundError:
                                pass
                except FileNotFoundError:
                    pass
            for path, size in seen.items():
                if path not in sizes:
                    out.write(f"{at:.6f},new,{path},{size}\n")
                elif sizes[path] != size:
                    out.write(f"{at:.6f},size,{path},{size}\n")
            for path in sizes.keys() - seen.keys():
                out.write(f"{at:.6f},gone,{path},{sizes[path]}\n")
            sizes = seen
            if stop.wait(args.interval):
                break


# --- waits ----------------------------------------------------------------------------------

def profile_status(stub, token):
    status = stub.GetStatus(backup_pb2.GetStatusRequest(), metadata=metadata(token), timeout=STATUS_TIMEOUT)
    return next(s for s in status.services if s.service == SERVICE)


def wait_until(args, what, condition):
    deadline = time.monotonic() + args.timeout
    last = None
    with grpc.insecure_channel(args.backup) as channel:
        stub = backup_pb2_grpc.BackupServiceStub(channel)
        while time.monotonic() < deadline:
            try:
                last = profile_status(stub, args.token)
                if condition(stub, last):
                    return last
            except grpc.RpcError as error:
                last = f"{error.code().name}: {error.details()}"
            time.sleep(0.2)
    sys.exit(f"timed out after {args.timeout}s waiting for {what}; last status: {last}")


def wait_snapshot(args) -> None:
    """Waits until the profile has at least --count snapshots; prints the newest as JSON."""
    def enough(stub, _):
        points = stub.ListRecoveryPoints(backup_pb2.ListRecoveryPointsRequest(service=SERVICE),
                                         metadata=metadata(args.token), timeout=STATUS_TIMEOUT)
        return sum(len(s.snapshots) for s in points.services) >= args.count
    status = wait_until(args, f"{args.count} snapshot(s) of {SERVICE}", enough)
    snapshot = status.last_snapshot
    print(json.dumps({"id": snapshot.id, "size_bytes": snapshot.size_bytes, "last_seq": snapshot.last_seq}))


def wait_stored(args) -> None:
    """Waits until backup-service has stored the profile's journal up to --seq."""
    status = wait_until(args, f"sequence {args.seq} to be stored",
                        lambda _, s: s.last_stored_seq >= args.seq)
    print(status.last_stored_seq)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    writer = commands.add_parser("write", help="AdjustBalance at a steady rate")
    writer.add_argument("--target", required=True, help="profile-service gRPC host:port")
    writer.add_argument("--rate", type=float, required=True, help="calls per second")
    writer.add_argument("--profiles", type=int, required=True, help="travellers 1..N to pick from")
    writer.add_argument("--prefix", required=True, help="request id prefix, unique per writer run")
    writer.add_argument("--seed", type=int, default=42)

    sampler = commands.add_parser("lag", help="sample the profile's backup lag")
    sampler.add_argument("--backup", required=True, help="backup-service gRPC host:port")
    sampler.add_argument("--admin", required=True, help="backup-service admin host:port")
    sampler.add_argument("--interval", type=float, default=0.1)

    watcher = commands.add_parser("watch", help="log file changes in folders")
    watcher.add_argument("--dir", action="append", required=True)
    watcher.add_argument("--interval", type=float, default=0.05)

    for sub in (writer, sampler, watcher):
        sub.add_argument("--out", required=True, help="CSV file")
        sub.add_argument("--max-seconds", type=float, default=3600, help="stop after this long at the latest")
    for sub in (writer, sampler):
        sub.add_argument("--token", required=True, help="x-loyalty-identity value")

    snapshots = commands.add_parser("wait-snapshot", help="wait for the profile's snapshots")
    snapshots.add_argument("--count", type=int, default=1)
    stored = commands.add_parser("wait-stored", help="wait until a journal sequence is stored")
    stored.add_argument("--seq", type=int, required=True)
    for sub in (snapshots, stored):
        sub.add_argument("--backup", required=True, help="backup-service gRPC host:port")
        sub.add_argument("--token", required=True)
        sub.add_argument("--timeout", type=float, required=True, help="seconds")

    args = parser.parse_args()
    {"write": write, "lag": lag, "watch": watch, "wait-snapshot": wait_snapshot, "wait-stored": wait_stored}[args.command](args)


if __name__ == "__main__":
    main()
