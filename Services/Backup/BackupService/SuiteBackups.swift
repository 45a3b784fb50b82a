import BackupCore
import BackupStorage
import Foundation
import Logging
import LoyaltyRuntime
import Metrics

/// The backups of every stateful service of the suite: the storage targets, the catalog, the
/// drill log, one log shipper per service, and the operations the API and the schedule run —
/// snapshots, restores, drills, verification, retention, lifecycle and DR copies.
public final class SuiteBackups: Sendable {
  public let config: BackupConfig
  public let catalog: BackupCatalog
  public let drillLog: DrillLog
  let logger: Logger
  let sealer: ObjectSealer
  let primary: any StorageTarget
  let dr: (any StorageTarget)?
  let cold: (any StorageTarget)?
  /// Writes go to the primary target.
  let archive: BackupArchive
  /// Reads find objects on the primary target, or on the cold one once lifecycle rules moved them.
  let readArchive: BackupArchive
  let retirement: ObjectRetirement
  let metrics: BackupMetrics
  /// In configuration order.
  public let services: [ProtectedService]
  let supervisors: [String: ShippingSupervisor]
  private let ownedS3Targets: [S3Target]

  public init(config: BackupConfig, metricsFactory: any MetricsFactory, logger: Logger) throws {
    self.config = config
    self.logger = logger
    sealer = ObjectSealer(key: config.key)
    let primary = try config.primary.open(environment: config.environment, logger: logger)
    let dr = try config.dr.map { spec throws(ConfigError) in try spec.open(environment: config.environment, logger: logger) }
    let cold = try config.cold.map { spec throws(ConfigError) in try spec.open(environment: config.environment, logger: logger) }
    self.primary = primary
    self.dr = dr
    self.cold = cold
    ownedS3Targets = [primary, dr, cold].compactMap { $0 as? S3Target }
    catalog = try BackupCatalog(path: config.catalogPath)
    drillLog = try DrillLog(path: config.drillLogPath)
    archive = BackupArchive(target: primary, sealer: sealer, scratchDirectory: config.scratchDirectory)
    let readable: any StorageTarget = cold.map { FallbackReadTarget(primary, $0) } ?? primary
    readArchive = BackupArchive(target: readable, sealer: sealer, scratchDirectory: config.scratchDirectory)
    retirement = ObjectRetirement(targets: [primary] + [dr, cold].compactMap { $0 }, sealer: sealer)
    metrics = BackupMetrics(factory: metricsFactory)

    let identity = try InternalIdentity(secret: config.service.internalSecret)
    services = try config.protected.map { try ProtectedService($0, identity: identity) }
    var supervisors: [String: ShippingSupervisor] = [:]
    for service in services {
      let shipper = LogShipper(
        source: service.source, archive: archive, catalog: catalog,
        configuration: .init(flushInterval: config.flushInterval), logger: logger)
      supervisors[service.name] = ShippingSupervisor(shipper: shipper, logger: logger)
    }
    self.supervisors = supervisors
  }

  /// Closes the connections of S3 targets.
  func shutDownTargets() async {
    for target in ownedS3Targets { try? await target.shutdown() }
  }

  func service(named name: String) throws(BackupServiceError) -> ProtectedService {
    guard let service = services.first(where: { $0.name == name }) else {
      throw .unknownService(name, known: services.map(\.name))
    }
    return service
  }

  /// The named services, or all of them for an empty list.
  func services(named names: [String]) throws(BackupServiceError) -> [ProtectedService] {
    if names.isEmpty { return services }
    var chosen: [ProtectedService] = []
    for name in names { chosen.append(try service(named: name)) }
    return chosen
  }

  static var nowMicros: Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

  // MARK: Snapshots

  /// Snapshots `service` through its replication API and records it in the catalog.
  public func takeSnapshot(of service: ProtectedService, kind: SnapshotKind) async throws -> SnapshotEntry {
    let entry = try await SnapshotTaker(archive: archive, catalog: catalog, logger: logger).take(from: service.source, kind: kind)
    metrics.snapshot(service: service.name, kind: kind, takenAtMicros: entry.takenAtMicros)
    return entry
  }

  /// Removes a snapshot from the catalog; its object is deleted after the retirement grace
  /// period, so a restore already reading it finishes.
  public func deleteSnapshot(id: String) async throws -> SnapshotEntry {
    guard let entry = try await catalog.snapshot(id: id) else { throw BackupServiceError.unknownSnapshot(id) }
    _ = try await retirement.retire([.snapshot(entry)], from: catalog, nowMicros: Self.nowMicros)
    logger.notice("snapshot deleted", metadata: ["snapshot": "\(id)", "service": "\(entry.service)"])
    return entry
  }

  // MARK: Status

  public struct ServiceStatus: Sendable {
    public var service: ProtectedService
    public var shipping: LogShipperStatus
    public var lastSnapshot: SnapshotEntry?
    public var window: RecoveryWindow?
    public var lastDrill: DrillResult?
    public var lastSuccessfulDrill: DrillResult?
    public var drLag: ReplicaLag?
  }

  public func status() async throws -> [ServiceStatus] {
    var result: [ServiceStatus] = []
    let now = Self.nowMicros
    for service in services {
      let snapshots = try await catalog.snapshots(service: service.name)
      let drills = try await drillLog.list(service: service.name)
      var drLag: ReplicaLag?
      if let dr { drLag = try await catalog.replicaLag(service: service.name, target: dr.name, nowMicros: now) }
      result.append(
        ServiceStatus(
          service: service, shipping: supervisors[service.name]!.shipper.status,
          lastSnapshot: snapshots.max { ($0.takenAtMicros, $0.id) < ($1.takenAtMicros, $1.id) },
          window: try await catalog.window(service: service.name), lastDrill: drills.first,
          lastSuccessfulDrill: drills.first { $0.outcome == .successful }, drLag: drLag))
    }
    return result
  }

  /// Publishes the gauges the alert rules watch.
  func publishMetrics() async {
    let now = Self.nowMicros
    for service in services {
      metrics.shipping(supervisors[service.name]!.shipper.status, nowMicros: now)
      metrics.snapshotInterval(service: service.name, seconds: config.snapshotInterval.components.seconds)
      if let snapshots = try? await catalog.snapshots(service: service.name) {
        for kind in SnapshotKind.allCases {
          if let newest = snapshots.filter({ $0.kind == kind }).map(\.takenAtMicros).max() {
            metrics.snapshot(service: service.name, kind: kind, takenAtMicros: newest)
          }
        }
      }
      metrics.window(service: service.name, try? await catalog.window(service: service.name))
      if let dr, let lag = try? await catalog.replicaLag(service: service.name, target: dr.name, nowMicros: now) {
        metrics.copyLag(lag, target: dr.name)
      }
    }
  }

  // MARK: Retention, lifecycle, DR copy

  public func sweepRetention(now: Date = Date()) async throws -> [RetentionReport] {
    let sweeper = RetentionSweeper(policy: config.retention, catalog: catalog, retirement: retirement)
    var reports: [RetentionReport] = []
    for service in services { reports.append(try await sweeper.sweep(service: service.name, now: now)) }
    return reports
  }

  public var lifecycleRules: LifecycleRules? {
    guard let cold, !config.lifecycleRules.isEmpty else { return nil }
    return try? LifecycleRules(
      rules: config.lifecycleRules, catalog: catalog, hot: primary, cold: cold, retirement: retirement,
      scratchDirectory: config.scratchDirectory)
  }

  public func copyToDR() async throws -> ReplicaCopyReport? {
    guard let dr else { return nil }
    let source: any StorageTarget = cold.map { FallbackReadTarget(primary, $0) } ?? primary
    let copier = ReplicaCopier(
      from: source, to: dr, catalog: catalog, sealer: sealer, scratchDirectory: config.scratchDirectory, logger: logger)
    let report = try await copier.copy(services: services.map(\.name))
    for service in services {
      metrics.copyLag(try await copier.lag(service: service.name, nowMicros: Self.nowMicros), target: dr.name)
    }
    return report
  }

  // MARK: Drills

  public func runDrill(service: String, target: RecoveryTarget, source: BackupSourceChoice) async throws -> DrillResult {
    let origin = try await recoverySource(source)
    let drill = RestoreDrill(
      archive: origin.archive, catalog: origin.catalog, log: drillLog,
      scratchDirectory: config.scratchDirectory.appendingPathComponent("drills"), logger: logger)
    var result = try await drill.run(service: service, target: target)
    if source == .dr {
      result.notes.insert("restored from the DR target alone (\(origin.description))", at: 0)
      try await drillLog.record(result)
    }
    metrics.drill(result)
    return result
  }
}
