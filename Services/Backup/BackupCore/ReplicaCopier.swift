import BackupStorage
import Crypto
import Foundation
import Logging
import LoyaltyRuntime

/// Cross-region copy: copies every catalogued snapshot and journal segment held by the
/// primary target that the DR target lacks, with its manifest, so that the DR target alone
/// can rebuild the catalog (`BackupCatalog.rebuild(from:sealer:)`) and be restored from.
///
/// Each data object is copied byte for byte (both targets share the sealing key): its SHA-256
/// is checked against the catalog before upload, so a corrupt primary object is never
/// replicated, and again on the copy read back from the DR target. The manifest is written
/// after its data object, sealed afresh from the catalog entry. Only then is the DR copy
/// recorded in the catalog. Runs are idempotent and resumable: objects already recorded on the
/// DR target are skipped, and an object found there unrecorded (a run interrupted before the
/// catalog update) is verified and adopted instead of uploaded again.
public struct ReplicaCopier: Sendable {
  public let primary: any StorageTarget
  public let dr: any StorageTarget
  public let catalog: BackupCatalog
  /// Seals the manifests written to the DR target; the same key as the primary's objects.
  public let sealer: ObjectSealer
  /// Where snapshot objects are staged on their way between the targets.
  public let scratchDirectory: URL
  private let logger: Logger

  public init(
    from primary: any StorageTarget, to dr: any StorageTarget, catalog: BackupCatalog, sealer: ObjectSealer,
    scratchDirectory: URL, logger: Logger
  ) {
    self.primary = primary
    self.dr = dr
    self.catalog = catalog
    self.sealer = sealer
    self.scratchDirectory = scratchDirectory
    self.logger = logger
  }

  /// Copies what the DR target lacks for `services` (every catalogued service when nil).
  /// Objects that cannot be copied (corrupt or missing on the primary, a different object
  /// already on the DR target) are reported and left alone; the other objects are still
  /// copied. Storage failures of the targets themselves (unavailable, refused) are thrown.
  public func copy(services: [String]? = nil) async throws -> ReplicaCopyReport {
    var report = ReplicaCopyReport(primary: primary.name, dr: dr.name)
    let services = if let services { services } else { try await catalog.services() }
    for service in services {
      // Snapshots first: a restore from the DR target needs one before any segment helps.
      for snapshot in try await catalog.snapshots(service: service) {
        try await copyIfLacking(
          objectKey: snapshot.objectKey, targets: snapshot.targets, sealedSHA256: snapshot.sealedSHA256,
          manifest: CatalogManifest(snapshot), viaFile: true, into: &report)
      }
      for segment in try await catalog.segments(service: service) {
        try await copyIfLacking(
          objectKey: segment.objectKey, targets: segment.targets, sealedSHA256: segment.sealedSHA256,
          manifest: CatalogManifest(segment), viaFile: false, into: &report)
      }
    }
    if !report.copied.isEmpty || !report.problems.isEmpty {
      logger.info(
        "cross-region copy finished",
        metadata: [
          "primary": "\(primary.name)", "dr": "\(dr.name)", "copied": "\(report.copied.count)",
          "adopted": "\(report.adopted.count)", "problems": "\(report.problems.count)",
        ])
    }
    return report
  }

  /// How far the DR target trails the catalog for `service`; see `ReplicaLag`.
  public func lag(service: String, nowMicros: Int64) async throws -> ReplicaLag {
    try await catalog.replicaLag(service: service, target: dr.name, nowMicros: nowMicros)
  }

  private func copyIfLacking(
    objectKey: String, targets: [String], sealedSHA256: String, manifest: CatalogManifest, viaFile: Bool,
    into report: inout ReplicaCopyReport
  ) async throws {
    guard !targets.contains(dr.name) else {
      report.alreadyCopied += 1
      return
    }
    guard targets.contains(primary.name) else {
      report.problems.append("\(objectKey) is not recorded on \(primary.name), so it cannot be copied from there")
      return
    }
    do {
      if try await dr.head(objectKey) != nil {
        let found = try await sha256(of: objectKey, on: dr, viaFile: viaFile)
        guard found == sealedSHA256.lowercased() else {
          report.problems.append(
            "\(dr.name):\(objectKey) already exists with SHA-256 \(found), the catalog recorded \(sealedSHA256); left alone")
          return
        }
        try await writeManifest(manifest, for: objectKey)
        try await catalog.addCopy(objectKey: objectKey, target: dr.name)
        report.adopted.append(objectKey)
        return
      }
      try await transfer(objectKey, expectedSHA256: sealedSHA256.lowercased(), viaFile: viaFile)
      try await writeManifest(manifest, for: objectKey)
      try await catalog.addCopy(objectKey: objectKey, target: dr.name)
      report.copied.append(objectKey)
    } catch let problem as ReplicaCopyProblem {
      logger.warning("object not copied", metadata: ["object": "\(objectKey)", "error": "\(problem.description)"])
      report.problems.append(problem.description)
    } catch StorageError.notFound(let target, let key) {
      report.problems.append("\(target) has no object \(key)")
    } catch StorageError.alreadyExists(let target, let key) {
      // Another copier stored it between our check and upload; the next run adopts it.
      report.problems.append("\(target):\(key) appeared while it was being copied; the next run verifies it")
    }
  }

  /// Copies one data object, verifying its checksum before upload and after reading it back.
  private func transfer(_ key: String, expectedSHA256: String, viaFile: Bool) async throws {
    if viaFile {
      let staged = try scratchFile()
      defer { try? FileManager.default.removeItem(at: staged) }
      try await primary.getFile(key, to: staged)
      let read = try await FileSHA256.computed(for: staged)
      guard read == expectedSHA256 else {
        throw ReplicaCopyProblem.corruptSource(object: "\(primary.name):\(key)", expected: expectedSHA256, actual: read)
      }
      try await dr.putFile(key, from: staged, ifAbsent: true)
    } else {
      let data = try await primary.get(key)
      let read = SHA256.hash(data: data).hexString
      guard read == expectedSHA256 else {
        throw ReplicaCopyProblem.corruptSource(object: "\(primary.name):\(key)", expected: expectedSHA256, actual: read)
      }
      try await dr.put(key, data: data, ifAbsent: true)
    }
    let copied = try await sha256(of: key, on: dr, viaFile: viaFile)
    guard copied == expectedSHA256 else {
      // A bad copy must not stay where a later run would find and reject it forever.
      try await dr.delete(key)
      throw ReplicaCopyProblem.corruptCopy(object: "\(dr.name):\(key)", expected: expectedSHA256, actual: copied)
    }
  }

  /// Stores the manifest of `objectKey` on the DR target; one already there must describe
  /// the same entry.
  private func writeManifest(_ manifest: CatalogManifest, for objectKey: String) async throws {
    let key = BackupLayout.manifestKey(for: objectKey)
    let sealed = try sealer.seal(try manifest.encoded())
    do {
      try await dr.put(key, data: sealed.bytes, ifAbsent: true)
    } catch StorageError.alreadyExists {
      let existing = try await dr.get(key)
      let opened = try? CatalogManifest(decoding: try sealer.open(existing, expectedSHA256: nil, object: "\(dr.name):\(key)"), object: key)
      guard opened == manifest else {
        throw ReplicaCopyProblem.conflictingManifest(object: "\(dr.name):\(key)")
      }
      return
    }
    let readBack = try await dr.get(key)
    guard readBack == sealed.bytes else {
      try await dr.delete(key)
      throw ReplicaCopyProblem.corruptCopy(
        object: "\(dr.name):\(key)", expected: sealed.sha256, actual: SHA256.hash(data: readBack).hexString)
    }
  }

  private func sha256(of key: String, on target: any StorageTarget, viaFile: Bool) async throws -> String {
    guard viaFile else { return SHA256.hash(data: try await target.get(key)).hexString }
    let staged = try scratchFile()
    defer { try? FileManager.default.removeItem(at: staged) }
    try await target.getFile(key, to: staged)
    return try await FileSHA256.computed(for: staged)
  }

  private func scratchFile() throws -> URL {
    do {
      try FileManager.default.createDirectory(at: scratchDirectory, withIntermediateDirectories: true)
    } catch {
      throw StorageError.localFile(path: scratchDirectory.path, detail: "cannot create the scratch folder: \(error.localizedDescription)")
    }
    return scratchDirectory.appendingPathComponent("replica-\(UUID().uuidString).sealed")
  }
}

/// What one `ReplicaCopier.copy` run did.
public struct ReplicaCopyReport: Sendable, Equatable {
  public var primary: String
  public var dr: String
  /// Data objects uploaded to the DR target (with their manifests), in copy order.
  public var copied: [String] = []
  /// Data objects found already on the DR target with the right checksum and now recorded
  /// there (a run interrupted before its catalog update).
  public var adopted: [String] = []
  /// Objects the catalog already recorded on the DR target.
  public var alreadyCopied = 0
  /// Objects that could not be copied, one line each naming the object and why.
  public var problems: [String] = []

  public init(primary: String, dr: String) {
    self.primary = primary
    self.dr = dr
  }
}

/// How far a DR target trails the catalog for one service.
public struct ReplicaLag: Sendable, Equatable {
  public var service: String
  /// The newest journal sequence catalogued on any target, nil when none is.
  public var newestSeq: Int64?
  /// The newest journal sequence whose segment (or snapshot) is on the DR target.
  public var replicatedSeq: Int64?
  /// Now minus the commit time of the newest change on the DR target; 0 when the DR target
  /// holds every catalogued change. When it holds none of them, now minus the commit time of
  /// the oldest catalogued change (everything since then would be lost with the primary).
  public var seconds: Double

  public init(service: String, newestSeq: Int64?, replicatedSeq: Int64?, seconds: Double) {
    self.service = service
    self.newestSeq = newestSeq
    self.replicatedSeq = replicatedSeq
    self.seconds = seconds
  }

  public var isCaughtUp: Bool { seconds == 0 }
}

extension BackupCatalog {
  /// Copy lag of `service` on `target`; see `ReplicaLag`.
  public func replicaLag(service: String, target: String, nowMicros: Int64) async throws -> ReplicaLag {
    let segments = try await segments(service: service)
    let snapshots = try await snapshots(service: service)
    // (sequence, commit time) of the newest change in each object.
    let points = segments.map { (targets: $0.targets, seq: $0.lastSeq, micros: $0.lastCommitTimeMicros) }
      + snapshots.map { (targets: $0.targets, seq: $0.lastSeq, micros: $0.pointMicros) }
    let newest = points.max { ($0.seq, $0.micros) < ($1.seq, $1.micros) }
    let replicated = points.filter { $0.targets.contains(target) }.max { ($0.seq, $0.micros) < ($1.seq, $1.micros) }
    let seconds: Double
    if let newest, let replicated, replicated.seq >= newest.seq {
      seconds = 0
    } else if let replicated {
      seconds = Double(max(0, nowMicros - replicated.micros)) / 1_000_000
    } else if let oldest = segments.map(\.firstCommitTimeMicros).min() ?? snapshots.map(\.pointMicros).min() {
      seconds = Double(max(0, nowMicros - oldest)) / 1_000_000
    } else {
      seconds = 0
    }
    return ReplicaLag(service: service, newestSeq: newest?.seq, replicatedSeq: replicated?.seq, seconds: seconds)
  }
}

/// Why one object was not copied; reported, never thrown out of `copy`.
enum ReplicaCopyProblem: Error, CustomStringConvertible {
  case corruptSource(object: String, expected: String, actual: String)
  case corruptCopy(object: String, expected: String, actual: String)
  case conflictingManifest(object: String)

  var description: String {
    switch self {
    case .corruptSource(let object, let expected, let actual):
      "\(object) is corrupt (SHA-256 \(actual), the catalog recorded \(expected)); not copied"
    case .corruptCopy(let object, let expected, let actual):
      "the copy \(object) reads back with SHA-256 \(actual), expected \(expected); removed, retried on the next run"
    case .conflictingManifest(let object):
      "\(object) already exists and describes a different object; left alone"
    }
  }
}
