import ArgumentParser
import BackupService
import LoyaltyRuntime

@main
struct BackupServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup-service",
    abstract: "Backs up every stateful service (loyalty.backup.v1): snapshots, log shipping, point-in-time restore, drills, DR copies."
  )

  @OptionGroup var options: ServiceOptions

  @Option(help: "File holding the backup key: base64 of 32 random bytes (LOYALTY_BACKUP_KEY_FILE, or the key in LOYALTY_BACKUP_KEY).")
  var keyFile: String?

  @Option(help: "Primary storage target: a folder or s3://BUCKET?endpoint=URL&region=R (LOYALTY_BACKUP_PRIMARY; default <data>/targets/primary).")
  var primaryTarget: String?

  @Option(help: "DR storage target, a copy in another region (LOYALTY_BACKUP_DR; default none).")
  var drTarget: String?

  @Option(help: "Cold storage target for lifecycle rules (LOYALTY_BACKUP_COLD; default none).")
  var coldTarget: String?

  @Option(help: "profile-service address, or 'none' (LOYALTY_PROFILE_TARGET, default 127.0.0.1:50052).")
  var profileTarget: String?

  @Option(help: "graph-service address, or 'none' (LOYALTY_GRAPH_TARGET, default 127.0.0.1:50051).")
  var graphTarget: String?

  @Option(help: "ingestion-service address, or 'none' (LOYALTY_INGESTION_TARGET, default none).")
  var ingestionTarget: String?

  @Option(help: "Seconds between automated snapshots (LOYALTY_BACKUP_SNAPSHOT_INTERVAL, default 86400).")
  var snapshotInterval: Int?

  @Option(help: "Seconds between scheduled restore drills; 0 turns them off (LOYALTY_BACKUP_DRILL_INTERVAL, default 86400).")
  var drillInterval: Int?

  @Option(help: "Seconds between copies to the DR target (LOYALTY_BACKUP_COPY_INTERVAL, default 5).")
  var copyInterval: Int?

  @Option(help: "Seconds between retention sweeps and lifecycle runs (LOYALTY_BACKUP_SWEEP_INTERVAL, default 3600).")
  var sweepInterval: Int?

  @Option(help: "Days every second stays restorable, 1-35 (LOYALTY_BACKUP_RETENTION_DAYS, default 7).")
  var retentionDays: Int?

  @Option(help: "CLASS:COLD_DAYS:DELETE_DAYS, e.g. snapshots:30:90; repeatable (LOYALTY_BACKUP_LIFECYCLE, comma-separated).")
  var lifecycleRule: [String] = []

  @Option(help: "Longest wait in milliseconds before a change is stored (LOYALTY_BACKUP_FLUSH_MS, default 500).")
  var flushIntervalMs: Int?

  func run() async throws {
    var flags = BackupConfig.Flags()
    flags.keyFile = keyFile
    flags.primaryTarget = primaryTarget
    flags.drTarget = drTarget
    flags.coldTarget = coldTarget
    flags.profileTarget = profileTarget
    flags.graphTarget = graphTarget
    flags.ingestionTarget = ingestionTarget
    flags.snapshotInterval = snapshotInterval
    flags.drillInterval = drillInterval
    flags.copyInterval = copyInterval
    flags.sweepInterval = sweepInterval
    flags.retentionDays = retentionDays
    flags.lifecycleRules = lifecycleRule
    flags.flushIntervalMillis = flushIntervalMs
    let config = try BackupConfig(options: options, flags: flags)
    try await runServiceProcess(label: "backup-service", config: config.service) { logger, registry in
      try await makeBackupServer(config: config, logger: logger, metricsRegistry: registry)
    }
  }
}
