#!/usr/bin/env python3
"""Calls profile-service with Google's gRPC implementation (grpcio), as an independent client.

Usage: profile_interop.py --target HOST:PORT --secret-file FILE
Generates Python stubs from Protos/ into a temporary folder, then exercises health Check and
Watch, and creates, reads, updates and lists a profile, signing calls the way the suite's
internal identity requires. Exits 0 when every check passes; prints what failed otherwise.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def generate_stubs(out_dir):
    protos = ["loyalty/profile/v1/profile.proto"]
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(ROOT, "Protos"),
         f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", *protos],
        check=True,
    )
    sys.path.insert(0, out_dir)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def identity_token(secret, subject, role, lifetime=60):
    claims = json.dumps({"sub": subject, "role": role, "exp": int(time.time()) + lifetime}).encode()
    mac = hmac.new(secret, claims, hashlib.sha256).digest()
    return f"v1.{b64url(claims)}.{b64url(mac)}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--secret-file", required=True)
    args = parser.parse_args()

    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with open(args.secret_file, "rb") as handle:
        secret = handle.read().rstrip(b"\r\n")

    with tempfile.TemporaryDirectory() as stubs:
        generate_stubs(stubs)
        from google.protobuf import field_mask_pb2
        from loyalty.profile.v1 import profile_pb2, profile_pb2_grpc

        channel = grpc.insecure_channel(args.target)
        health = health_pb2_grpc.HealthStub(channel)
        for service in ["", "loyalty.profile.v1.ProfileService"]:
            status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status
            assert status == health_pb2.HealthCheckResponse.SERVING, f"health {service!r}: {status}"
        watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=5)
        first = next(watch)
        assert first.status == health_pb2.HealthCheckResponse.SERVING, f"watch: {first.status}"
        watch.cancel()
        try:
            health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
            raise AssertionError("unknown service should be NOT_FOUND")
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.NOT_FOUND, error.code()

        profiles = profile_pb2_grpc.ProfileServiceStub(channel)
        traveler = [("x-loyalty-identity", identity_token(secret, "py-traveler", "traveler"))]
        created = profiles.CreateProfile(
            profile_pb2.CreateProfileRequest(profile=profile_pb2.Profile(
                user_id="py-traveler", display_name="From Python", home_airport="sfo",
                preferred_alliances=[profile_pb2.ALLIANCE_STAR_ALLIANCE])),
            metadata=traveler, timeout=5)
        assert created.version == 1 and created.home_airport == "SFO", created
        fetched = profiles.GetProfile(profile_pb2.GetProfileRequest(user_id="py-traveler"), metadata=traveler, timeout=5)
        assert fetched == created, (fetched, created)
        updated = profiles.UpdateProfile(
            profile_pb2.UpdateProfileRequest(
                profile=profile_pb2.Profile(user_id="py-traveler", display_name="Renamed in Python"),
                update_mask=field_mask_pb2.FieldMask(paths=["display_name"]), expected_version=1),
            metadata=traveler, timeout=5)
        assert updated.version == 2 and updated.display_name == "Renamed in Python", updated

        for call, request, expected in [
            (profiles.GetProfile, profile_pb2.GetProfileRequest(user_id="someone-else"), grpc.StatusCode.PERMISSION_DENIED),
            (profiles.GetProfile, profile_pb2.GetProfileRequest(user_id="bad id!"), grpc.StatusCode.INVALID_ARGUMENT),
            (profiles.ListProfiles, profile_pb2.ListProfilesRequest(), grpc.StatusCode.PERMISSION_DENIED),
        ]:
            try:
                call(request, metadata=traveler, timeout=5)
                raise AssertionError(f"{request} should fail with {expected}")
            except grpc.RpcError as error:
                assert error.code() == expected, (request, error.code(), error.details())
        try:
            profiles.GetProfile(profile_pb2.GetProfileRequest(user_id="py-traveler"), timeout=5)
            raise AssertionError("a call without identity should be UNAUTHENTICATED")
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error.code()

        admin = [("x-loyalty-identity", identity_token(secret, "py-admin", "admin"))]
        listed = profiles.ListProfiles(profile_pb2.ListProfilesRequest(page_size=10), metadata=admin, timeout=5)
        assert "py-traveler" in [p.user_id for p in listed.profiles], listed
        channel.close()
    print("interop: grpcio client passed every check")


if __name__ == "__main__":
    main()
