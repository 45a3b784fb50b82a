#!/usr/bin/env python3
"""Calls the API gateway with Google's gRPC implementation (grpcio), as an independent client.

Usage: gateway_interop.py --target HOST:PORT --api-key KEY --api-key-user USER
                          --jwt TOKEN --jwt-user USER --other-user USER

--api-key authenticates as traveller --api-key-user, whose profile exists; --jwt as traveller
--jwt-user, whose profile does not exist yet (this script creates it); --other-user is another
traveller's existing profile, which neither credential may read.

Generates Python stubs from Protos/ into a temporary folder, then checks, on the gateway's gRPC
port: profile calls with an API key (x-api-key and authorization: Bearer) and with a JWT, the
status code and message of NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED and UNAUTHENTICATED,
x-request-id in the initial metadata (created, or kept when the client sends one), health Check
and the first message of the server-streaming Watch, and server reflection (v1alpha through
grpcio-reflection's descriptor database, v1 by hand): the routed services and the descriptor of
loyalty.profile.v1.ProfileService with its methods. Exits 0 when every check passes; otherwise
prints every failed check and exits 1.
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

EXPECTED_SERVICES = {
    "loyalty.profile.v1.ProfileService",
    "loyalty.profile.v2.ProfileService",
    "loyalty.graph.v1.GraphService",
    "loyalty.advisor.v1.AdvisorService",
    "loyalty.ingestion.v1.IngestionService",
    "loyalty.backup.v1.BackupService",
    "loyalty.gateway.v1.GatewayAdmin",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def generate_stubs(out_dir):
    protos = ["loyalty/profile/v1/profile.proto"]
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(ROOT, "Protos"),
         f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", *protos],
        check=True,
    )
    sys.path.insert(0, out_dir)


def metadata_value(metadata, key):
    for entry in metadata or ():
        if entry.key == key:
            return entry.value
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True, help="the gateway's gRPC address, HOST:PORT")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--api-key-user", required=True)
    parser.add_argument("--jwt", required=True)
    parser.add_argument("--jwt-user", required=True)
    parser.add_argument("--other-user", required=True)
    args = parser.parse_args()

    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
    from google.protobuf import descriptor_pool, field_mask_pb2

    with tempfile.TemporaryDirectory() as stubs:
        generate_stubs(stubs)
        from loyalty.profile.v1 import profile_pb2, profile_pb2_grpc

        channel = grpc.insecure_channel(args.target)
        try:
            grpc.channel_ready_future(channel).result(timeout=10)
        except grpc.FutureTimeoutError:
            print(f"gateway interop: cannot connect to {args.target}", file=sys.stderr)
            sys.exit(1)
        profiles = profile_pb2_grpc.ProfileServiceStub(channel)

        def expect_error(name, call, request, metadata, code, contains=None):
            try:
                call(request, metadata=metadata, timeout=5)
                failures.append(f"{name}: succeeded, expected {code.name}")
                return None
            except grpc.RpcError as error:
                check(error.code() == code, f"{name}: status {error.code().name} ({error.details()!r}), expected {code.name}")
                details = error.details() or ""
                check(details.strip() != "", f"{name}: {code.name} without a message")
                if contains is not None:
                    check(contains in details, f"{name}: message {details!r} does not mention {contains!r}")
                return error

        # (a) An API key, in x-api-key and as authorization: Bearer.
        key_in_header = [("x-api-key", args.api_key)]
        key_as_bearer = [("authorization", f"Bearer {args.api_key}")]
        own, call = profiles.GetProfile.with_call(
            profile_pb2.GetProfileRequest(user_id=args.api_key_user), metadata=key_in_header, timeout=5)
        check(own.user_id == args.api_key_user, f"API key GetProfile: user_id {own.user_id!r}, expected {args.api_key_user!r}")
        check(own.version >= 1, f"API key GetProfile: version {own.version}")
        created_id = metadata_value(call.initial_metadata(), "x-request-id")
        check(bool(created_id), f"API key GetProfile: no x-request-id in initial metadata {call.initial_metadata()}")
        again = profiles.GetProfile(profile_pb2.GetProfileRequest(user_id=args.api_key_user), metadata=key_as_bearer, timeout=5)
        check(again == own, f"API key as Bearer GetProfile: {again} differs from {own}")
        expect_error(
            "API key CreateProfile of an existing profile", profiles.CreateProfile,
            profile_pb2.CreateProfileRequest(profile=profile_pb2.Profile(user_id=args.api_key_user, display_name="Twice")),
            key_in_header, grpc.StatusCode.ALREADY_EXISTS, args.api_key_user)
        expect_error(
            "API key GetProfile of another traveller", profiles.GetProfile,
            profile_pb2.GetProfileRequest(user_id=args.other_user), key_in_header,
            grpc.StatusCode.PERMISSION_DENIED, args.other_user)
        expect_error(
            "API key ListProfiles as a traveller", profiles.ListProfiles, profile_pb2.ListProfilesRequest(),
            key_in_header, grpc.StatusCode.PERMISSION_DENIED, "admin")

        # (b) A JWT: NOT_FOUND for the caller's own missing profile, then create, read, update.
        bearer = [("authorization", f"Bearer {args.jwt}")]
        missing = expect_error(
            "JWT GetProfile before the profile exists", profiles.GetProfile,
            profile_pb2.GetProfileRequest(user_id=args.jwt_user), bearer, grpc.StatusCode.NOT_FOUND, args.jwt_user)
        if missing is not None:
            check(bool(metadata_value(missing.initial_metadata(), "x-request-id"))
                  or bool(metadata_value(missing.trailing_metadata(), "x-request-id")),
                  "JWT NOT_FOUND: no x-request-id in the response metadata")
        created, call = profiles.CreateProfile.with_call(
            profile_pb2.CreateProfileRequest(profile=profile_pb2.Profile(
                user_id=args.jwt_user, display_name="Through the gateway", home_airport="sea",
                preferred_alliances=[profile_pb2.ALLIANCE_ONEWORLD])),
            metadata=bearer + [("x-request-id", "py-gateway-interop-1")], timeout=5)
        check(created.user_id == args.jwt_user and created.version == 1 and created.home_airport == "SEA",
              f"JWT CreateProfile: {created}")
        kept_id = metadata_value(call.initial_metadata(), "x-request-id")
        check(kept_id == "py-gateway-interop-1",
              f"JWT CreateProfile: x-request-id {kept_id!r} in initial metadata, expected the one sent, 'py-gateway-interop-1'")
        fetched = profiles.GetProfile(profile_pb2.GetProfileRequest(user_id=args.jwt_user), metadata=bearer, timeout=5)
        check(fetched == created, f"JWT GetProfile: {fetched} differs from the created {created}")
        updated = profiles.UpdateProfile(
            profile_pb2.UpdateProfileRequest(
                profile=profile_pb2.Profile(user_id=args.jwt_user, display_name="Renamed through the gateway"),
                update_mask=field_mask_pb2.FieldMask(paths=["display_name"]), expected_version=1),
            metadata=bearer, timeout=5)
        check(updated.version == 2 and updated.display_name == "Renamed through the gateway", f"JWT UpdateProfile: {updated}")
        expect_error(
            "JWT UpdateProfile with a stale version", profiles.UpdateProfile,
            profile_pb2.UpdateProfileRequest(
                profile=profile_pb2.Profile(user_id=args.jwt_user, display_name="Stale"),
                update_mask=field_mask_pb2.FieldMask(paths=["display_name"]), expected_version=1),
            bearer, grpc.StatusCode.FAILED_PRECONDITION)
        expect_error(
            "JWT GetProfile of another traveller", profiles.GetProfile,
            profile_pb2.GetProfileRequest(user_id=args.other_user), bearer, grpc.StatusCode.PERMISSION_DENIED, args.other_user)

        # Credentials missing or wrong.
        expect_error(
            "GetProfile without credentials", profiles.GetProfile,
            profile_pb2.GetProfileRequest(user_id=args.jwt_user), [], grpc.StatusCode.UNAUTHENTICATED, "credentials")
        head, body, signature = args.jwt.split(".")
        tampered = f"{head}.{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
        expect_error(
            "GetProfile with a badly signed JWT", profiles.GetProfile,
            profile_pb2.GetProfileRequest(user_id=args.jwt_user), [("authorization", f"Bearer {tampered}")],
            grpc.StatusCode.UNAUTHENTICATED)
        expect_error(
            "GetProfile with an unknown API key", profiles.GetProfile,
            profile_pb2.GetProfileRequest(user_id=args.api_key_user), [("x-api-key", "lmk_000000000000_" + "A" * 43)],
            grpc.StatusCode.UNAUTHENTICATED)

        # Health on the gateway (open): Check, and the first message of the Watch stream.
        health = health_pb2_grpc.HealthStub(channel)
        status = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5).status
        check(status == health_pb2.HealthCheckResponse.SERVING, f"health Check '': {health_pb2.HealthCheckResponse.ServingStatus.Name(status)}")
        watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=5)
        try:
            first = next(watch)
            check(first.status == health_pb2.HealthCheckResponse.SERVING,
                  f"health Watch first message: {health_pb2.HealthCheckResponse.ServingStatus.Name(first.status)}")
        except grpc.RpcError as error:
            failures.append(f"health Watch: {error.code().name} {error.details()!r}")
        finally:
            watch.cancel()

        # (c) Reflection, v1alpha through grpcio-reflection's client.
        database = ProtoReflectionDescriptorDatabase(channel)
        listed = set(database.get_services())
        check(listed == EXPECTED_SERVICES,
              f"reflection v1alpha list_services: missing {sorted(EXPECTED_SERVICES - listed)}, unexpected {sorted(listed - EXPECTED_SERVICES)}")
        service_name = "loyalty.profile.v1.ProfileService"
        expected_methods = {m.name: m for m in profile_pb2.DESCRIPTOR.services_by_name["ProfileService"].methods}
        try:
            file_proto = database.FindFileContainingSymbol(service_name)
            check(file_proto.name == "loyalty/profile/v1/profile.proto",
                  f"reflection FindFileContainingSymbol({service_name}): file {file_proto.name!r}")
            services = {s.name: s for s in file_proto.service}
            if check("ProfileService" in services, f"reflection: {file_proto.name} has no ProfileService ({list(services)})"):
                methods = {m.name for m in services["ProfileService"].method}
                check(methods == set(expected_methods),
                      f"reflection: ProfileService methods {sorted(methods)}, expected {sorted(expected_methods)}")
            # The whole descriptor, dependencies included, resolved through the server.
            pool = descriptor_pool.DescriptorPool(database)
            service = pool.FindServiceByName(service_name)
            get = service.methods_by_name.get("GetProfile")
            if check(get is not None, "reflection: the pool's ProfileService has no GetProfile"):
                check(get.input_type.full_name == "loyalty.profile.v1.GetProfileRequest"
                      and get.output_type.full_name == "loyalty.profile.v1.Profile",
                      f"reflection: GetProfile is {get.input_type.full_name} -> {get.output_type.full_name}")
            for name, method in expected_methods.items():
                found = service.methods_by_name.get(name)
                check(found is not None and found.input_type.full_name == method.input_type.full_name
                      and found.output_type.full_name == method.output_type.full_name,
                      f"reflection: method {name} differs from Protos/ ({found and found.input_type.full_name})")
        except (KeyError, grpc.RpcError) as error:
            failures.append(f"reflection FindFileContainingSymbol({service_name}): {error!r}")
        try:
            database.FindFileContainingSymbol("loyalty.profile.v1.NoSuchThing")
            failures.append("reflection: an unknown symbol was found")
        except KeyError:
            pass

        # Reflection v1: the same messages on the wire, under the v1 service name.
        v1_info = channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)
        try:
            responses = list(v1_info(iter([
                reflection_pb2.ServerReflectionRequest(list_services=""),
                reflection_pb2.ServerReflectionRequest(file_containing_symbol=service_name),
            ]), timeout=5))
            check(len(responses) == 2, f"reflection v1: {len(responses)} responses to 2 requests")
            if len(responses) == 2:
                v1_listed = {s.name for s in responses[0].list_services_response.service}
                check(v1_listed == EXPECTED_SERVICES,
                      f"reflection v1 list_services: missing {sorted(EXPECTED_SERVICES - v1_listed)}, unexpected {sorted(v1_listed - EXPECTED_SERVICES)}")
                check(len(responses[1].file_descriptor_response.file_descriptor_proto) >= 1,
                      f"reflection v1 file_containing_symbol: {responses[1]}")
        except grpc.RpcError as error:
            failures.append(f"reflection v1: {error.code().name} {error.details()!r}")
        channel.close()

    if failures:
        print(f"gateway interop: {len(failures)} check(s) failed:", file=sys.stderr)
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
        sys.exit(1)
    print("gateway interop: grpcio client passed every check through the gateway")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # an unexpected RPC failure or exception: say which, exit non-zero
        import traceback
        traceback.print_exc()
        print(f"gateway interop: stopped by {error!r}", file=sys.stderr)
        if failures:
            print("failed before that:", *failures, sep="\n  - ", file=sys.stderr)
        sys.exit(1)
