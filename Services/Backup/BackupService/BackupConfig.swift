import BackupCore
import Foundation
import LoyaltyRuntime

/// Defaults of backup-service: gRPC on 50054, admin HTTP on 9054.
public let backupServiceDefaults = ServiceDefaults(name: "backup", grpcPort: 50054, adminPort: 9054)

/// A stateful service whose data is backed up, and where its replication API answers.
public struct ProtectedServiceAddress: Sendable, Hashable {
  public var name: String
  public var address: ServiceAddress
  /// Recovery order: lower first; services of one priority are restored together.
  public var priority: Int

  public init(name: String, address: ServiceAddress, priority: Int) {
    self.name = name
    self.address = address
    self.priority = priority
  }

  /// Profiles and the graph come back first, then ingestion, which calls the graph.
  public static func priority(of service: String) -> Int {
    service == "ingestion" ? 2 : 1
  }
}

/// Settings of backup-service: the shared ones (see `ServiceOptions`) plus
///
/// | key | flag | environment | default |
/// | --- | --- | --- | --- |
/// | backup.key | `--key-file` | `LOYALTY_BACKUP_KEY_FILE` (or the key itself in `LOYALTY_BACKUP_KEY`) | required: base64 of 32 bytes |
/// | targets.primary | `--primary-target` | `LOYALTY_BACKUP_PRIMARY` | `<data.dir>/targets/primary` |
/// | targets.dr | `--dr-target` | `LOYALTY_BACKUP_DR` | none: no cross-region copy |
/// | targets.cold | `--cold-target` | `LOYALTY_BACKUP_COLD` | none: lifecycle rules need one |
/// | peers.profile | `--profile-target` | `LOYALTY_PROFILE_TARGET` | 127.0.0.1:50052; `none` |
/// | peers.graph | `--graph-target` | `LOYALTY_GRAPH_TARGET` | 127.0.0.1:50051; `none` |
/// | peers.ingestion | `--ingestion-target` | `LOYALTY_INGESTION_TARGET` | none |
/// | schedule.snapshotSeconds | `--snapshot-interval` | `LOYALTY_BACKUP_SNAPSHOT_INTERVAL` | 86400 (daily) |
/// | schedule.drillSeconds | `--drill-interval` | `LOYALTY_BACKUP_DRILL_INTERVAL` | 86400 (daily); 0 turns scheduled drills off |
/// | schedule.copySeconds | `--copy-interval` | `LOYALTY_BACKUP_COPY_INTERVAL` | 5 |
/// | schedule.sweepSeconds | `--sweep-interval` | `LOYALTY_BACKUP_SWEEP_INTERVAL` | 3600: retention and lifecycle rules |
/// | retention.windowDays | `--retention-days` | `LOYALTY_BACKUP_RETENTION_DAYS` | 7 (1–35) |
/// | lifecycle.rules | `--lifecycle-rule CLASS:COLD_DAYS:DELETE_DAYS` (repeatable) | `LOYALTY_BACKUP_LIFECYCLE` (comma-separated) | none |
/// | shipping.flushMillis | `--flush-interval-ms` | `LOYALTY_BACKUP_FLUSH_MS` | 500: the longest a received change waits before it is stored, leaving half of the one-second promise for delivery and upload |
///
/// S3 targets take their credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN`.
public struct BackupConfig: Sendable {
  public var service: RuntimeConfig
  public var key: BackupKey
  public var primary: StorageTargetSpec
  public var dr: StorageTargetSpec?
  public var cold: StorageTargetSpec?
  public var protected: [ProtectedServiceAddress]
  public var snapshotInterval: Duration
  /// Nil: drills run only on demand.
  public var drillInterval: Duration?
  public var copyInterval: Duration
  public var sweepInterval: Duration
  public var retention: RetentionPolicy
  public var lifecycleRules: [LifecycleRule]
  public var flushInterval: Duration
  /// The environment S3 credentials are read from.
  public var environment: [String: String]

  public init(
    service: RuntimeConfig, key: BackupKey, primary: StorageTargetSpec, dr: StorageTargetSpec? = nil,
    cold: StorageTargetSpec? = nil, protected: [ProtectedServiceAddress], snapshotInterval: Duration = .seconds(86_400),
    drillInterval: Duration? = .seconds(86_400), copyInterval: Duration = .seconds(5), sweepInterval: Duration = .seconds(3600),
    retention: RetentionPolicy, lifecycleRules: [LifecycleRule] = [], flushInterval: Duration = .milliseconds(500),
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) {
    self.service = service
    self.key = key
    self.primary = primary
    self.dr = dr
    self.cold = cold
    self.protected = protected
    self.snapshotInterval = snapshotInterval
    self.drillInterval = drillInterval
    self.copyInterval = copyInterval
    self.sweepInterval = sweepInterval
    self.retention = retention
    self.lifecycleRules = lifecycleRules
    self.flushInterval = flushInterval
    self.environment = environment
  }

  /// The flags of `backup-service`, unresolved.
  public struct Flags: Sendable {
    public var keyFile: String?
    public var primaryTarget: String?
    public var drTarget: String?
    public var coldTarget: String?
    public var profileTarget: String?
    public var graphTarget: String?
    public var ingestionTarget: String?
    public var snapshotInterval: Int?
    public var drillInterval: Int?
    public var copyInterval: Int?
    public var sweepInterval: Int?
    public var retentionDays: Int?
    public var lifecycleRules: [String] = []
    public var flushIntervalMillis: Int?

    public init() {}
  }

  public init(
    options: ServiceOptions, flags: Flags, environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(ConfigError) {
    func setting(_ flag: String?, _ variable: String) -> String? {
      flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
    func seconds(_ key: String, _ flag: Int?, _ variable: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
      var value = fallback
      if let flag {
        value = flag
      } else if let text = environment[variable], !text.isEmpty {
        guard let parsed = Int(text) else { throw ConfigError(key: key, message: "\(variable)='\(text)' is not a whole number") }
        value = parsed
      }
      guard range.contains(value) else {
        throw ConfigError(key: key, message: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
      }
      return value
    }

    let service = try RuntimeConfig(options: options, defaults: backupServiceDefaults, environment: environment)

    let key: BackupKey
    do {
      if let file = setting(flags.keyFile, "LOYALTY_BACKUP_KEY_FILE") {
        key = try BackupKey(contentsOf: URL(fileURLWithPath: file))
      } else if let inline = environment["LOYALTY_BACKUP_KEY"], !inline.isEmpty {
        key = try BackupKey(base64: inline, source: "LOYALTY_BACKUP_KEY")
      } else {
        throw ConfigError(
          key: "backup.key",
          message: "no backup key: set LOYALTY_BACKUP_KEY_FILE (a file holding base64 of 32 random bytes, e.g. from 'openssl rand -base64 32') or pass --key-file")
      }
    } catch let error as BackupKeyError {
      throw ConfigError(key: "backup.key", message: error.description)
    } catch let error as ConfigError {
      throw error
    } catch {
      throw ConfigError(key: "backup.key", message: "\(error)")
    }

    let primaryText = setting(flags.primaryTarget, "LOYALTY_BACKUP_PRIMARY")
      ?? service.dataDirectory.appendingPathComponent("targets/primary").path
    let primary = try StorageTargetSpec(parsing: primaryText, name: "primary", key: "targets.primary")
    let dr = try setting(flags.drTarget, "LOYALTY_BACKUP_DR").map { text throws(ConfigError) in
      try StorageTargetSpec(parsing: text, name: "dr", key: "targets.dr")
    }
    let cold = try setting(flags.coldTarget, "LOYALTY_BACKUP_COLD").map { text throws(ConfigError) in
      try StorageTargetSpec(parsing: text, name: "cold", key: "targets.cold")
    }
    if let dr, dr.location == primary.location {
      throw ConfigError(key: "targets.dr", message: "the DR target must not be the primary target")
    }

    var protected: [ProtectedServiceAddress] = []
    for (name, flag, variable, fallback) in [
      ("profile", flags.profileTarget, "LOYALTY_PROFILE_TARGET", "127.0.0.1:50052"),
      ("graph", flags.graphTarget, "LOYALTY_GRAPH_TARGET", "127.0.0.1:50051"),
      ("ingestion", flags.ingestionTarget, "LOYALTY_INGESTION_TARGET", "none"),
    ] {
      let text = setting(flag, variable) ?? fallback
      guard text != "none" else { continue }
      let address = try ServiceAddress(parsing: text, key: "peers.\(name)")
      protected.append(ProtectedServiceAddress(name: name, address: address, priority: ProtectedServiceAddress.priority(of: name)))
    }
    guard !protected.isEmpty else {
      throw ConfigError(key: "peers", message: "no service to back up: every peer address is 'none'")
    }

    let snapshotSeconds = try seconds(
      "schedule.snapshotSeconds", flags.snapshotInterval, "LOYALTY_BACKUP_SNAPSHOT_INTERVAL", default: 86_400, range: 10...(35 * 86_400))
    let drillSeconds = try seconds(
      "schedule.drillSeconds", flags.drillInterval, "LOYALTY_BACKUP_DRILL_INTERVAL", default: 86_400, range: 0...(35 * 86_400))
    if drillSeconds != 0, drillSeconds < 10 {
      throw ConfigError(key: "schedule.drillSeconds", message: "\(drillSeconds) is below 10 (0 turns scheduled drills off)")
    }
    let copySeconds = try seconds("schedule.copySeconds", flags.copyInterval, "LOYALTY_BACKUP_COPY_INTERVAL", default: 5, range: 1...86_400)
    let sweepSeconds = try seconds(
      "schedule.sweepSeconds", flags.sweepInterval, "LOYALTY_BACKUP_SWEEP_INTERVAL", default: 3600, range: 1...86_400)
    let retentionDays = try seconds(
      "retention.windowDays", flags.retentionDays, "LOYALTY_BACKUP_RETENTION_DAYS", default: RetentionPolicy.defaultWindowDays,
      range: RetentionPolicy.allowedWindowDays)
    let retention: RetentionPolicy
    do {
      retention = try RetentionPolicy(windowDays: retentionDays)
    } catch {
      throw ConfigError(key: "retention.windowDays", message: error.description)
    }
    let flushMillis = try seconds("shipping.flushMillis", flags.flushIntervalMillis, "LOYALTY_BACKUP_FLUSH_MS", default: 500, range: 10...60_000)

    var ruleTexts = flags.lifecycleRules
    if ruleTexts.isEmpty, let text = environment["LOYALTY_BACKUP_LIFECYCLE"], !text.isEmpty {
      ruleTexts = text.split(separator: ",").map { String($0) }
    }
    let rules = try ruleTexts.map { text throws(ConfigError) in try Self.parseRule(text) }
    do {
      try LifecycleRules.validate(rules)
    } catch {
      throw ConfigError(key: "lifecycle.rules", message: error.description)
    }
    if !rules.isEmpty, cold == nil {
      throw ConfigError(key: "lifecycle.rules", message: "lifecycle rules move objects to the cold target: set --cold-target")
    }

    self.init(
      service: service, key: key, primary: primary, dr: dr, cold: cold, protected: protected,
      snapshotInterval: .seconds(snapshotSeconds), drillInterval: drillSeconds == 0 ? nil : .seconds(drillSeconds),
      copyInterval: .seconds(copySeconds), sweepInterval: .seconds(sweepSeconds), retention: retention,
      lifecycleRules: rules, flushInterval: .milliseconds(flushMillis), environment: environment)
  }

  /// `snapshots:30:90` — snapshots move to the cold target after 30 days, are deleted after 90.
  static func parseRule(_ text: String) throws(ConfigError) -> LifecycleRule {
    let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":").map(String.init)
    let classes = LifecycleObjectClass.allCases.map(\.rawValue).joined(separator: ", ")
    guard parts.count == 3, let objectClass = LifecycleObjectClass(rawValue: parts[0]),
      let cold = Int(parts[1]), let delete = Int(parts[2])
    else {
      throw ConfigError(key: "lifecycle.rules", message: "'\(text)' is not CLASS:COLD_DAYS:DELETE_DAYS with CLASS one of \(classes)")
    }
    let rule = LifecycleRule(objectClass: objectClass, coldAfterDays: cold, deleteAfterDays: delete)
    do {
      try rule.validate()
    } catch {
      throw ConfigError(key: "lifecycle.rules", message: error.description)
    }
    return rule
  }

  public var catalogPath: URL { service.dataDirectory.appendingPathComponent("backup-catalog.sqlite") }
  public var drillLogPath: URL { service.dataDirectory.appendingPathComponent("backup-drills.sqlite") }
  public var scratchDirectory: URL { service.dataDirectory.appendingPathComponent("scratch") }
  public var restoresDirectory: URL { service.dataDirectory.appendingPathComponent("restores") }
}
