#!/usr/bin/env python3
"""Request bodies, the identity header and the correctness checks for Benchmarks/profile/run.

h2load only sees HTTP status codes, and gRPC reports failures as HTTP 200 with a
grpc-status trailer, so whatever h2load sends is also replayed here through grpcio and
cross-checked against the service's own request counters.

Needs the Python modules generated from Protos/ on PYTHONPATH (the run script does that).

  payloads.py token SECRET_FILE
  payloads.py prepare --target HOST:PORT --token TOKEN --out DIR
  payloads.py verify --target HOST:PORT --echo HOST:PORT --admin HOST:PORT --token TOKEN
                     --dir DIR --updates N
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import sys
import time
import urllib.request

import grpc
from google.protobuf import field_mask_pb2

from loyalty.bench.v1 import echo_pb2
from loyalty.profile.v1 import profile_pb2

USER_ID = "bench-user"
PROFILE_SERVICE = "loyalty.profile.v1.ProfileService"
ECHO_METHOD = "/loyalty.bench.v1.Echo/Echo"
RPC_TIMEOUT = 10  # seconds; every call here is a single small unary RPC

# Body file name -> (gRPC method path, response type). The names are shared with the run script.
BODIES = {
    "get.bin": (f"/{PROFILE_SERVICE}/GetProfile", profile_pb2.Profile),
    "update.bin": (f"/{PROFILE_SERVICE}/UpdateProfile", profile_pb2.Profile),
    "echo.bin": (ECHO_METHOD, echo_pb2.EchoResponse),
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_token(secret_file: str, lifetime: int = 3600) -> str:
    with open(secret_file, "rb") as f:
        secret = f.read().rstrip(b"\r\n")
    # The MAC covers these exact bytes, so they are produced once and used for both parts.
    claims = json.dumps(
        {"sub": "bench", "role": "admin", "exp": int(time.time()) + lifetime},
        separators=(",", ":"),
    ).encode("utf-8")
    mac = hmac.new(secret, claims, hashlib.sha256).digest()
    return f"v1.{b64url(claims)}.{b64url(mac)}"


def grpc_frame(message) -> bytes:
    """A length-prefixed gRPC message: uncompressed flag, 4-byte big-endian length, bytes."""
    data = message.SerializeToString()
    return struct.pack(">BI", 0, len(data)) + data


def unframe(body: bytes) -> bytes:
    flag, length = struct.unpack(">BI", body[:5])
    if flag != 0 or length != len(body) - 5:
        raise ValueError("not a single uncompressed gRPC message")
    return body[5:]


def call(channel, method, request_bytes, response_type, token=None):
    """One unary call sending `request_bytes` untouched, as h2load does."""
    stub = channel.unary_unary(
        method,
        request_serializer=None,  # the request is already serialized
        response_deserializer=response_type.FromString,
    )
    metadata = [("x-loyalty-identity", token)] if token else None
    return stub(request_bytes, metadata=metadata, timeout=RPC_TIMEOUT)


def sample_profile() -> "profile_pb2.Profile":
    # Sized like a real traveller: a couple of airlines and two programmes with status.
    return profile_pb2.Profile(
        user_id=USER_ID,
        display_name="Benchmark Traveller",
        home_airport="SFO",
        preferred_airlines=["UA", "AS"],
        memberships=[
            profile_pb2.Membership(
                program_id="ua-mileageplus",
                member_number="AB123456",
                elite_tier="Premier Gold",
                tier_expiry_date="2027-01-31",
                balance=184_250,
            ),
            profile_pb2.Membership(
                program_id="as-mileageplan",
                member_number="98765432",
                elite_tier="MVP Gold",
                tier_expiry_date="2026-12-31",
                balance=52_300,
            ),
        ],
    )


def prepare(args) -> None:
    with grpc.insecure_channel(args.target) as channel:
        create = profile_pb2.CreateProfileRequest(profile=sample_profile())
        call(channel, f"/{PROFILE_SERVICE}/CreateProfile", create.SerializeToString(),
             profile_pb2.Profile, args.token)
        get = profile_pb2.GetProfileRequest(user_id=USER_ID)
        stored = call(channel, BODIES["get.bin"][0], get.SerializeToString(),
                      profile_pb2.Profile, args.token)

    # Without expected_version, concurrent writers never conflict: every request commits.
    update = profile_pb2.UpdateProfileRequest(
        profile=profile_pb2.Profile(user_id=USER_ID, display_name="Benchmark Traveller (updated)"),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
    )
    # The echo server then moves as many bytes per call as GetProfile answers with.
    response_size = len(stored.SerializeToString())
    echo = echo_pb2.EchoRequest(payload=os.urandom(response_size))

    os.makedirs(args.out, exist_ok=True)
    for name, message in (("get.bin", get), ("update.bin", update), ("echo.bin", echo)):
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(grpc_frame(message))
    print(f"profile '{USER_ID}' created (version {stored.version}); GetProfile response "
          f"{response_size} bytes, echo payload {response_size} bytes")


def served_counts(admin: str) -> dict:
    """(method, status) -> count from the service's Prometheus request counter."""
    with urllib.request.urlopen(f"http://{admin}/metrics", timeout=RPC_TIMEOUT) as response:
        text = response.read().decode("utf-8")
    counts = {}
    for line in text.splitlines():
        if not line.startswith("grpc_server_requests_total{"):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
        value = float(line.rsplit(" ", 1)[1])
        key = (labels.get("method", "?"), labels.get("status", "?"))
        counts[key] = counts.get(key, 0) + value
    return counts


def verify(args) -> None:
    problems = []
    bodies = {}
    for name in BODIES:
        with open(os.path.join(args.dir, name), "rb") as f:
            bodies[name] = unframe(f.read())

    with grpc.insecure_channel(args.target) as profile_channel, \
            grpc.insecure_channel(args.echo) as echo_channel:
        # Every update sent by h2load must have committed exactly once.
        method, response_type = BODIES["get.bin"]
        profile = call(profile_channel, method, bodies["get.bin"], response_type, args.token)
        expected = 1 + args.updates
        if profile.version != expected:
            problems.append(f"profile version is {profile.version}, expected {expected} "
                            f"(1 + {args.updates} updates)")

        method, response_type = BODIES["update.bin"]
        updated = call(profile_channel, method, bodies["update.bin"], response_type, args.token)
        if updated.version != profile.version + 1:
            problems.append(f"UpdateProfile returned version {updated.version}, "
                            f"expected {profile.version + 1}")

        method, response_type = BODIES["echo.bin"]
        echoed = call(echo_channel, method, bodies["echo.bin"], response_type)
        if echoed.payload != echo_pb2.EchoRequest.FromString(bodies["echo.bin"]).payload:
            problems.append("Echo returned a different payload")

    # Covers every request h2load sent to the service, not only the samples above.
    counts = served_counts(args.admin)
    for (method, status), count in sorted(counts.items()):
        if status != "ok" and method.startswith(PROFILE_SERVICE + "/"):
            problems.append(f"{int(count)} {method} calls ended with status {status}")

    if problems:
        for problem in problems:
            print(f"verify: {problem}", file=sys.stderr)
        sys.exit(1)
    ok = {m.rsplit("/", 1)[1]: int(c) for (m, s), c in counts.items()
          if s == "ok" and m.startswith(PROFILE_SERVICE + "/")}
    print(f"verified: version {profile.version} = 1 + {args.updates} updates; samples of all "
          f"three bodies succeed; service counted only OK calls {ok}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    token = commands.add_parser("token", help="print an admin identity header value")
    token.add_argument("secret_file")

    prepare_cmd = commands.add_parser("prepare", help="create the profile, write the bodies")
    verify_cmd = commands.add_parser("verify", help="check that what h2load sent succeeded")
    for sub in (prepare_cmd, verify_cmd):
        sub.add_argument("--target", required=True, help="profile-service gRPC host:port")
        sub.add_argument("--token", required=True, help="x-loyalty-identity value")
    prepare_cmd.add_argument("--out", required=True, help="folder for the body files")
    verify_cmd.add_argument("--echo", required=True, help="echo-server host:port")
    verify_cmd.add_argument("--admin", required=True, help="profile-service admin host:port")
    verify_cmd.add_argument("--dir", required=True, help="folder holding the body files")
    verify_cmd.add_argument("--updates", type=int, required=True,
                            help="UpdateProfile calls sent so far")

    args = parser.parse_args()
    try:
        if args.command == "token":
            print(make_token(args.secret_file))
        elif args.command == "prepare":
            prepare(args)
        else:
            verify(args)
    except grpc.RpcError as error:
        print(f"{args.command}: RPC failed: {error.code().name}: {error.details()}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
