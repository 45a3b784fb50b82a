import BackupStorage
import Foundation

/// What `BackupCatalog.rebuild(from:sealer:)` found on a target.
public struct CatalogRebuildReport: Sendable, Equatable {
  public var target: String
  /// Manifests read whose entries the catalog did not hold yet.
  public var snapshotsAdded = 0
  public var segmentsAdded = 0
  /// Manifests of entries the catalog already held: only the target's copy was recorded.
  public var copiesRecorded = 0
  /// Manifests that could not be used, one line each (unreadable, or their data object is
  /// missing or of the wrong size). Their objects are left alone.
  public var problems: [String] = []

  public init(target: String) {
    self.target = target
  }
}

extension BackupCatalog {
  /// Adds to this catalog every snapshot and segment whose manifest is stored on `target`
  /// with its data object, recording `target` as holding a copy. Run on an empty catalog it
  /// rebuilds the catalog from the target alone (disaster recovery when the primary target
  /// and the local catalog are gone); on an existing one it records the target's copies.
  ///
  /// Data objects are checked for presence and size only; their checksums are verified
  /// when they are read.
  public func rebuild(from target: any StorageTarget, sealer: ObjectSealer) async throws -> CatalogRebuildReport {
    let archive = BackupArchive(target: target, sealer: sealer, scratchDirectory: FileManager.default.temporaryDirectory)
    var report = CatalogRebuildReport(target: target.name)
    let objects = try await target.list(prefix: BackupLayout.rootPrefix)
    let sizes = Dictionary(objects.map { ($0.key, $0.size) }, uniquingKeysWith: { first, _ in first })
    let manifestKeys = objects.map(\.key).filter { $0.hasSuffix(BackupLayout.manifestSuffix) }
    // Manifests are small and many (one per segment): read several at once, in key order.
    try await forEachPrefetched(
      manifestKeys, width: Self.concurrentManifestReads,
      fetch: { key in await .capturing { try await archive.readManifest(key) } },
      consume: { key, outcome in
        try await record(outcome, key: key, sizes: sizes, archive: archive, into: &report)
        return true
      })
    return report
  }

  private static let concurrentManifestReads = 16

  private func record(
    _ reading: Result<CatalogManifest, any Error>, key: String, sizes: [String: Int64], archive: BackupArchive,
    into report: inout CatalogRebuildReport
  ) async throws {
    let manifest: CatalogManifest
    switch reading {
    case .success(let read):
      manifest = read
    case .failure(StorageError.notFound):
      // Deleted since listing (retention): nothing to recover.
      return
    case .failure(let error as BackupIntegrityError):
      report.problems.append(error.description)
      return
    case .failure(let error as BackupKeyError):
      report.problems.append(error.description)
      return
    case .failure(let error):
      throw error
    }
    let dataKey = String(key.dropLast(BackupLayout.manifestSuffix.count))
    guard manifest.objectKey == dataKey else {
      report.problems.append("\(archive.objectName(key)) describes \(manifest.objectKey ?? "nothing"), not the object next to it")
      return
    }
    let expectedSize = manifest.snapshot?.sealedSizeBytes ?? manifest.segment?.sealedSizeBytes
    guard let size = sizes[dataKey] else {
      report.problems.append("\(archive.objectName(dataKey)) is missing, though its manifest is stored")
      return
    }
    guard size == expectedSize else {
      report.problems.append(
        "\(archive.objectName(dataKey)) has \(size) bytes, its manifest says \(expectedSize.map(String.init) ?? "?")")
      return
    }
    do {
      if var snapshot = manifest.snapshot {
        snapshot.targets = [archive.target.name]
        let known = try await self.snapshot(id: snapshot.id) != nil
        try await add(snapshot)
        if known { report.copiesRecorded += 1 } else { report.snapshotsAdded += 1 }
      } else if var segment = manifest.segment {
        segment.targets = [archive.target.name]
        let known = try await self.segment(objectKey: segment.objectKey) != nil
        try await add(segment)
        if known { report.copiesRecorded += 1 } else { report.segmentsAdded += 1 }
      }
    } catch let error as CatalogError {
      report.problems.append("\(archive.objectName(key)): \(error)")
    }
  }
}
