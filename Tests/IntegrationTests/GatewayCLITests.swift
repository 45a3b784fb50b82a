import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

/// `loyalty keys ...` and `loyalty gateway ...` against a real gateway in front of two real
/// profile-service processes (pools profile-v1 and profile-v2).
@Suite(.serialized) struct GatewayCLITests {
  let loyalty = executablesDirectory.appendingPathComponent("loyalty")

  /// The test's environment without LOYALTY_* variables, plus `extra`.
  func environment(_ extra: [String: String] = [:]) -> [String: String] {
    ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LOYALTY_") }.merging(extra) { $1 }
  }

  /// Runs `body` with the gateway, its two upstreams, and a file holding an admin API key.
  func withGateway(_ body: (RunningGateway, RunningService, RunningService, URL) async throws -> Void) async throws {
    let v1 = try await RunningService.start("profile-service")
    let v2 = try await RunningService.start("profile-service")
    let gateway: RunningGateway
    do {
      gateway = try await RunningGateway.start(.profiles(v1: v1.address, v2: v2.address))
    } catch {
      await v1.stop()
      await v2.stop()
      throw error
    }
    let stopAll = {
      await gateway.stop()
      for service in [v1, v2] {
        await service.stop()
        service.removeFiles()
      }
    }
    do {
      let admin = try await gateway.createKey(subject: "cli-admin", role: "admin")
      let keyFile = gateway.configFile.deletingLastPathComponent().appendingPathComponent("admin-api-key")
      try Data((admin.secret + "\n").utf8).write(to: keyFile)
      try await body(gateway, v1, v2, keyFile)
    } catch {
      Issue.record("gateway log:\n\(gateway.logTail())")
      await stopAll()
      throw error
    }
    await stopAll()
  }

  func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    try await runCommand(loyalty, arguments, environment: environment(extra))
  }

  func getProfile(_ gateway: RunningGateway, _ userID: String, metadata: Metadata) async throws -> Loyalty_Profile_V1_Profile {
    try await gateway.withProfiles { try await $0.getProfile(.with { $0.userID = userID }, metadata: metadata) }
  }

  @Test func keysAreCreatedListedAndRevokedFromTheCommandLine() async throws {
    try await withGateway { gateway, v1, _, adminKeyFile in
      _ = try await v1.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("alice") }) }
      let common = ["--gateway", "127.0.0.1:\(gateway.grpcAddress.port)", "--api-key-file", adminKeyFile.path]

      // Create: the secret comes back once, in JSON for scripts...
      let created = try await run(
        ["keys", "create", "--subject", "alice", "--role", "traveler", "--label", "CLI test", "--daily-quota", "1000", "--json"] + common)
      #expect(created.status == 0, "\(created.output)")
      let response = try Loyalty_Gateway_V1_CreateApiKeyResponse(jsonString: created.output)
      let secret = response.secret
      let id = response.key.id
      #expect(secret.hasPrefix("lmk_\(id)_"))
      #expect(response.key.subject == "alice" && response.key.role == "traveler" && response.key.dailyQuota == 1000)
      // ... and as text for people, saying it will not be shown again.
      let text = try await run(["keys", "create", "--subject", "bob", "--role", "curator"] + common)
      #expect(text.status == 0, "\(text.output)")
      #expect(text.output.contains("lmk_") && text.output.contains("only time the key is shown"), "\(text.output)")

      var alice = Metadata()
      alice.addString(secret, forKey: "x-api-key")
      #expect(try await getProfile(gateway, "alice", metadata: alice).userID == "alice")

      // List: ids, owners and roles, never a secret.
      let listed = try await run(["keys", "list"] + common)
      #expect(listed.status == 0, "\(listed.output)")
      let row = listed.output.split(separator: "\n").first { $0.hasPrefix(id) }.map(String.init) ?? ""
      #expect(row.contains("alice") && row.contains("traveler") && row.contains("active") && row.contains("CLI test"), "\(listed.output)")
      #expect(listed.output.contains("bob") && listed.output.contains("cli-admin"))
      #expect(!listed.output.contains(secret) && !listed.output.contains(String(secret.suffix(20))), "the list shows no secret")
      let listedJSON = try await run(["keys", "list", "--json"] + common)
      #expect(try Loyalty_Gateway_V1_ListApiKeysResponse(jsonString: listedJSON.output).keys.contains { $0.id == id })
      #expect(!listedJSON.output.contains(String(secret.suffix(20))))

      // Revoke: the key is refused from the next call on, and listed only on request.
      let revoked = try await run(["keys", "revoke", id] + common)
      #expect(revoked.status == 0, "\(revoked.output)")
      #expect(revoked.output.contains("revoked API key \(id)"), "\(revoked.output)")
      let refused = await statusCode { try await getProfile(gateway, "alice", metadata: alice) }
      #expect(refused == .unauthenticated)
      let active = try await run(["keys", "list"] + common)
      #expect(!active.output.contains(id), "\(active.output)")
      let all = try await run(["keys", "list", "--include-revoked"] + common)
      #expect(all.output.split(separator: "\n").contains { $0.hasPrefix(id) && $0.contains("revoked") }, "\(all.output)")

      // Errors: the gRPC code and message, and a non-zero exit.
      let withRevokedKey = try await run(
        ["keys", "list"], environment: ["LOYALTY_GATEWAY_TARGET": "127.0.0.1:\(gateway.grpcAddress.port)", "LOYALTY_API_KEY": secret])
      #expect(withRevokedKey.status == 1)
      #expect(withRevokedKey.output.contains("error: unauthenticated:"), "\(withRevokedKey.output)")
      let unknown = try await run(["keys", "revoke", "0123456789ab"] + common)
      #expect(unknown.status == 1)
      #expect(unknown.output.contains("error: notFound:") && unknown.output.contains("0123456789ab"), "\(unknown.output)")
      let badRole = try await run(["keys", "create", "--subject", "x", "--role", "service"] + common)
      #expect(badRole.status != 0 && badRole.output.contains("--role"), "\(badRole.output)")
      let traveler = try await gateway.createKey(subject: "alice", role: "traveler")
      let notAdmin = try await run(["gateway", "routing", "--gateway", "127.0.0.1:\(gateway.grpcAddress.port)", "--api-key", traveler.secret])
      #expect(notAdmin.status == 1)
      #expect(notAdmin.output.contains("error: permissionDenied:"), "\(notAdmin.output)")
    }
  }

  @Test func aliasSetRepointsRoutingAndRollsBack() async throws {
    try await withGateway { gateway, v1, v2, adminKeyFile in
      // carol lives only behind profile-v2: the pool serving her tells where v1 calls go.
      _ = try await v2.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("carol") }) }
      let environment = ["LOYALTY_GATEWAY_TARGET": "127.0.0.1:\(gateway.grpcAddress.port)", "LOYALTY_API_KEY_FILE": adminKeyFile.path]
      var admin = Metadata()
      admin.addString("Bearer \(gateway.adminToken)", forKey: "authorization")
      func routing() async throws -> Loyalty_Gateway_V1_Routing {
        try await gateway.withClient { client in
          try await Loyalty_Gateway_V1_GatewayAdmin.Client(wrapping: client).getRouting(.init(), metadata: admin)
        }
      }
      func weights(_ routing: Loyalty_Gateway_V1_Routing, _ alias: String) -> [String: Int32] {
        Dictionary(uniqueKeysWithValues: (routing.aliases.first { $0.name == alias }?.pools ?? []).map { ($0.pool, $0.weight) })
      }

      let shown = try await run(["gateway", "routing"], environment: environment)
      #expect(shown.status == 0, "\(shown.output)")
      #expect(shown.output.contains("loyalty.profile.v1.ProfileService") && shown.output.contains("profile-v1=100"), "\(shown.output)")

      // A canary: 90/10.
      let canary = try await run(["gateway", "alias", "set", "profile-v1", "profile-v1=90", "profile-v2=10"], environment: environment)
      #expect(canary.status == 0, "\(canary.output)")
      #expect(canary.output.contains("profile-v1=90 profile-v2=10"), "\(canary.output)")
      #expect(weights(try await routing(), "profile-v1") == ["profile-v1": 90, "profile-v2": 10])

      // All of v1 to the other pool, then the rollback; each applies to the next call.
      _ = try await run(["gateway", "alias", "set", "profile-v1", "profile-v2=100"], environment: environment)
      #expect(weights(try await routing(), "profile-v1") == ["profile-v2": 100])
      #expect(try await getProfile(gateway, "carol", metadata: admin).userID == "carol")
      let rollback = try await run(["gateway", "alias", "set", "profile-v1", "profile-v1=100"], environment: environment)
      #expect(rollback.status == 0, "\(rollback.output)")
      #expect(weights(try await routing(), "profile-v1") == ["profile-v1": 100])
      #expect(await statusCode { try await getProfile(gateway, "carol", metadata: admin) } == .notFound)
      let json = try await run(["gateway", "routing", "--json"], environment: environment)
      #expect(weights(try Loyalty_Gateway_V1_Routing(jsonString: json.output), "profile-v1") == ["profile-v1": 100])

      // Bad weights are caught before the call; unknown pools by the gateway.
      let short = try await run(["gateway", "alias", "set", "profile-v1", "profile-v1=90"], environment: environment)
      #expect(short.status != 0 && short.output.contains("add up to 90"), "\(short.output)")
      let unknownPool = try await run(["gateway", "alias", "set", "profile-v1", "nope=100"], environment: environment)
      #expect(unknownPool.status == 1 && unknownPool.output.contains("error: invalidArgument:"), "\(unknownPool.output)")
      #expect(weights(try await routing(), "profile-v1") == ["profile-v1": 100])

      // Limits: one class changed, the others kept.
      let before = try Loyalty_Gateway_V1_RateLimits(jsonString: try await run(["gateway", "limits", "get", "--json"], environment: environment).output)
      let set = try await run(["gateway", "limits", "set", "--class", "read=123.5/456"], environment: environment)
      #expect(set.status == 0, "\(set.output)")
      #expect(set.output.contains("123.5") && set.output.contains("456"), "\(set.output)")
      let after = try Loyalty_Gateway_V1_RateLimits(jsonString: try await run(["gateway", "limits", "get", "--json"], environment: environment).output)
      #expect(after.classes["read"]?.ratePerSecond == 123.5 && after.classes["read"]?.burst == 456)
      #expect(after.classes["write"] == before.classes["write"] && after.classes["write"] != nil)

      // Upstream health, per pool and target.
      let upstreams = try await run(["gateway", "upstreams"], environment: environment)
      #expect(upstreams.status == 0, "\(upstreams.output)")
      #expect(upstreams.output.contains("upstreams: SERVING") && upstreams.output.contains(v1.address.description), "\(upstreams.output)")
    }
  }
}
