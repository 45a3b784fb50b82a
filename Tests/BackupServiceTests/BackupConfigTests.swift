import ArgumentParser
import BackupCore
import BackupService
import Foundation
import LoyaltyRuntime
import Testing

@Suite struct BackupConfigTests {
  let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("backup-config-\(UUID().uuidString)")
  let key = BackupKey.generate().base64

  func environment(_ extra: [String: String] = [:]) -> [String: String] {
    ["LOYALTY_INTERNAL_SECRET": "backup-config-tests-internal-secret-0123456789", "LOYALTY_BACKUP_KEY": key]
      .merging(extra) { $1 }
  }

  func config(_ flags: BackupConfig.Flags = .init(), environment extra: [String: String] = [:]) throws(ConfigError) -> BackupConfig {
    // Parsing a valid command line cannot fail.
    let options = try! ServiceOptions.parse(["--data-dir", dataDirectory.path])
    return try BackupConfig(options: options, flags: flags, environment: environment(extra))
  }

  func failure(_ flags: BackupConfig.Flags = .init(), environment extra: [String: String] = [:]) -> ConfigError? {
    do {
      _ = try config(flags, environment: extra)
      return nil
    } catch {
      return error
    }
  }

  @Test func defaultsBackUpProfileAndGraphDailyIntoTheDataFolder() throws {
    let config = try config()
    defer { try? FileManager.default.removeItem(at: dataDirectory) }
    #expect(config.protected.map(\.name) == ["profile", "graph"])
    #expect(config.protected.map(\.address.description) == ["127.0.0.1:50052", "127.0.0.1:50051"])
    #expect(config.snapshotInterval == .seconds(86_400))
    #expect(config.drillInterval == .seconds(86_400))
    #expect(config.retention.windowDays == 7)
    #expect(config.flushInterval == .milliseconds(500))
    #expect(config.primary.location == .directory(dataDirectory.appendingPathComponent("targets/primary", isDirectory: true).standardizedFileURL))
    #expect(config.dr == nil && config.cold == nil && config.lifecycleRules.isEmpty)
  }

  @Test func ingestionIsBackedUpOnceItsAddressIsGivenAndRestoredAfterTheOthers() throws {
    var flags = BackupConfig.Flags()
    flags.ingestionTarget = "127.0.0.1:50053"
    flags.graphTarget = "none"
    let config = try config(flags)
    defer { try? FileManager.default.removeItem(at: dataDirectory) }
    #expect(config.protected.map(\.name) == ["profile", "ingestion"])
    #expect(config.protected.map(\.priority) == [1, 2])
  }

  @Test func aMissingOrMalformedKeyIsRefusedNamingWhatToSet() throws {
    defer { try? FileManager.default.removeItem(at: dataDirectory) }
    let missing = failure(environment: ["LOYALTY_BACKUP_KEY": ""])
    #expect(missing?.key == "backup.key")
    #expect(missing?.message.contains("LOYALTY_BACKUP_KEY_FILE") == true)
    let short = failure(environment: ["LOYALTY_BACKUP_KEY": Data(repeating: 1, count: 16).base64EncodedString()])
    #expect(short?.message.contains("32 bytes") == true)
    var flags = BackupConfig.Flags()
    flags.keyFile = "/nonexistent/backup-key"
    #expect(failure(flags)?.message.contains("/nonexistent/backup-key") == true)
  }

  @Test func badSchedulesRetentionAndRulesNameTheirKey() throws {
    defer { try? FileManager.default.removeItem(at: dataDirectory) }
    var retention = BackupConfig.Flags()
    retention.retentionDays = 36
    #expect(failure(retention)?.key == "retention.windowDays")
    #expect(failure(environment: ["LOYALTY_BACKUP_RETENTION_DAYS": "0"])?.key == "retention.windowDays")
    #expect(failure(environment: ["LOYALTY_BACKUP_SNAPSHOT_INTERVAL": "daily"])?.message.contains("not a whole number") == true)
    var drills = BackupConfig.Flags()
    drills.drillInterval = 5
    #expect(failure(drills)?.key == "schedule.drillSeconds")
    drills.drillInterval = 0
    #expect(try config(drills).drillInterval == nil)

    var rules = BackupConfig.Flags()
    rules.lifecycleRules = ["snapshots:30:90"]
    #expect(failure(rules)?.message.contains("cold target") == true)
    rules.coldTarget = dataDirectory.appendingPathComponent("cold").path
    #expect(try config(rules).lifecycleRules == [LifecycleRule(objectClass: .snapshots, coldAfterDays: 30, deleteAfterDays: 90)])
    rules.lifecycleRules = ["snapshots:90:30"]
    #expect(failure(rules)?.key == "lifecycle.rules")
    rules.lifecycleRules = ["tapes:1:2"]
    #expect(failure(rules)?.message.contains("snapshots, documentVersions") == true)
    rules.lifecycleRules = ["snapshots:1:2", "snapshots:3:4"]
    #expect(failure(rules)?.key == "lifecycle.rules")
  }

  @Test func peersAndTargetsMustMakeSense() throws {
    defer { try? FileManager.default.removeItem(at: dataDirectory) }
    var nothing = BackupConfig.Flags()
    nothing.profileTarget = "none"
    nothing.graphTarget = "none"
    #expect(failure(nothing)?.key == "peers")
    var badPeer = BackupConfig.Flags()
    badPeer.graphTarget = "graph-host"
    #expect(failure(badPeer)?.key == "peers.graph")
    var sameTargets = BackupConfig.Flags()
    sameTargets.primaryTarget = "/var/backups/loyalty"
    sameTargets.drTarget = "dir:/var/backups/loyalty"
    #expect(failure(sameTargets)?.key == "targets.dr")
  }
}
