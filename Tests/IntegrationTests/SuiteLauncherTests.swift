import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

@Suite(.serialized) struct SuiteLauncherTests {
  /// `loyalty suite up` starts every service and the gateway, seeds once, creates the first
  /// admin key, the demo traveller's key and the backup key once, and stops them all on
  /// SIGINT. The second start uses another port offset: the gateway follows the services
  /// there, and adds the backup route to a configuration file written without one.
  @Test func theSuiteStartsSeededAndStopsCleanly() async throws {
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("loyalty-suite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    let data = work.appendingPathComponent("data")
    // Above 10945 every port of the suite lies outside Linux's ephemeral range (32768–60999),
    // where the other tests' servers and clients take ports at random.
    let firstOffset = Int.random(in: 11_000...14_800)
    let output = work.appendingPathComponent("suite.out")
    var firstAdminKey: String?
    var firstBackupKey: String?

    for round in 1...2 {
      let offset = firstOffset + (round - 1) * 100
      if round == 2 {
        try Self.removeBackupRoute(from: data.appendingPathComponent("gateway/gateway.json"))
      }
      let suite = try RunningService.spawn(
        "loyalty", arguments: ["suite", "up", "--data-dir", data.path, "--port-offset", "\(offset)"],
        log: output)
      let deadline = ContinuousClock.now + .seconds(90)
      while ContinuousClock.now < deadline, suite.isRunning,
        !((try? String(contentsOf: output, encoding: .utf8))?.components(separatedBy: "Press Ctrl-C").count == round + 1)
      {
        try await Task.sleep(for: .milliseconds(100))
      }
      let text = try String(contentsOf: output, encoding: .utf8)
      #expect(suite.isRunning, "\(text)")
      #expect(text.components(separatedBy: "seeded the demo traveller").count == 2, "seeding happens on the first start only")
      #expect(text.components(separatedBy: "created the first admin API key").count == 2, "one admin key, made on the first start")
      #expect(text.components(separatedBy: "created an API key for 'demo-traveler'").count == 2, "one demo key, made on the first start")
      #expect(text.components(separatedBy: "created the backup encryption key").count == 2, "one backup key, made on the first start")

      let identity = try InternalIdentity(secret: RuntimeConfig.loadSecret(file: data.appendingPathComponent("internal-secret").path, inline: nil))
      let demo = try await withServiceClient(
        ServiceAddress(host: "127.0.0.1", port: 50052 + offset), identity: identity, principal: Principal(subject: "demo-traveler", role: .traveler)
      ) { client in
        try await Loyalty_Profile_V1_ProfileService.Client(wrapping: client).getProfile(.with { $0.userID = "demo-traveler" })
      }
      #expect(demo.memberships.first?.programID == "aa-aadvantage")

      // The keys: saved for the owner only, the admin one printed with its file and reused.
      let adminKeyFile = data.appendingPathComponent("admin-api-key")
      let demoKeyFile = data.appendingPathComponent("demo-traveler-api-key")
      let backupKeyFile = data.appendingPathComponent("backup-key")
      for file in [adminKeyFile, demoKeyFile, backupKeyFile, data.appendingPathComponent("internal-secret")] {
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "\(file.lastPathComponent) has mode \(String(mode ?? 0, radix: 8))")
      }
      let adminKey = try String(contentsOf: adminKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
      let demoKey = try String(contentsOf: demoKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(adminKey.hasPrefix("lmk_") && demoKey.hasPrefix("lmk_"))
      if round == 1 { firstAdminKey = adminKey } else { #expect(adminKey == firstAdminKey, "later starts reuse the saved key") }
      let backupKey = try String(contentsOf: backupKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(Data(base64Encoded: backupKey)?.count == 32, "the backup key is base64 of 32 bytes")
      if round == 1 { firstBackupKey = backupKey } else { #expect(backupKey == firstBackupKey, "the backup key is never replaced") }
      let banner = text.components(separatedBy: "Press Ctrl-C")[round - 1]
      #expect(banner.contains(adminKey) && banner.contains(adminKeyFile.path), "the summary shows the admin key and its file")
      #expect(banner.contains("127.0.0.1:\(8080 + offset)") && banner.contains("http://127.0.0.1:\(8081 + offset)"), "\(banner)")
      #expect(banner.contains("curl"))
      #expect(banner.contains("backup status --target 127.0.0.1:\(50054 + offset)"), "\(banner)")
      #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("backup/targets/dr").path), "the DR folder")
      if round == 2 {
        #expect(text.contains("added the 'backup' pool (127.0.0.1:\(50054 + offset))"), "\(text)")
      }

      // The gateway answers JSON for the demo traveller's key, and only for their profile.
      let own = try await Self.get("http://127.0.0.1:\(8081 + offset)/v1/profiles/demo-traveler", apiKey: demoKey)
      #expect(own.status == 200, "\(own.body)")
      let profile = try Loyalty_Profile_V1_Profile(jsonString: own.body)
      #expect(profile.userID == "demo-traveler" && profile.memberships.first?.balance == 42_000)
      let other = try await Self.get("http://127.0.0.1:\(8081 + offset)/v1/profiles", apiKey: demoKey)
      #expect(other.status == 403, "\(other.body)")

      // The advisor answers through the gateway from the seeded graph, with the demo
      // traveller's Gold status read from their profile: AA's published DFW–LHR example,
      // $1,894 of base fare and carrier fees at 7 miles per dollar.
      let earnings = try await Self.post(
        "http://127.0.0.1:\(8081 + offset)/v1/advisor/earnings", apiKey: demoKey,
        json: #"{"programIds":["aa-aadvantage"],"itinerary":{"segments":["#
          + #"{"marketingCarrier":"AA","origin":"DFW","destination":"LHR","fareClass":"O","departureDate":"2026-12-01"},"#
          + #"{"marketingCarrier":"AA","origin":"LHR","destination":"DFW","fareClass":"O","departureDate":"2026-12-08"}],"#
          + #""fare":{"currency":"USD","baseFare":1436,"carrierImposedFees":458}}}"#)
      #expect(earnings.status == 200, "\(earnings.body)")
      let answer = try Loyalty_Advisor_V1_CalculateEarningsResponse(jsonString: earnings.body)
      #expect(answer.programs.first?.redeemableMiles == 13_258, "\(earnings.body)")
      #expect(answer.programs.first?.tierSource == "profile")

      // The admin key works on the gateway's admin API over gRPC.
      let keys = try await withServiceClient(ServiceAddress(host: "127.0.0.1", port: 8080 + offset), identity: nil, principal: .anonymous) { client in
        try await Loyalty_Gateway_V1_GatewayAdmin.Client(wrapping: client).listApiKeys(.init(), metadata: ["x-api-key": "\(adminKey)"]).keys
      }
      #expect(Set(keys.map { "\($0.subject)/\($0.role)" }) == ["operator/admin", "demo-traveler/traveler"])

      // The backup API through the gateway: admins only, over gRPC and JSON.
      let status = try await withServiceClient(ServiceAddress(host: "127.0.0.1", port: 8080 + offset), identity: nil, principal: .anonymous) { client in
        try await Loyalty_Backup_V1_BackupService.Client(wrapping: client).getStatus(.init(), metadata: ["x-api-key": "\(adminKey)"])
      }
      #expect(Set(status.services.map(\.service)).isSuperset(of: ["profile", "graph"]), "\(status)")
      #expect(status.drTarget.contains(data.appendingPathComponent("backup/targets/dr").path), "\(status.drTarget)")
      let refused = await rpcOutcome {
        try await withServiceClient(ServiceAddress(host: "127.0.0.1", port: 8080 + offset), identity: nil, principal: .anonymous) { client in
          try await Loyalty_Backup_V1_BackupService.Client(wrapping: client).getStatus(.init(), metadata: ["x-api-key": "\(demoKey)"])
        }
      }
      #expect(refused.code == .permissionDenied, "\(refused)")
      // The ingestion API through the gateway, when the suite runs ingestion-service: curators
      // and admins only.
      if FileManager.default.isExecutableFile(atPath: executablesDirectory.appendingPathComponent("ingestion-service").path) {
        #expect(banner.contains("ingest submit") && banner.contains("127.0.0.1:\(50053 + offset)"), "\(banner)")
        let runs = try await Self.get("http://127.0.0.1:\(8081 + offset)/v1/ingestion/runs", apiKey: adminKey)
        #expect(runs.status == 200, "\(runs.body)")
        let travellerRuns = try await Self.get("http://127.0.0.1:\(8081 + offset)/v1/ingestion/runs", apiKey: demoKey)
        #expect(travellerRuns.status == 403, "\(travellerRuns.body)")
      }
      let jsonStatus = try await Self.get("http://127.0.0.1:\(8081 + offset)/v1/backups/status", apiKey: adminKey)
      #expect(jsonStatus.status == 200, "\(jsonStatus.body)")
      let travellerStatus = try await Self.get("http://127.0.0.1:\(8081 + offset)/v1/backups/status", apiKey: demoKey)
      #expect(travellerStatus.status == 403, "\(travellerStatus.body)")

      kill(suite.processIdentifier, SIGINT)
      let stopDeadline = ContinuousClock.now + .seconds(45)
      while suite.isRunning && ContinuousClock.now < stopDeadline { try await Task.sleep(for: .milliseconds(50)) }
      #expect(!suite.isRunning)
      let finalOutput = try String(contentsOf: output, encoding: .utf8)
      #expect(suite.terminationStatus == 0, "\(finalOutput)")
      let serviceLog = try String(contentsOf: data.appendingPathComponent("logs/profile.log"), encoding: .utf8)
      #expect(serviceLog.components(separatedBy: "\"msg\":\"stopped\"").count == round + 1, "profile-service stops gracefully each time")
      let graphLog = try String(contentsOf: data.appendingPathComponent("logs/graph.log"), encoding: .utf8)
      #expect(graphLog.components(separatedBy: "\"msg\":\"stopped\"").count == round + 1, "graph-service stops gracefully each time")
      #expect(graphLog.components(separatedBy: "loaded the curated seed").count == 2, "the seed is loaded on the first start only")
      let backupLog = try String(contentsOf: data.appendingPathComponent("logs/backup.log"), encoding: .utf8)
      #expect(backupLog.components(separatedBy: "\"msg\":\"stopped\"").count == round + 1, "backup-service stops gracefully each time")
      let gatewayLog = try String(contentsOf: data.appendingPathComponent("logs/gateway.log"), encoding: .utf8)
      #expect(gatewayLog.components(separatedBy: "\"msg\":\"gateway stopped\"").count == round + 1, "the gateway stops gracefully each time")
    }
  }

  /// Makes `file` look like one written before the backup service joined the suite.
  static func removeBackupRoute(from file: URL) throws {
    var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    config["upstreams"] = (config["upstreams"] as? [[String: Any]])?.filter { $0["name"] as? String != "backup" }
    config["aliases"] = (config["aliases"] as? [[String: Any]])?.filter { $0["name"] as? String != "backup-v1" }
    config["routes"] = (config["routes"] as? [[String: Any]])?.filter { $0["alias"] as? String != "backup-v1" }
    try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: file)
  }

  static func get(_ url: String, apiKey: String) async throws -> (status: Int, body: String) {
    var request = URLRequest(url: URL(string: url)!)
    request.setValue(apiKey, forHTTPHeaderField: "x-api-key")
    let (body, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: body, as: UTF8.self))
  }

  static func post(_ url: String, apiKey: String, json: String) async throws -> (status: Int, body: String) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = "POST"
    request.setValue(apiKey, forHTTPHeaderField: "x-api-key")
    request.setValue("application/json", forHTTPHeaderField: "content-type")
    request.httpBody = Data(json.utf8)
    let (body, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: body, as: UTF8.self))
  }
}
