import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Synchronization
import Testing

/// profile-service (and optionally graph-service) and backup-service as real processes:
/// backup-service ships their journals to a primary target and copies them to a DR target,
/// both folders unless S3 targets are given. Everything lives in one temporary folder,
/// removed by `tearDown`.
final class BackupTestbed: @unchecked Sendable {
  let profile: RunningService
  /// Started with an empty graph (`--seed none`), so that everything in it was written by the test.
  let graph: RunningService?
  let backup: RunningService
  let folder: URL
  let keyFile: URL

  var primaryFolder: URL { folder.appendingPathComponent("primary") }
  var drFolder: URL { folder.appendingPathComponent("dr") }
  var restoresFolder: URL { folder.appendingPathComponent("restores") }

  private init(profile: RunningService, graph: RunningService?, backup: RunningService, folder: URL, keyFile: URL) {
    self.profile = profile
    self.graph = graph
    self.backup = backup
    self.folder = folder
    self.keyFile = keyFile
  }

  /// - Parameters:
  ///   - primary, dr: target specifications; folders under the testbed's folder by default.
  static func start(
    primary: String? = nil, dr: String? = nil, environment: [String: String] = [:], extraArguments: [String] = [],
    withGraph: Bool = false
  ) async throws -> BackupTestbed {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loyalty-backup-it-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let keyFile = folder.appendingPathComponent("backup-key")
    try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedData().write(to: keyFile)
    let profile = try await RunningService.start("profile-service")
    var graph: RunningService?
    let backup: RunningService
    do {
      if withGraph {
        graph = try await RunningService.start(
          "graph-service", extraArguments: ["--profile-target", profile.address.description, "--seed", "none"])
      }
      backup = try await RunningService.start(
        "backup-service",
        extraArguments: [
          "--key-file", keyFile.path,
          "--profile-target", profile.address.description, "--graph-target", graph?.address.description ?? "none",
          "--primary-target", primary ?? folder.appendingPathComponent("primary").path,
          "--dr-target", dr ?? folder.appendingPathComponent("dr").path,
          "--copy-interval", "1", "--drill-interval", "0", "--log-format", "text",
        ] + extraArguments,
        environment: environment)
    } catch {
      for service in [graph, profile].compactMap({ $0 }) {
        await service.stop()
        service.removeFiles()
      }
      throw error
    }
    return BackupTestbed(profile: profile, graph: graph, backup: backup, folder: folder, keyFile: keyFile)
  }

  func tearDown() async {
    for service in [backup, graph, profile].compactMap({ $0 }) {
      await service.stop()
      service.removeFiles()
    }
    try? FileManager.default.removeItem(at: folder)
  }

  /// Runs `body` with a started testbed, printing both logs when it fails.
  static func with(
    primary: String? = nil, dr: String? = nil, environment: [String: String] = [:], extraArguments: [String] = [],
    withGraph: Bool = false, _ body: (BackupTestbed) async throws -> Void
  ) async throws {
    let testbed = try await start(
      primary: primary, dr: dr, environment: environment, extraArguments: extraArguments, withGraph: withGraph)
    do {
      try await body(testbed)
    } catch {
      Issue.record("backup-service log:\n\(testbed.backup.logTail(lines: 40))\nprofile-service log:\n\(testbed.profile.logTail())")
      await testbed.tearDown()
      throw error
    }
    await testbed.tearDown()
  }

  func withBackups<Result: Sendable>(
    _ body: (Loyalty_Backup_V1_BackupService.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await backup.withClient { try await body(Loyalty_Backup_V1_BackupService.Client(wrapping: $0)) }
  }

  func status(of service: String = "profile") async throws -> Loyalty_Backup_V1_ServiceBackupStatus {
    let status = try await withBackups { try await $0.getStatus(.init()) }
    return try #require(status.services.first { $0.service == service })
  }

  /// Waits until `condition` holds for the service's backup status; fails after `timeout`.
  @discardableResult
  func waitForStatus(
    of service: String = "profile", timeout: Duration = .seconds(30), _ what: String,
    _ condition: (Loyalty_Backup_V1_ServiceBackupStatus) -> Bool
  ) async throws -> Loyalty_Backup_V1_ServiceBackupStatus {
    let deadline = ContinuousClock.now + timeout
    var last: Loyalty_Backup_V1_ServiceBackupStatus?
    while ContinuousClock.now < deadline {
      if let status = try? await status(of: service) {
        last = status
        if condition(status) { return status }
      }
      try await Task.sleep(for: .milliseconds(100))
    }
    throw BackupTestbedFailure(description: "timed out waiting for \(what); last status: \(last.map { "\($0)" } ?? "none")")
  }

  /// profile-service's change journal.
  func profileJournal(after seq: Int64 = 0) async throws -> [Loyalty_Replication_V1_ChangeRecord] {
    try await journal(of: profile, after: seq)
  }

  func journal(of service: RunningService, after seq: Int64 = 0) async throws -> [Loyalty_Replication_V1_ChangeRecord] {
    try await service.replication { replication in
      try await replication.streamChanges(.with { $0.afterSeq = seq }) { response in
        var records: [Loyalty_Replication_V1_ChangeRecord] = []
        for try await record in response.messages { records.append(record) }
        return records
      }
    }
  }

  /// Waits until every change profile-service has committed so far is stored.
  func waitUntilShipped(timeout: Duration = .seconds(30)) async throws {
    let head = try await profileJournal().last?.seq ?? 0
    try await waitForStatus(timeout: timeout, "sequence \(head) to be stored") { $0.lastStoredSeq >= head }
  }

  /// Waits until every change `service` has committed so far is on the DR target.
  func waitUntilCopiedToDR(_ name: String, of service: RunningService, timeout: Duration = .seconds(60)) async throws {
    let head = try await journal(of: service).last?.seq ?? 0
    try await waitForStatus(of: name, timeout: timeout, "\(name)'s sequence \(head) on the DR target") {
      $0.drReplicatedSeq >= head && $0.drLagSeconds == 0
    }
  }

  /// Every file below `folder`, for scanning stored objects.
  static func files(under folder: URL) -> [URL] {
    guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
    return enumerator.compactMap { $0 as? URL }.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
  }
}

struct BackupTestbedFailure: Error, CustomStringConvertible {
  var description: String
}

/// Adjusts one traveller's balance in a loop until cancelled, remembering when each write was
/// acknowledged. Each adjustment has its own request id, so every acknowledged write leaves
/// one `balance_adjustments` row keyed by it.
final class AcknowledgedWriter: Sendable {
  struct Acknowledgement: Sendable {
    var requestID: String
    var at: ContinuousClock.Instant
  }

  let acknowledged = Mutex<[Acknowledgement]>([])
  private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

  func start(on service: RunningService, user: String, prefix: String) {
    let task = Task<Void, Never> { [self] in
      _ = try? await service.withProfiles { profiles in
        var index = 0
        while !Task.isCancelled {
          index += 1
          let requestID = "\(prefix)-\(index)"
          do {
            _ = try await profiles.adjustBalance(.with {
              $0.userID = user; $0.programID = "aa-aadvantage"; $0.delta = 1; $0.requestID = requestID
            })
            self.acknowledged.withLock { $0.append(Acknowledgement(requestID: requestID, at: .now)) }
          } catch {
            return
          }
          try? await Task.sleep(for: .milliseconds(5))
        }
      }
    }
    self.task.withLock { $0 = task }
  }

  func stop() async {
    let task = self.task.withLock { $0 }
    task?.cancel()
    await task?.value
  }

  var count: Int { acknowledged.withLock { $0.count } }

  /// Waits until at least `count` writes were acknowledged in total.
  func waitFor(_ count: Int, timeout: Duration = .seconds(30)) async throws {
    let deadline = ContinuousClock.now + timeout
    while self.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    guard self.count >= count else {
      throw BackupTestbedFailure(description: "only \(self.count) of \(count) writes were acknowledged")
    }
  }

  /// Request ids acknowledged before `instant`.
  func acknowledged(before instant: ContinuousClock.Instant) -> [String] {
    acknowledged.withLock { $0.filter { $0.at < instant }.map(\.requestID) }
  }
}
