import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Testing

@Suite struct StartupIntegrationTests {
  @Test func aPortInUseFailsStartWithAClearMessage() async throws {
    try await withRunningProfileServer { running in
      let work = FileManager.default.temporaryDirectory.appendingPathComponent("loyalty-it-\(UUID().uuidString)")
      defer { try? FileManager.default.removeItem(at: work) }
      let result = try await runCommand(
        executablesDirectory.appendingPathComponent("profile-service"),
        ["--data-dir", work.path, "--internal-secret-file", running.secretFile.path,
         "--grpc-port", "\(running.ports.grpc)", "--admin-port", "0"])
      #expect(result.status != 0)
      #expect(result.output.contains("grpc.port"), "\(result.output)")
    }
  }

  @Test func missingOrWeakSecretsAndBadValuesRefuseToStart() async throws {
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("loyalty-it-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    let weak = work.appendingPathComponent("weak-secret")
    try Data("short".utf8).write(to: weak)
    let good = work.appendingPathComponent("good-secret")
    try Data(integrationSecret.utf8).write(to: good)
    let executable = executablesDirectory.appendingPathComponent("profile-service")
    let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LOYALTY_") }
    let cases: [([String], String)] = [
      (["--data-dir", work.path], "identity.secret"),
      (["--data-dir", work.path, "--internal-secret-file", weak.path], "identity.secret"),
      (["--data-dir", work.path, "--internal-secret-file", work.appendingPathComponent("missing").path], "identity.secret"),
      (["--data-dir", "/proc/not-writable", "--internal-secret-file", good.path], "data.dir"),
      (["--data-dir", work.path, "--internal-secret-file", good.path, "--grpc-port", "99999"], "grpc.port"),
      (["--data-dir", work.path, "--internal-secret-file", good.path, "--durability", "sometimes"], "db.durability"),
    ]
    for (arguments, key) in cases {
      let result = try await runCommand(executable, arguments, environment: environment)
      #expect(result.status != 0, "\(arguments) should not start")
      #expect(result.output.contains(key), "\(arguments): \(result.output)")
    }
  }

  @Test func sigtermFinishesCleanlyAndEndsWatchStreams() async throws {
    let service = try await RunningService.start("profile-service")
    defer { service.removeFiles() }
    let (watching, signalWatching) = AsyncStream.makeStream(of: Void.self)
    let watch = Task {
      try await service.withClient(as: nil) { client in
        try await Grpc_Health_V1_Health.Client(wrapping: client).watch(.with { $0.service = "" }) { response in
          var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
          for try await message in response.messages {
            statuses.append(message.status)
            signalWatching.yield()
          }
          return statuses
        }
      }
    }
    for await _ in watching { break }
    let follower = Task {
      try await service.withClient(as: Principal(subject: "backup", role: .service)) { client in
        try await Loyalty_Replication_V1_Replication.Client(wrapping: client).streamChanges(.with { $0.follow = true }) { response in
          for try await _ in response.messages {}
        }
      }
    }
    try await Task.sleep(for: .milliseconds(200))
    let started = ContinuousClock.now
    let status = await service.stop()
    #expect(status == 0)
    #expect(ContinuousClock.now - started < .seconds(5))
    let statuses = try await watch.value
    #expect(statuses.first == .serving)
    #expect(statuses.last == .notServing)
    #expect(service.logTail().contains("stopped"))
    await #expect(throws: RPCError.self, "a following journal stream ends with UNAVAILABLE at shutdown") { try await follower.value }
  }

  @Test func aDatabaseFromANewerVersionIsRefusedAtStart() async throws {
    let service = try await RunningService.start("profile-service")
    defer { service.removeFiles() }
    await service.stop()
    let databasePath = service.dataDirectory.appendingPathComponent("profile.sqlite").path
    let marked = try await runCommand(
      URL(fileURLWithPath: "/usr/bin/env"),
      ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO grdb_migrations VALUES ('profiles-v99')\"); c.commit()", databasePath])
    #expect(marked.status == 0, "\(marked.output)")
    let result = try await runCommand(executablesDirectory.appendingPathComponent("profile-service"), service.arguments())
    #expect(result.status != 0)
    #expect(result.output.contains("newer version"), "\(result.output)")
  }
}

@Suite struct DependencyHealthIntegrationTests {
  @Test func healthTurnsNotServingWhenTheDatabaseIsGone() async throws {
    try await withRunningProfileServer { service in
      #expect(try await service.healthStatus() == .serving)
      let metrics = try await service.adminGET("/metrics")
      #expect(metrics.body.contains("journal_last_sequence"))
      try FileManager.default.removeItem(at: service.dataDirectory.appendingPathComponent("profile.sqlite"))
      let deadline = ContinuousClock.now + .seconds(10)
      var status = try await service.healthStatus()
      while status == .serving && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(200))
        status = try await service.healthStatus()
      }
      #expect(status == .notServing)
      #expect(try await service.healthStatus("loyalty.profile.v1.ProfileService") == .notServing)
      #expect(try await service.adminGET("/readyz").status == 503)
    }
  }
}
