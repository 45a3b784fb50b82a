import ArgumentParser
import LoyaltyAPI
import SwiftProtobuf

/// Disaster recovery of the whole suite, from the DR target unless told otherwise.
struct RecoverCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recover",
    abstract: "Restores every stateful service in priority order and waits until each is healthy. Exit 1 unless all recovered.",
    discussion: """
      Reads the DR target alone by default, as after losing the primary. With --drill, restores into scratch locations and leaves the services alone. Calls backup-service directly (127.0.0.1:50054, or LOYALTY_BACKUP_TARGET).

        loyalty recover --drill
        loyalty recover --service profile --to-time 2026-12-05T10:00:00Z
      """
  )

  @Option(name: .customLong("from"), help: "The storage target to read.")
  var source: BackupSourceOption = .dr

  @Flag(help: "Restore into scratch locations and check them, leaving the services alone.")
  var drill = false

  @Option(name: .customLong("service"), help: "A service to recover (repeatable); default every service.")
  var services: [String] = []

  @Option(name: .customLong("to-time"), help: .recoveryTime, transform: RecoveryTime.parse)
  var toTime: Google_Protobuf_Timestamp?

  @OptionGroup var connection: ConnectionOptions

  func run() async throws {
    let request = Loyalty_Backup_V1_RecoverRequest.with {
      $0.services = services
      $0.source = source.proto
      $0.drill = drill
      if let toTime { $0.toTime = toTime }
    }
    let response = try await connection.withBackup(defaultTimeoutSeconds: ConnectionOptions.longOperationTimeoutSeconds) {
      try await $0.recover(request, options: $1)
    }
    if connection.json {
      try ProfileOutput.printJSON(response)
    } else {
      BackupOutput.printRecovery(response)
    }
    if !response.ok { throw ExitCode.failure }
  }
}
