#!/usr/bin/env python3
"""Gateway config and correctness checks for Benchmarks/gateway/run.

h2load only sees HTTP status codes, and gRPC reports failures as HTTP 200 with a
grpc-status trailer. So after the load this script checks what clients got: (1)
profile-service's request counter (every call, whichever way it came, with its status) against
what h2load sent and (2) the exact GetProfile body replayed through grpcio against all three
targets, checking grpc-status and the response. Separately it checks the gateway's own view:
its request counter by status and limiter decision, and upstream retries in its access log.

The identity header, the profile and the body files come from ../profile/payloads.py.
Needs the Python modules generated from Protos/ on PYTHONPATH (the run script does that).

  checks.py config --profile HOST:PORT --read-rate R --read-burst B --out FILE
  checks.py verify --direct HOST:PORT --nginx HOST:PORT --gateway HOST:PORT
                   --token TOKEN --api-key KEY --body FILE
                   --service-admin HOST:PORT --gateway-admin HOST:PORT
                   --service-gets N --gateway-gets M [--gateway-log FILE] [--samples K]
"""

import argparse
import json
import os
import re
import sys
import time
import urllib.request

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "profile"))
import payloads  # noqa: E402  (the profile benchmark's helpers: call, unframe, RPC_TIMEOUT)
from loyalty.profile.v1 import profile_pb2  # noqa: E402

SERVICE = "loyalty.profile.v1.ProfileService"
GET_METHOD = f"/{SERVICE}/GetProfile"


def write_config(args) -> None:
    """A gateway.json routing v1 of the profile API to the one profile-service, with the
    production rate-limit classes except `read`, which is set far above the load so the
    limiter runs on every call but never refuses one."""
    config = {
        "versions": [{"name": "v1"}],
        "upstreams": [{"name": "profile", "targets": [args.profile], "required": True}],
        "aliases": [{"name": "profile-v1", "pools": [{"pool": "profile", "weight": 100}]}],
        "routes": [{"apiVersion": "v1", "service": SERVICE, "alias": "profile-v1"}],
        "rateLimits": {
            "classes": {
                "read": {"ratePerSecond": args.read_rate, "burst": args.read_burst},
                "write": {"ratePerSecond": 50, "burst": 100},
                "admin": {"ratePerSecond": 20, "burst": 40},
                "health": {"ratePerSecond": 50, "burst": 100},
            },
            "anonymousClasses": {"health": {"ratePerSecond": 20, "burst": 40}},
        },
    }
    with open(args.out, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def metric(admin: str, name: str) -> list:
    """[(labels, value)] of one Prometheus counter from an admin /metrics endpoint."""
    with urllib.request.urlopen(f"http://{admin}/metrics", timeout=payloads.RPC_TIMEOUT) as response:
        text = response.read().decode("utf-8")
    rows = []
    for line in text.splitlines():
        if line.startswith(name + "{"):
            rows.append((dict(re.findall(r'(\w+)="([^"]*)"', line)), float(line.rsplit(" ", 1)[1])))
    return rows


def service_counts(admin: str):
    """(OK GetProfile calls, {"method status": count} of non-OK ProfileService calls)."""
    ok, bad = 0, {}
    for labels, value in metric(admin, "grpc_server_requests_total"):
        method, status = labels.get("method", "?"), labels.get("status", "?")
        if not method.startswith(SERVICE + "/"):
            continue  # health probes from the gateway
        if status != "ok":
            bad[f"{method} {status}"] = bad.get(f"{method} {status}", 0) + int(value)
        elif method.endswith("/GetProfile"):
            ok += int(value)
    return ok, bad


def gateway_counts(admin: str):
    """{"status/limiter": count} of the gateway's GetProfile calls, and other routes."""
    counts = {}
    for labels, value in metric(admin, "gateway_requests_total"):
        key = f"{labels.get('status', '?')}/{labels.get('limiter', '?')}"
        if labels.get("route") != GET_METHOD:
            key = f"{labels.get('route', '?')} {key}"
        counts[key] = counts.get(key, 0) + int(value)
    return counts


def retried_calls(log_file: str):
    """Calls the gateway's access log shows with more than one upstream attempt; None when
    there is no access log (log level above info)."""
    calls = retried = 0
    with open(log_file, errors="replace") as f:
        for line in f:
            if '"msg":"call"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            calls += 1
            if int(entry.get("attempts", "1")) > 1:
                retried += 1
    return retried if calls else None


def verify(args) -> None:
    client, gateway = [], []
    # 1. Counters, before any sample call adds to them. A counter may lag the response h2load
    #    saw by a moment, so wait briefly for the expected totals.
    deadline = time.monotonic() + 3
    while True:
        service_ok, service_bad = service_counts(args.service_admin)
        by_status = gateway_counts(args.gateway_admin)
        if (service_ok >= args.service_gets and sum(by_status.values()) >= args.gateway_gets) \
                or time.monotonic() > deadline:
            break
        time.sleep(0.1)

    # What clients saw (h2load's status and byte counts are checked by the run script). Every
    # call h2load sent must have been answered OK by profile-service, whichever way it came.
    if service_ok < args.service_gets:
        client.append(f"profile-service counted {service_ok} OK GetProfile calls; h2load sent "
                      f"{args.service_gets - 1} (direct + nginx + gateway) plus the setup read")

    # 2. The exact body h2load sent, through grpcio, to each target: grpc-status must be OK
    #    and the profile the same as the direct answer.
    with open(args.body, "rb") as f:
        body = payloads.unframe(f.read())
    targets = (
        ("direct", args.direct, [("x-loyalty-identity", args.token)]),
        ("nginx", args.nginx, [("x-loyalty-identity", args.token)]),
        ("gateway", args.gateway, [("x-api-key", args.api_key)]),
    )
    reference = None
    samples = 0
    for name, address, metadata in targets:
        with grpc.insecure_channel(address) as channel:
            stub = channel.unary_unary(GET_METHOD, request_serializer=None,
                                       response_deserializer=profile_pb2.Profile.FromString)
            for _ in range(args.samples):
                try:
                    profile = stub(body, metadata=metadata, timeout=payloads.RPC_TIMEOUT)
                except grpc.RpcError as error:
                    client.append(f"{name}: GetProfile ended with {error.code().name}: {error.details()}")
                    break
                samples += 1
                reference = reference or profile
                if profile != reference:
                    client.append(f"{name}: GetProfile returned a different profile")
                    break

    # 3. The gateway's own view: its counter should say ok (and allowed: the limiter ran) for
    #    every call, with no upstream retries, so no call served twice upstream and no upstream
    #    attempt left unfinished (profile-service counts those as non-OK calls, although the
    #    client got its answer from the retry; nginx and direct calls that failed would already
    #    have failed the h2load checks).
    ok = by_status.get("ok/allowed", 0)
    if ok != args.gateway_gets:
        other = ", ".join(f"{v} {k}" for k, v in sorted(by_status.items()) if k != "ok/allowed")
        gateway.append(f"gateway_requests_total has {ok} ok/allowed GetProfile calls of the "
                       f"{args.gateway_gets} h2load sent; also {other or 'nothing else'}")
    duplicates = service_ok - args.service_gets
    if duplicates > 0:
        gateway.append(f"profile-service served {duplicates} more GetProfile calls than were sent "
                       f"(calls the gateway retried after the service had answered)")
    for key, value in sorted(service_bad.items()):
        gateway.append(f"profile-service counted {value} calls {key} (abandoned upstream attempts)")
    retried = retried_calls(args.gateway_log) if args.gateway_log else None
    if retried:
        gateway.append(f"the gateway's access log shows {retried} calls retried upstream")

    for problem in client:
        print(f"verify: {problem}", file=sys.stderr)
    for problem in gateway:
        print(f"verify (gateway): {problem}", file=sys.stderr)
    # Two lines for the run script: "<label> <number of problems> <what was checked>".
    print(f"client {len(client)} profile-service answered {service_ok} GetProfile OK for "
          f"{args.service_gets} sent; grpcio samples: {samples}/{3 * args.samples} OK")
    statuses = ", ".join(f"{v} {k}" for k, v in sorted(by_status.items()))
    print(f"gateway {len(gateway)} counter: {statuses or 'empty'}; retried: "
          f"{'n/a (no access log)' if retried is None else retried}; served twice: {max(duplicates, 0)}; "
          f"non-OK upstream: {sum(service_bad.values())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    config = commands.add_parser("config", help="write the gateway's JSON config")
    config.add_argument("--profile", required=True, help="profile-service gRPC host:port")
    config.add_argument("--read-rate", type=float, required=True)
    config.add_argument("--read-burst", type=int, required=True)
    config.add_argument("--out", required=True)

    check = commands.add_parser("verify", help="check that every call got grpc-status OK")
    for name in ("direct", "nginx", "gateway", "service-admin", "gateway-admin"):
        check.add_argument(f"--{name}", required=True, help="host:port")
    check.add_argument("--token", required=True, help="x-loyalty-identity value")
    check.add_argument("--api-key", required=True, help="gateway API key")
    check.add_argument("--body", required=True, help="the GetProfile body file h2load sent")
    check.add_argument("--service-gets", type=int, required=True,
                       help="OK GetProfile calls profile-service should have counted")
    check.add_argument("--gateway-gets", type=int, required=True,
                       help="GetProfile calls h2load sent to the gateway")
    check.add_argument("--gateway-log", help="the gateway's stderr (JSON access log at level info)")
    check.add_argument("--samples", type=int, default=20, help="grpcio calls per target")

    args = parser.parse_args()
    if args.command == "config":
        write_config(args)
    else:
        verify(args)


if __name__ == "__main__":
    main()
