import BackupStorage
import Foundation

/// Deletes catalogued backup objects in two steps, so that a restore already under way never
/// loses an object it planned to read:
///
/// 1. Retire: a sealed ledger listing the retired keys is written to each target holding them
///    (so they are never forgotten), the entries leave the catalog (no new plan uses them), and
///    their manifests are deleted (a catalog rebuilt from the target does not bring them back).
///    The data objects stay readable.
/// 2. Purge, once the grace period has passed: the data objects named by old ledgers are
///    deleted, then the ledgers.
///
/// A restore holding a plan made before step 1 reads the data objects only, and verifies them
/// against the checksums in its plan, so it succeeds as long as it finishes within the grace
/// period. Ledgers live outside `BackupLayout.rootPrefix`, so catalog rebuilds ignore them.
public struct ObjectRetirement: Sendable {
  public static let ledgerPrefix = "retention/retired/"
  /// Long enough for any restore of a large database from a slow object store.
  public static let defaultGracePeriodMicros: Int64 = 6 * 3_600_000_000

  /// The targets objects may be held on, by name.
  public let targets: [String: any StorageTarget]
  public let sealer: ObjectSealer
  public let gracePeriodMicros: Int64

  public init(targets: [any StorageTarget], sealer: ObjectSealer, gracePeriodMicros: Int64 = Self.defaultGracePeriodMicros) {
    self.targets = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    self.sealer = sealer
    self.gracePeriodMicros = gracePeriodMicros
  }

  /// An entry to retire: a snapshot or a segment.
  public enum Entry: Sendable, Hashable {
    case snapshot(SnapshotEntry)
    case segment(SegmentEntry)

    public var objectKey: String {
      switch self {
      case .snapshot(let entry): entry.objectKey
      case .segment(let entry): entry.objectKey
      }
    }

    public var targets: [String] {
      switch self {
      case .snapshot(let entry): entry.targets
      case .segment(let entry): entry.targets
      }
    }

    public var sealedSizeBytes: Int64 {
      switch self {
      case .snapshot(let entry): entry.sealedSizeBytes
      case .segment(let entry): entry.sealedSizeBytes
      }
    }
  }

  private struct Ledger: Codable {
    var retiredAtMicros: Int64
    var keys: [String]
  }

  /// Retires `entries` (step 1). Returns notes for operators, e.g. copies on targets that are
  /// not configured here and so are left in place.
  public func retire(_ entries: [Entry], from catalog: BackupCatalog, nowMicros: Int64) async throws -> [String] {
    guard !entries.isEmpty else { return [] }
    var keysByTarget: [String: [String]] = [:]
    var notes: [String] = []
    for entry in entries {
      for name in entry.targets {
        if targets[name] == nil {
          notes.append("\(entry.objectKey) on target \(name) is left in place: that target is not configured")
        } else {
          keysByTarget[name, default: []].append(entry.objectKey)
        }
      }
    }
    for (name, keys) in keysByTarget.sorted(by: { $0.key < $1.key }) {
      let ledger = try JSONEncoder().encode(Ledger(retiredAtMicros: nowMicros, keys: keys))
      let key = "\(Self.ledgerPrefix)\(Self.padded(nowMicros))-\(UUID().uuidString.lowercased()).ledger"
      try await targets[name]!.put(key, data: try sealer.seal(ledger).bytes, ifAbsent: true)
    }
    for entry in entries {
      switch entry {
      case .snapshot(let snapshot): try await catalog.removeSnapshot(id: snapshot.id)
      case .segment(let segment): try await catalog.removeSegment(objectKey: segment.objectKey)
      }
      for name in entry.targets {
        try await targets[name]?.delete(BackupLayout.manifestKey(for: entry.objectKey))
      }
    }
    return notes
  }

  /// Deletes the data objects retired at least the grace period before `nowMicros` (step 2).
  /// Returns the number of objects deleted.
  public func purge(nowMicros: Int64) async throws -> Int {
    var deleted = 0
    for (name, target) in targets.sorted(by: { $0.key < $1.key }) {
      for object in try await target.list(prefix: Self.ledgerPrefix) {
        let stamp = object.key.dropFirst(Self.ledgerPrefix.count).prefix(20)
        guard let retiredAt = Int64(stamp) else { continue }
        guard retiredAt <= nowMicros - gracePeriodMicros else { continue }
        let opened = try sealer.open(try await target.get(object.key), expectedSHA256: nil, object: "\(name):\(object.key)")
        let ledger: Ledger
        do {
          ledger = try JSONDecoder().decode(Ledger.self, from: opened)
        } catch {
          throw BackupIntegrityError.malformed(object: "\(name):\(object.key)", detail: "not a retirement ledger")
        }
        for key in ledger.keys {
          try await target.delete(key)
          try await target.delete(BackupLayout.manifestKey(for: key))
          deleted += 1
        }
        try await target.delete(object.key)
      }
    }
    return deleted
  }

  private static func padded(_ value: Int64) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
  }
}
