#!/usr/bin/env python3
"""Gateway config and correctness checks for Benchmarks/gateway/run.

h2load only sees HTTP status codes, and gRPC reports failures as HTTP 200 with a
grpc-status trailer. So after the load this script (1) compares the request counters of
profile-service and the gateway with what h2load sent and (2) replays the exact GetProfile
body through grpcio against all three targets, checking grpc-status and the response.

The identity header, the profile and the body files come from ../profile/payloads.py.
Needs the Python modules generated from Protos/ on PYTHONPATH (the run script does that).

  checks.py config --profile HOST:PORT --read-rate R --read-burst B --out FILE
  checks.py verify --direct HOST:PORT --nginx HOST:PORT --gateway HOST:PORT
                   --token TOKEN --api-key KEY --body FILE
                   --service-admin HOST:PORT --gateway-admin HOST:PORT
                   --service-gets N --gateway-gets M [--samples K]
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


def counted(args):
    """(service GetProfile ok, service non-ok by method/status, gateway ok+allowed, gateway other)."""
    service_ok, service_bad = 0, {}
    for labels, value in metric(args.service_admin, "grpc_server_requests_total"):
        method, status = labels.get("method", "?"), labels.get("status", "?")
        if not method.startswith(SERVICE + "/"):
            continue  # health probes from the gateway
        if status != "ok":
            service_bad[f"{method} {status}"] = service_bad.get(f"{method} {status}", 0) + value
        elif method.endswith("/GetProfile"):
            service_ok += value
    gateway_ok, gateway_bad = 0, {}
    for labels, value in metric(args.gateway_admin, "gateway_requests_total"):
        key = " ".join(f"{k}={labels.get(k, '?')}" for k in ("route", "status", "limiter"))
        # limiter=allowed proves the rate limiter ran (a class without a limit says "unlimited").
        if labels.get("route") == GET_METHOD and labels.get("status") == "ok" and labels.get("limiter") == "allowed":
            gateway_ok += value
        else:
            gateway_bad[key] = gateway_bad.get(key, 0) + value
    return int(service_ok), service_bad, int(gateway_ok), gateway_bad


def verify(args) -> None:
    problems = []
    # 1. Counters, before any sample call adds to them. A counter may lag the response h2load
    #    saw by a moment, so wait briefly for the expected totals.
    deadline = time.monotonic() + 3
    while True:
        service_ok, service_bad, gateway_ok, gateway_bad = counted(args)
        if (service_ok, gateway_ok) == (args.service_gets, args.gateway_gets) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if service_ok != args.service_gets:
        problems.append(f"profile-service counted {service_ok} OK GetProfile calls; h2load sent "
                        f"{args.service_gets} (direct + nginx + gateway) plus the setup read")
    for key, value in sorted(service_bad.items()):
        problems.append(f"profile-service: {int(value)} calls {key}")
    if gateway_ok != args.gateway_gets:
        problems.append(f"gateway counted {gateway_ok} OK rate-limit-allowed GetProfile calls; "
                        f"h2load sent {args.gateway_gets} to it")
    for key, value in sorted(gateway_bad.items()):
        problems.append(f"gateway: {int(value)} calls {key}")

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
                    problems.append(f"{name}: GetProfile ended with {error.code().name}: {error.details()}")
                    break
                samples += 1
                reference = reference or profile
                if profile != reference:
                    problems.append(f"{name}: GetProfile returned a different profile")
                    break

    for problem in problems:
        print(f"verify: {problem}", file=sys.stderr)
    # One line for the run script: number of problems, then what was checked.
    print(f"{len(problems)} service OK GetProfile={service_ok} gateway OK/allowed={gateway_ok} "
          f"grpcio samples OK={samples}/{3 * args.samples}")


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
    check.add_argument("--samples", type=int, default=20, help="grpcio calls per target")

    args = parser.parse_args()
    if args.command == "config":
        write_config(args)
    else:
        verify(args)


if __name__ == "__main__":
    main()
