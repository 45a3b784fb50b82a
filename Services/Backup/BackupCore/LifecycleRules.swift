import BackupStorage
import Crypto
import Foundation
import LoyaltyRuntime

/// The kinds of backup objects lifecycle rules apply to.
public enum LifecycleObjectClass: String, Sendable, Hashable, CaseIterable, Codable {
  case snapshots
  /// Non-current versions of raw documents.
  case documentVersions
}

/// After `coldAfterDays` days objects of a class move to the cold target; after
/// `deleteAfterDays` days they are deleted.
public struct LifecycleRule: Sendable, Hashable, Codable, CustomStringConvertible {
  public var objectClass: LifecycleObjectClass
  public var coldAfterDays: Int
  public var deleteAfterDays: Int

  public init(objectClass: LifecycleObjectClass, coldAfterDays: Int, deleteAfterDays: Int) {
    self.objectClass = objectClass
    self.coldAfterDays = coldAfterDays
    self.deleteAfterDays = deleteAfterDays
  }

  /// Checks `deleteAfterDays > coldAfterDays > 0`.
  public func validate() throws(LifecycleRuleError) {
    guard coldAfterDays > 0 else { throw .coldAfterNotPositive(objectClass, days: coldAfterDays) }
    guard deleteAfterDays > coldAfterDays else {
      throw .deleteNotAfterCold(objectClass, coldAfterDays: coldAfterDays, deleteAfterDays: deleteAfterDays)
    }
  }

  public var description: String {
    "\(objectClass.rawValue): to cold storage after \(coldAfterDays) days, deleted after \(deleteAfterDays) days"
  }
}

public enum LifecycleRuleError: Error, Equatable, CustomStringConvertible {
  case coldAfterNotPositive(LifecycleObjectClass, days: Int)
  case deleteNotAfterCold(LifecycleObjectClass, coldAfterDays: Int, deleteAfterDays: Int)
  case duplicateRule(LifecycleObjectClass)

  public var description: String {
    switch self {
    case .coldAfterNotPositive(let objectClass, let days):
      "lifecycle rule '\(objectClass.rawValue)': coldAfterDays must be at least 1, not \(days)"
    case .deleteNotAfterCold(let objectClass, let cold, let delete):
      "lifecycle rule '\(objectClass.rawValue)': deleteAfterDays (\(delete)) must be greater than coldAfterDays (\(cold))"
    case .duplicateRule(let objectClass):
      "lifecycle rule '\(objectClass.rawValue)' is defined more than once"
    }
  }
}

/// Runs lifecycle rules: old objects move from the hot target to the cold one, then are
/// deleted.
///
/// A move copies the object and its manifest to the cold target, reads the copy back and
/// checks its SHA-256 against the catalog, records the cold copy in the catalog, and only then
/// forgets and deletes the hot copy. Restores read through a `FallbackReadTarget` of the hot
/// and cold targets, so they work before, during and after a move. Deletion goes through
/// `ObjectRetirement` (catalog first, objects after its grace period). The newest snapshot of
/// each service is never deleted, so every service keeps a recovery point; manual snapshots
/// are deleted too, a configured rule being the explicit decision to delete them.
public struct LifecycleRules: Sendable {
  public let rules: [LifecycleRule]
  public let catalog: BackupCatalog
  public let hot: any StorageTarget
  public let cold: any StorageTarget
  public let retirement: ObjectRetirement
  /// Where objects are staged on their way from the hot to the cold target.
  public let scratchDirectory: URL

  /// - Throws: `LifecycleRuleError` naming the first invalid or duplicated rule.
  public init(
    rules: [LifecycleRule], catalog: BackupCatalog, hot: any StorageTarget, cold: any StorageTarget,
    retirement: ObjectRetirement, scratchDirectory: URL
  ) throws(LifecycleRuleError) {
    try Self.validate(rules)
    self.rules = rules
    self.catalog = catalog
    self.hot = hot
    self.cold = cold
    self.retirement = retirement
    self.scratchDirectory = scratchDirectory
  }

  /// Checks every rule, and that no object class has two.
  public static func validate(_ rules: [LifecycleRule]) throws(LifecycleRuleError) {
    var seen: Set<LifecycleObjectClass> = []
    for rule in rules {
      try rule.validate()
      guard seen.insert(rule.objectClass).inserted else { throw .duplicateRule(rule.objectClass) }
    }
  }

  /// One line per rule, for display.
  public var list: [String] { rules.map(\.description) }

  /// Applies every rule as of `now`.
  public func apply(now: Date) async throws -> LifecycleReport {
    let nowMicros = Int64((now.timeIntervalSince1970 * 1_000_000).rounded())
    var report = LifecycleReport()
    for rule in rules {
      switch rule.objectClass {
      case .snapshots:
        try await applySnapshotRule(rule, nowMicros: nowMicros, report: &report)
      case .documentVersions:
        report.notes.append("\(rule.objectClass.rawValue): no document versions are catalogued, nothing to apply")
      }
    }
    report.purgedObjects = try await retirement.purge(nowMicros: nowMicros)
    return report
  }

  private func applySnapshotRule(_ rule: LifecycleRule, nowMicros: Int64, report: inout LifecycleReport) async throws {
    let day: Int64 = 86_400_000_000
    for service in try await catalog.services() {
      let snapshots = try await catalog.snapshots(service: service)
      let newest = snapshots.last?.id
      var retired: [ObjectRetirement.Entry] = []
      for snapshot in snapshots {
        let age = nowMicros - snapshot.takenAtMicros
        if age >= Int64(rule.deleteAfterDays) * day {
          if snapshot.id == newest {
            report.notes.append("snapshot \(snapshot.id) is kept: it is the newest of \(service)")
          } else {
            retired.append(.snapshot(snapshot))
            report.deletedSnapshots.append(snapshot.id)
            continue
          }
        }
        if age >= Int64(rule.coldAfterDays) * day, snapshot.targets.contains(hot.name) {
          try await moveToCold(objectKey: snapshot.objectKey, sealedSHA256: snapshot.sealedSHA256)
          report.movedSnapshots.append(snapshot.id)
        }
      }
      report.notes += try await retirement.retire(retired, from: catalog, nowMicros: nowMicros)
    }
  }

  private func moveToCold(objectKey: String, sealedSHA256: String) async throws {
    try FileManager.default.createDirectory(at: scratchDirectory, withIntermediateDirectories: true)
    let staged = scratchDirectory.appendingPathComponent("lifecycle-\(UUID().uuidString).sealed")
    let readBack = scratchDirectory.appendingPathComponent("lifecycle-\(UUID().uuidString).check")
    defer {
      try? FileManager.default.removeItem(at: staged)
      try? FileManager.default.removeItem(at: readBack)
    }
    try await hot.getFile(objectKey, to: staged)
    do {
      try await cold.putFile(objectKey, from: staged, ifAbsent: true)
    } catch .alreadyExists {
      // An earlier interrupted move; the read-back check below decides whether it is sound.
    }
    let manifestKey = BackupLayout.manifestKey(for: objectKey)
    if try await cold.head(manifestKey) == nil {
      try await cold.put(manifestKey, data: try await hot.get(manifestKey), ifAbsent: true)
    }
    try await cold.getFile(objectKey, to: readBack)
    let actual = try await FileSHA256.computed(for: readBack)
    guard actual == sealedSHA256.lowercased() else {
      throw BackupIntegrityError.checksumMismatch(
        object: "\(cold.name):\(objectKey)", expected: sealedSHA256.lowercased(), actual: actual)
    }
    try await catalog.addCopy(objectKey: objectKey, target: cold.name)
    try await catalog.removeCopy(objectKey: objectKey, target: hot.name)
    try await hot.delete(objectKey)
    try await hot.delete(manifestKey)
  }
}

/// What one run of the lifecycle rules did.
public struct LifecycleReport: Sendable, Hashable {
  /// Ids of snapshots moved to the cold target.
  public var movedSnapshots: [String] = []
  /// Ids of snapshots removed from the catalog (objects follow after the grace period).
  public var deletedSnapshots: [String] = []
  /// Data objects actually deleted from the targets.
  public var purgedObjects = 0
  public var notes: [String] = []

  public init() {}
}
