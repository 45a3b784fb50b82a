import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import SwiftProtobuf

private let backupTarget = "127.0.0.1:50054"
private let backupTargetKey = "LOYALTY_BACKUP_TARGET"

extension ConnectionOptions {
  /// What snapshots, restores, drills, verification and recovery wait by default: they copy,
  /// read and check whole databases.
  static let longOperationTimeoutSeconds: Double = 3600

  /// Calls backup-service directly rather than through the gateway, so that it works while
  /// the rest of the suite is down.
  func withBackup<Result: Sendable>(
    defaultTimeoutSeconds: Double = ConnectionOptions.defaultTimeoutSeconds,
    _ body: (Loyalty_Backup_V1_BackupService.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Result
  ) async throws -> Result {
    let options = callOptions(defaultTimeoutSeconds: defaultTimeoutSeconds)
    return try await withClient(defaultTarget: backupTarget, environmentKey: backupTargetKey) { client in
      try await body(Loyalty_Backup_V1_BackupService.Client(wrapping: client), options)
    }
  }
}

/// The storage target a restore, drill, verification or recovery reads from.
enum BackupSourceOption: String, ExpressibleByArgument, CaseIterable {
  case primary
  case dr

  var proto: Loyalty_Backup_V1_BackupSource {
    switch self {
    case .primary: .primary
    case .dr: .dr
    }
  }
}

extension ArgumentHelp {
  static var recoveryTime: ArgumentHelp {
    ArgumentHelp(
      "Restore the state as of this time instead of the newest stored change: ISO-8601 UTC "
        + "(2026-12-05T10:00:00Z, 2026-12-05T10:00:00.123456Z) or Unix seconds (1764928800.5).",
      valueName: "time")
  }
}

struct BackupCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Backups of every stateful service: status, snapshots, point-in-time restore, drills, verification.",
    discussion: """
      These commands call backup-service directly (127.0.0.1:50054, or LOYALTY_BACKUP_TARGET), not through the gateway, signed with the suite's internal secret as admin.
      """,
    subcommands: [
      Status.self, Snapshot.self, List.self, Delete.self, Restore.self, Drill.self, Drills.self, Verify.self,
      Lifecycle.self,
    ],
    defaultSubcommand: Status.self
  )

  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Per service: log shipping and its lag, the newest snapshot, the restorable window, the newest drill, the DR lag.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let status = try await connection.withBackup { try await $0.getStatus(.init(), options: $1) }
      if connection.json { return try ProfileOutput.printJSON(status) }
      BackupOutput.printStatus(status)
    }
  }

  struct Snapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Takes a snapshot now; manual snapshots are kept until deleted.")
    @Option(help: "The service to snapshot; default every service.")
    var service: String = ""
    @Flag(help: "Take an automated snapshot, deleted by retention like the scheduled ones.")
    var automated = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let request = Loyalty_Backup_V1_TakeSnapshotRequest.with {
        $0.service = service
        $0.kind = automated ? .automated : .manual
      }
      let response = try await connection.withBackup(defaultTimeoutSeconds: ConnectionOptions.longOperationTimeoutSeconds) {
        try await $0.takeSnapshot(request, options: $1)
      }
      if connection.json { return try ProfileOutput.printJSON(response) }
      BackupOutput.printSnapshots(response.snapshots)
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Lists the snapshots, journal segments and restorable window of each service.")
    @Option(help: "Only this service.")
    var service: String = ""
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let response = try await connection.withBackup {
        try await $0.listRecoveryPoints(.with { $0.service = service }, options: $1)
      }
      if connection.json { return try ProfileOutput.printJSON(response) }
      BackupOutput.printRecoveryPoints(response)
    }
  }

  struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Deletes a snapshot, manual or automated.")
    @Argument(help: "The snapshot id (see 'loyalty backup list').")
    var snapshotID: String
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let response = try await connection.withBackup {
        try await $0.deleteSnapshot(.with { $0.id = snapshotID }, options: $1)
      }
      if connection.json { return try ProfileOutput.printJSON(response) }
      let deleted = response.deleted
      print("deleted snapshot \(deleted.id) of \(deleted.service) (\(BackupOutput.kind(deleted.kind)), seq \(deleted.lastSeq))")
    }
  }

  struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Restores one service as of a point in time, into a new database file (the default) or in place.",
      discussion: """
        A time outside the restorable window is refused; see 'loyalty backup list'.
          loyalty backup restore --service profile --to-time 2026-12-05T10:00:00Z
          loyalty backup restore --service profile --in-place --force
        """)
    @Option(help: "The service to restore, e.g. profile.")
    var service: String
    @Option(name: .customLong("to-time"), help: .recoveryTime, transform: RecoveryTime.parse)
    var toTime: Google_Protobuf_Timestamp?
    @Flag(help: "Replace the running service's database (needs --force).")
    var inPlace = false
    @Flag(help: "Confirm --in-place: the service's current data is replaced.")
    var force = false
    @Option(help: "The database file to create on backup-service's host (must not exist); default <data>/restores/<service>-<time>.sqlite.")
    var destination: String?
    @Option(name: .customLong("from"), help: "The storage target to read; default primary.")
    var source: BackupSourceOption?
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
      guard !service.isEmpty else { throw ValidationError("--service must name a service, e.g. profile") }
      if inPlace, !force {
        throw ValidationError("--in-place replaces \(service)'s current data; add --force to confirm")
      }
      if force, !inPlace {
        throw ValidationError("--force only confirms --in-place; a restore into a new database needs neither")
      }
      if inPlace, destination != nil {
        throw ValidationError("--destination is for a restore into a new database; drop it or drop --in-place")
      }
    }

    func run() async throws {
      let request = Loyalty_Backup_V1_RestoreRequest.with {
        $0.service = service
        if let toTime { $0.toTime = toTime }
        $0.mode = inPlace ? .inPlace : .newDatabase
        $0.destination = destination ?? ""
        $0.force = force
        $0.source = source?.proto ?? .unspecified
      }
      let response = try await connection.withBackup(defaultTimeoutSeconds: ConnectionOptions.longOperationTimeoutSeconds) {
        try await $0.restore(request, options: $1)
      }
      if connection.json { return try ProfileOutput.printJSON(response) }
      BackupOutput.printRestore(response)
    }
  }

  struct Drill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Restores a recovery point into a scratch location, checks it and records the result. Exit 1 when a drill fails.")
    @Option(help: "Only this service; default every service.")
    var service: String = ""
    @Option(name: .customLong("to-time"), help: .recoveryTime, transform: RecoveryTime.parse)
    var toTime: Google_Protobuf_Timestamp?
    @Option(name: .customLong("from"), help: "The storage target to read; default primary.")
    var source: BackupSourceOption?
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let request = Loyalty_Backup_V1_RunDrillRequest.with {
        $0.service = service
        if let toTime { $0.toTime = toTime }
        $0.source = source?.proto ?? .unspecified
      }
      let response = try await connection.withBackup(defaultTimeoutSeconds: ConnectionOptions.longOperationTimeoutSeconds) {
        try await $0.runDrill(request, options: $1)
      }
      if connection.json {
        try ProfileOutput.printJSON(response)
      } else {
        BackupOutput.printDrillResults(response.drills)
      }
      if response.drills.contains(where: { $0.outcome == .failed }) { throw ExitCode.failure }
    }
  }

  struct Drills: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists recorded drills, newest first.")
    @Option(help: "Only this service.")
    var service: String = ""
    @Option(help: "At most this many (default 50).")
    var limit: Int32?
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
      if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
      let request = Loyalty_Backup_V1_ListDrillsRequest.with {
        $0.service = service
        $0.limit = limit ?? 0
      }
      let response = try await connection.withBackup { try await $0.listDrills(request, options: $1) }
      if connection.json { return try ProfileOutput.printJSON(response) }
      BackupOutput.printDrillHistory(response.drills)
    }
  }

  struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Reads back every stored object: decrypts it, checks its SHA-256 and the journal's continuity. Exit 1 on any problem.")
    @Option(help: "Only this service; default every service.")
    var service: String = ""
    @Option(name: .customLong("from"), help: "The storage target to read; default primary.")
    var source: BackupSourceOption?
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let request = Loyalty_Backup_V1_VerifyRequest.with {
        $0.service = service
        $0.source = source?.proto ?? .unspecified
      }
      let response = try await connection.withBackup(defaultTimeoutSeconds: ConnectionOptions.longOperationTimeoutSeconds) {
        try await $0.verify(request, options: $1)
      }
      if connection.json {
        try ProfileOutput.printJSON(response)
      } else {
        BackupOutput.printVerification(response)
      }
      if !response.ok { throw ExitCode.failure }
    }
  }

  struct Lifecycle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Shows when each class of stored object moves to the cold target and when it is deleted.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let response = try await connection.withBackup { try await $0.listLifecycleRules(.init(), options: $1) }
      if connection.json { return try ProfileOutput.printJSON(response) }
      BackupOutput.printLifecycleRules(response)
    }
  }
}
