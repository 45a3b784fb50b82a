import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

/// The gateway as clients meet it: real gateway and profile-service processes on loopback.
@Suite(.serialized) struct GatewayIntegrationTests {
  /// Runs `body` with profile-service v1 and v2 pools (one process each) behind a gateway.
  func withGateway(
    _ configure: (inout GatewayTestConfig, ServiceAddress, ServiceAddress) -> Void = { _, _, _ in },
    _ body: (RunningGateway, RunningService, RunningService) async throws -> Void
  ) async throws {
    let v1 = try await RunningService.start("profile-service")
    let v2 = try await RunningService.start("profile-service")
    var config = GatewayTestConfig.profiles(v1: v1.address, v2: v2.address)
    configure(&config, v1.address, v2.address)
    let gateway: RunningGateway
    do {
      gateway = try await RunningGateway.start(config)
    } catch {
      await v1.stop()
      await v2.stop()
      throw error
    }
    do {
      try await body(gateway, v1, v2)
    } catch {
      Issue.record("gateway log:\n\(gateway.logTail())")
      await gateway.stop()
      await v1.stop()
      await v2.stop()
      throw error
    }
    await gateway.stop()
    for service in [v1, v2] {
      await service.stop()
      service.removeFiles()
    }
  }

  func seed(_ service: RunningService, _ userID: String, displayName: String? = nil) async throws {
    var profile = makeProfile(userID)
    if let displayName { profile.displayName = displayName }
    _ = try await service.withProfiles { try await $0.createProfile(.with { $0.profile = profile }) }
  }

  // MARK: Authentication and authorisation

  @Test func everyAuthFailureGetsItsCodeAndNeverReachesTheUpstream() async throws {
    try await withGateway { gateway, v1, _ in
      try await seed(v1, "alice")
      try await seed(v1, "bob")
      let alice = try await gateway.createKey(subject: "alice", role: "traveler")
      let revoked = try await gateway.createKey(subject: "alice", role: "traveler")
      _ = try await gateway.withClient { client in
        try await Loyalty_Gateway_V1_GatewayAdmin.Client(wrapping: client).revokeApiKey(
          .with { $0.id = revoked.id }, metadata: ["authorization": "Bearer \(gateway.adminToken)"])
      }
      let expired = TestJWT.token(subject: "alice", role: "traveler", claims: ["exp": Int(Date().timeIntervalSince1970) - 3600])
      let forged = TestJWT.token(subject: "alice", role: "traveler", secret: "not-the-gateway-secret-0123456789abcdef")
      let wrongAudience = TestJWT.token(subject: "alice", role: "traveler", claims: ["aud": "someone-else"])
      let before = try await answeredCalls(v1)

      let cases: [(name: String, headers: [String: String], path: String, user: String, grpc: RPCError.Code, http: Int)] = [
        ("missing", [:], "GetProfile", "alice", .unauthenticated, 401),
        ("malformed key", ["x-api-key": "lmk_nope"], "GetProfile", "alice", .unauthenticated, 401),
        ("revoked key", ["x-api-key": revoked.secret], "GetProfile", "alice", .unauthenticated, 401),
        ("expired JWT", ["authorization": "Bearer \(expired)"], "GetProfile", "alice", .unauthenticated, 401),
        ("badly signed JWT", ["authorization": "Bearer \(forged)"], "GetProfile", "alice", .unauthenticated, 401),
        ("wrong audience", ["authorization": "Bearer \(wrongAudience)"], "GetProfile", "alice", .unauthenticated, 401),
        ("wrong role", ["x-api-key": "\(alice.secret)"], "ListProfiles", "", .permissionDenied, 403),
        ("another traveller", ["x-api-key": "\(alice.secret)"], "GetProfile", "bob", .permissionDenied, 403),
      ]
      for testCase in cases {
        let outcome = await rpcOutcome {
          try await gateway.withProfiles { profiles in
            var metadata = Metadata()
            for (name, value) in testCase.headers { metadata.addString(value, forKey: name) }
            if testCase.path == "ListProfiles" {
              _ = try await profiles.listProfiles(.init(), metadata: metadata)
            } else {
              _ = try await profiles.getProfile(.with { $0.userID = testCase.user }, metadata: metadata)
            }
          }
        }
        #expect(outcome.code == testCase.grpc, "gRPC \(testCase.name): \(outcome)")
        #expect(!outcome.message.isEmpty, "gRPC \(testCase.name) has a message")

        let path = testCase.path == "ListProfiles" ? "/v1/profiles" : "/v1/profiles/\(testCase.user)"
        let response = try await gateway.http("GET", path, headers: testCase.headers)
        #expect(response.status == testCase.http, "HTTP \(testCase.name): \(response.body)")
        #expect(response.json["code"] as? Int == testCase.grpc.rawValue, "HTTP \(testCase.name) body: \(response.body)")
        #expect((response.json["message"] as? String)?.isEmpty == false)
        if testCase.http == 401 {
          #expect(response.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        }
      }
      #expect(try await answeredCalls(v1) == before, "a refused call reached profile-service")

      let own = try await gateway.withProfiles { profiles in
        try await profiles.getProfile(.with { $0.userID = "alice" }, metadata: ["x-api-key": "\(alice.secret)"])
      }
      #expect(own.userID == "alice")
      let es256 = TestJWT.token(subject: "alice", role: "traveler", algorithm: "ES256")
      let viaJWT = try await gateway.http("GET", "/v1/profiles/alice", headers: ["authorization": "Bearer \(es256)"])
      #expect(viaJWT.status == 200, "\(viaJWT.body)")
      #expect(try await answeredCalls(v1) == before + 2)
    }
  }

  @Test func aClientBypassingTheGatewayWithAForgedIdentityIsRefused() async throws {
    try await withRunningProfileServer { service in
      let forger = try InternalIdentity(secret: Array("a-secret-the-suite-does-not-use-0123456789".utf8))
      var metadata = Metadata()
      forger.sign(&metadata, as: Principal(subject: "mallory", role: .admin))
      let outcome = await rpcOutcome {
        try await withServiceClient(service.address, identity: nil, principal: .anonymous) { client in
          _ = try await Loyalty_Profile_V1_ProfileService.Client(wrapping: client).listProfiles(.init(), metadata: metadata)
        }
      }
      #expect(outcome.code == .unauthenticated)
    }
  }

  // MARK: Rate limits

  @Test func burstOfTwentyAtTenPerSecondThenResourceExhaustedWithRetryAfter() async throws {
    try await withGateway({ config, _, _ in
      config.rateLimits = ["classes": ["read": ["ratePerSecond": 10, "burst": 20], "admin": ["ratePerSecond": 100, "burst": 100]]]
    }) { gateway, v1, _ in
      try await seed(v1, "alice")
      let alice = try await gateway.createKey(subject: "alice", role: "traveler")
      // All 30 sent at once on one connection, so the bucket refills as little as possible
      // while they arrive; on a busy machine sending them takes a while, and the 10/s refill
      // over that time is allowed for.
      let started = ContinuousClock.now
      let outcomes = try await gateway.withProfiles { profiles in
        try await withThrowingTaskGroup(of: RPCError?.self) { group in
          for _ in 0..<30 {
            group.addTask {
              await rpcError {
                try await profiles.getProfile(.with { $0.userID = "alice" }, metadata: ["x-api-key": "\(alice.secret)"])
              }
            }
          }
          return try await group.reduce(into: [RPCError?]()) { $0.append($1) }
        }
      }
      let refilled = Int(((ContinuousClock.now - started).inSeconds * 10).rounded(.up))
      let succeeded = outcomes.filter { $0 == nil }.count
      let refusals = outcomes.compactMap { $0 }
      #expect((19...(21 + refilled)).contains(succeeded), "\(succeeded) of 30 succeeded, \(refilled) tokens refilled meanwhile")
      #expect(succeeded < 30, "the burst of 20 must run out")
      #expect(refusals.allSatisfy { $0.code == .resourceExhausted })
      #expect(refusals.allSatisfy { Int($0.metadata[stringValues: "retry-after"].first(where: { _ in true }) ?? "") ?? 0 >= 1 })

      // The JSON port shares the bucket; it refills at 10/s, so a burst of calls at once
      // empties it again, however slowly the machine answers each one.
      let replies = try await withThrowingTaskGroup(of: RunningGateway.HTTPResult.self) { group in
        for _ in 0..<30 {
          group.addTask { try await gateway.http("GET", "/v1/profiles/alice", headers: ["x-api-key": alice.secret]) }
        }
        return try await group.reduce(into: [RunningGateway.HTTPResult]()) { $0.append($1) }
      }
      let limited = try #require(replies.first { $0.status == 429 }, "no call of the burst was limited")
      #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
      #expect(limited.headers["ratelimit-limit"] == "20")
      #expect(limited.headers["ratelimit-remaining"] == "0")
      #expect(limited.headers["ratelimit-reset"] != nil)
      #expect(limited.json["code"] as? Int == 8)

      try await Task.sleep(for: .milliseconds(1200))
      let allowed = try await gateway.http("GET", "/v1/profiles/alice", headers: ["x-api-key": "\(alice.secret)"])
      #expect(allowed.status == 200)
      #expect(allowed.headers["ratelimit-limit"] == "20")
      #expect(allowed.headers["ratelimit-remaining"] != nil)
    }
  }

  // MARK: Versioned routing

  @Test func canaryTakesItsShareAndRollbackAppliesToTheNextCall() async throws {
    try await withGateway({ config, v1, v2 in
      config.aliases[0] = ["name": "profile-v1", "pools": [["pool": "profile-v1", "weight": 90], ["pool": "profile-v2", "weight": 10]]]
    }) { gateway, stable, canary in
      try await seed(stable, "alice", displayName: "stable")
      try await seed(canary, "alice", displayName: "canary")
      let auth: Metadata = ["authorization": "Bearer \(gateway.adminToken)"]
      var canaryCalls = 0
      try await gateway.withProfiles { profiles in
        for _ in 0..<5000 {
          let profile = try await profiles.getProfile(.with { $0.userID = "alice" }, metadata: auth)
          if profile.displayName == "canary" { canaryCalls += 1 }
        }
      }
      let share = Double(canaryCalls) / 50
      #expect(abs(share - 10) <= 2, "canary took \(share)% of calls")

      try await gateway.withClient { client in
        _ = try await Loyalty_Gateway_V1_GatewayAdmin.Client(wrapping: client).setAlias(
          .with {
            $0.alias = .with {
              $0.name = "profile-v1"
              $0.pools = [.with { $0.pool = "profile-v1"; $0.weight = 100 }, .with { $0.pool = "profile-v2"; $0.weight = 0 }]
            }
          }, metadata: auth)
        let profiles = Loyalty_Profile_V1_ProfileService.Client(wrapping: client)
        for _ in 0..<50 {
          let profile = try await profiles.getProfile(.with { $0.userID = "alice" }, metadata: auth)
          #expect(profile.displayName == "stable")
        }
      }
      let saved = try String(contentsOf: gateway.configFile, encoding: .utf8)
      #expect(saved.contains("\"weight\" : 0"), "the rollback was not saved to the config file")
    }
  }

  @Test func versionsAreRoutedToTheirOwnPoolsAndUnknownOnesListTheSupported() async throws {
    try await withGateway({ config, _, _ in
      config.versions = [["name": "v1", "deprecated": true, "sunset": "2027-06-30T00:00:00Z"], ["name": "v2"]]
    }) { gateway, v1, v2 in
      try await seed(v1, "alice", displayName: "from the v1 pool")
      try await seed(v2, "alice", displayName: "from the v2 pool")
      let auth = ["authorization": "Bearer \(gateway.adminToken)"]

      let old = try await gateway.http("GET", "/v1/profiles/alice", headers: auth)
      #expect(old.status == 200)
      #expect(old.json["displayName"] as? String == "from the v1 pool")
      #expect(old.headers["deprecation"] == "true")
      #expect(old.headers["sunset"] == "Wed, 30 Jun 2027 00:00:00 GMT")

      let new = try await gateway.http("GET", "/v2/profiles/alice", headers: auth)
      #expect(new.status == 200, "\(new.body)")
      #expect(new.body.contains("from the v2 pool"))
      #expect(new.headers["deprecation"] == nil)

      let unknown = try await gateway.http("GET", "/v3/profiles/alice", headers: auth)
      #expect(unknown.status == 404)
      #expect(unknown.json["code"] as? Int == 12)
      #expect((unknown.json["message"] as? String)?.contains("v1, v2") == true)

      let outcome = await rpcOutcome {
        try await gateway.withClient { client in
          _ = try await client.unary(
            request: ClientRequest(message: Loyalty_Profile_V1_GetProfileRequest.with { $0.userID = "alice" }, metadata: ["authorization": "Bearer \(gateway.adminToken)"]),
            descriptor: MethodDescriptor(fullyQualifiedService: "loyalty.profile.v3.ProfileService", method: "GetProfile"),
            serializer: ProtobufSerializer<Loyalty_Profile_V1_GetProfileRequest>(),
            deserializer: ProtobufDeserializer<Loyalty_Profile_V1_Profile>(),
            options: .defaults
          ) { try $0.message }
        }
      }
      #expect(outcome.code == .unimplemented)
      #expect(outcome.message.contains("supported versions: v1, v2"))
    }
  }

  // MARK: Deadlines, sizes, pass-through

  @Test func aSlowUpstreamEndsWithDeadlineExceededOnTime() async throws {
    let silent = try SilentListener()
    defer { silent.close() }
    try await withGateway({ config, _, _ in
      config.upstreams.append(["name": "slow", "targets": ["127.0.0.1:\(silent.port)"], "required": false])
      config.aliases[0] = ["name": "profile-v1", "pools": [["pool": "slow", "weight": 100]]]
      config.routes[1]["timeoutMilliseconds"] = 100
      config.aliases[1] = ["name": "profile-v2", "pools": [["pool": "slow", "weight": 100]]]
    }) { gateway, _, _ in
      let auth: Metadata = ["authorization": "Bearer \(gateway.adminToken)"]
      try await gateway.withClient { client in
        // The caller's own deadline, sent as grpc-timeout: 100m.
        var options = CallOptions.defaults
        options.timeout = .milliseconds(100)
        let started = ContinuousClock.now
        let outcome = await rpcOutcome {
          _ = try await Loyalty_Profile_V1_ProfileService.Client(wrapping: client).getProfile(
            .with { $0.userID = "alice" }, metadata: auth, options: options)
        }
        #expect(outcome.code == .deadlineExceeded)
        #expect(ContinuousClock.now - started < .milliseconds(150))

        // The route's timeout, with no deadline from the caller: only the gateway can end it.
        let routeStarted = ContinuousClock.now
        let routeOutcome = await rpcOutcome {
          _ = try await Loyalty_Profile_V2_ProfileService.Client(wrapping: client).getProfile(
            .with { $0.userID = "alice" }, metadata: auth)
        }
        #expect(routeOutcome.code == .deadlineExceeded, "\(routeOutcome)")
        #expect(ContinuousClock.now - routeStarted < .milliseconds(150))
      }
    }
  }

  @Test func aFiveMebibyteRequestIsRefusedOnBothPorts() async throws {
    try await withGateway { gateway, v1, _ in
      let before = try await answeredCalls(v1)
      let huge = String(repeating: "x", count: 5 * 1024 * 1024)
      let outcome = await rpcOutcome {
        try await gateway.withProfiles { profiles in
          _ = try await profiles.createProfile(
            .with { $0.profile = .with { $0.userID = "alice"; $0.displayName = huge } },
            metadata: ["authorization": "Bearer \(gateway.adminToken)"])
        }
      }
      #expect(outcome.code == .resourceExhausted, "\(outcome)")
      #expect(outcome.message.contains("limit"))

      let body = Data(#"{"profile":{"userId":"alice","displayName":"\#(huge)"}}"#.utf8)
      let response = try await gateway.http("POST", "/v1/profiles", headers: ["authorization": "Bearer \(gateway.adminToken)"], body: body)
      #expect(response.status == 413)
      #expect(response.headers["content-type"] == "application/json")
      #expect(response.json["code"] as? Int == 8)
      #expect(try await answeredCalls(v1) == before)
    }
  }

  @Test func statusesRequestIdsAndStreamsPassThrough() async throws {
    try await withGateway { gateway, v1, _ in
      try await seed(v1, "alice")
      var auth: Metadata = ["authorization": "Bearer \(gateway.adminToken)"]
      auth.addString("it-request-42", forKey: "x-request-id")
      try await gateway.withClient { client in
        let profiles = Loyalty_Profile_V1_ProfileService.Client(wrapping: client)
        let requestID = try await profiles.getProfile(.with { $0.userID = "alice" }, metadata: auth) { response in
          response.metadata[stringValues: "x-request-id"].first(where: { _ in true })
        }
        #expect(requestID == "it-request-42")

        let missing = await rpcOutcome { _ = try await profiles.getProfile(.with { $0.userID = "nobody" }, metadata: auth) }
        #expect(missing.code == .notFound)
        #expect(missing.message.contains("nobody"))

        let invalid = await rpcOutcome {
          _ = try await profiles.createProfile(.with { $0.profile = .with { $0.userID = "bad id!" } }, metadata: auth)
        }
        #expect(invalid.code == .invalidArgument)
        #expect(invalid.message.contains("user_id"))

        // Server streaming through the proxy: the gateway's own health Watch.
        let first = try await Grpc_Health_V1_Health.Client(wrapping: client).watch(.with { $0.service = "" }) { response in
          var status: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
          for try await message in response.messages {
            status = message.status
            break
          }
          return status
        }
        #expect(first == .serving || first == .notServing)
      }
      let missing = try await gateway.http("GET", "/v1/profiles/nobody", headers: ["authorization": "Bearer \(gateway.adminToken)"])
      #expect(missing.status == 404)
      #expect(missing.json["code"] as? Int == 5)
      #expect((missing.json["message"] as? String)?.contains("nobody") == true)
      #expect(missing.json["details"] as? [Any] != nil)

      let preflight = try await gateway.http(
        "OPTIONS", "/v1/profiles/alice",
        headers: ["origin": "https://app.example", "access-control-request-method": "PATCH"])
      #expect(preflight.status == 204)
      #expect(preflight.headers["access-control-allow-origin"] == "https://app.example")
      #expect(preflight.headers["access-control-allow-methods"]?.contains("PATCH") == true)
    }
  }

  // MARK: Health

  @Test func readinessFollowsRequiredUpstreams() async throws {
    try await withGateway { gateway, _, v2 in
      try await eventually {
        let ready = try await gateway.http("GET", "/readyz")
        return ready.status == 200 && ready.body.contains("profile-v2")
      }
      #expect(try await gateway.process.healthStatus() == .serving)
      await v2.stop()
      try await eventually {
        let ready = try await gateway.http("GET", "/readyz")
        return ready.status == 503 && ready.body.contains("UNREACHABLE")
      }
      #expect(try await gateway.process.healthStatus() == .notServing)
      let live = try await gateway.http("GET", "/healthz")
      #expect(live.status == 200)

      let down = await rpcOutcome {
        try await gateway.withClient { client in
          _ = try await Loyalty_Profile_V2_ProfileService.Client(wrapping: client).getProfile(
            .with { $0.userID = "alice" }, metadata: ["authorization": "Bearer \(gateway.adminToken)"])
        }
      }
      #expect(down.code == .unavailable, "\(down)")
      #expect(down.message.contains("profile-v2"))
      let downJSON = try await gateway.http("GET", "/v2/profiles/alice", headers: ["authorization": "Bearer \(gateway.adminToken)"])
      #expect(downJSON.status == 503)
      #expect(downJSON.json["code"] as? Int == 14)
    }
  }

  @Test func idempotentCallsAreRetriedOnAnotherTargetWhenOneIsDown() async throws {
    let dead = try SilentListener()
    let deadPort = dead.port
    dead.close()
    try await withGateway({ config, v1, _ in
      config.upstreams[0]["targets"] = ["127.0.0.1:\(deadPort)", v1.description]
      config.upstreams[0]["required"] = false
    }) { gateway, v1, _ in
      try await seed(v1, "alice")
      try await gateway.withProfiles { profiles in
        for _ in 0..<20 {
          let profile = try await profiles.getProfile(
            .with { $0.userID = "alice" }, metadata: ["authorization": "Bearer \(gateway.adminToken)"])
          #expect(profile.userID == "alice")
        }
      }
    }
  }

  @Test func keysCreatedOfflineWorkWithoutARestart() async throws {
    try await withGateway { gateway, v1, _ in
      try await seed(v1, "carol")
      let created = try await runCommand(
        executablesDirectory.appendingPathComponent("gateway"),
        ["keys", "create", "--data-dir", gateway.process.dataDirectory.path, "--subject", "carol", "--role", "traveler"])
      #expect(created.status == 0, "\(created.output)")
      let secret = created.output.split(separator: "\n").first { $0.hasPrefix("lmk_") }.map(String.init) ?? ""
      try await eventually {
        (try? await gateway.http("GET", "/v1/profiles/carol", headers: ["authorization": "Bearer \(secret)"]).status) == 200
      }
      let listed = try await gateway.http("GET", "/v1/admin/keys", headers: ["authorization": "Bearer \(gateway.adminToken)"])
      #expect(listed.status == 200)
      #expect(listed.body.contains("carol"))
      #expect(!listed.body.contains(secret))
    }
  }
}

/// Polls `condition` until it holds, for up to ten seconds.
func eventually(_ condition: () async throws -> Bool) async throws {
  let deadline = ContinuousClock.now + .seconds(10)
  while ContinuousClock.now < deadline {
    if try await condition() { return }
    try await Task.sleep(for: .milliseconds(100))
  }
  Issue.record("condition not met within 10 s")
}

/// A TCP port that accepts connections and never answers: an upstream that hangs.
final class SilentListener: @unchecked Sendable {
  let descriptor: Int32
  let port: Int

  init() throws {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    self.descriptor = descriptor
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
    }
    guard bound == 0, listen(descriptor, 16) == 0 else { throw ServiceStartFailure(message: "cannot listen") }
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    port = Int(UInt16(bigEndian: address.sin_port))
  }

  func close() {
    _ = Glibc.close(descriptor)
  }
}
