import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Testing

@Suite(.serialized) struct SuiteLauncherTests {
  /// `loyalty suite up` starts every service, seeds once, and stops them all on SIGINT.
  @Test func theSuiteStartsSeededAndStopsCleanly() async throws {
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("loyalty-suite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    let offset = Int.random(in: 2000...9000)
    let output = work.appendingPathComponent("suite.out")

    for round in 1...2 {
      let suite = try RunningService.spawn(
        "loyalty", arguments: ["suite", "up", "--data-dir", work.appendingPathComponent("data").path, "--port-offset", "\(offset)"],
        log: output)
      let deadline = ContinuousClock.now + .seconds(60)
      while ContinuousClock.now < deadline, suite.isRunning,
        !((try? String(contentsOf: output, encoding: .utf8))?.components(separatedBy: "Press Ctrl-C").count == round + 1)
      {
        try await Task.sleep(for: .milliseconds(100))
      }
      let text = try String(contentsOf: output, encoding: .utf8)
      #expect(suite.isRunning, "\(text)")
      #expect(text.components(separatedBy: "seeded the demo traveller").count == 2, "seeding happens on the first start only")

      let identity = try InternalIdentity(secret: RuntimeConfig.loadSecret(file: work.appendingPathComponent("data/internal-secret").path, inline: nil))
      let demo = try await withServiceClient(
        ServiceAddress(host: "127.0.0.1", port: 50052 + offset), identity: identity, principal: Principal(subject: "demo-traveler", role: .traveler)
      ) { client in
        try await Loyalty_Profile_V1_ProfileService.Client(wrapping: client).getProfile(.with { $0.userID = "demo-traveler" })
      }
      #expect(demo.memberships.first?.programID == "aa-aadvantage")

      kill(suite.processIdentifier, SIGINT)
      let stopDeadline = ContinuousClock.now + .seconds(30)
      while suite.isRunning && ContinuousClock.now < stopDeadline { try await Task.sleep(for: .milliseconds(50)) }
      #expect(!suite.isRunning)
      let finalOutput = try String(contentsOf: output, encoding: .utf8)
      #expect(suite.terminationStatus == 0, "\(finalOutput)")
      let serviceLog = try String(contentsOf: work.appendingPathComponent("data/logs/profile.log"), encoding: .utf8)
      #expect(serviceLog.components(separatedBy: "\"msg\":\"stopped\"").count == round + 1, "profile-service stops gracefully each time")
    }
  }
}
