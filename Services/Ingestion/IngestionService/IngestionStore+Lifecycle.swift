import Foundation
import GRDB
import LoyaltyRuntime

/// What one lifecycle sweep of the landing zone did.
public struct LifecycleSweepResult: Sendable, Equatable {
  public var timeMicros: Int64
  public var versionsExpired: Int
  public var blobsDeleted: Int
}

extension IngestionStore {
  /// Applies the lifecycle rules: per key, non-current versions beyond the newest
  /// `keepNoncurrentVersions`, and those non-current for longer than
  /// `noncurrentExpirationDays` (S3's measure: since a newer version replaced them), are
  /// deleted; a delete marker left with nothing behind it goes too; then blobs no version
  /// refers to. Versions a run still in progress reads are kept.
  public func applyLifecycle(_ rules: IngestionConfig.Lifecycle, nowMicros: Int64? = nil) async throws -> LifecycleSweepResult {
    let nowMicros = nowMicros ?? Self.nowMicros()
    return try await database.write { db, journal in
      let active = Set(
        try String.fetchAll(
          db, sql: "SELECT document_version_id FROM runs WHERE state NOT IN ('done', 'failed', 'rejected')"))
      let keys = try String.fetchAll(
        db, sql: "SELECT key FROM document_versions GROUP BY key HAVING count(*) > 1 OR max(sha256) IS NULL")
      let dayMicros: Int64 = 86_400_000_000
      var expired = 0
      for key in keys {
        let versions = try Self.versions(of: key, db: db, limit: nil)
        var kept: [DocumentVersionRecord] = versions.isEmpty ? [] : [versions[0]]
        for (index, version) in versions.enumerated().dropFirst() {
          let noncurrentSince = versions[index - 1].createdAtMicros
          let tooMany = rules.keepNoncurrentVersions > 0 && index > rules.keepNoncurrentVersions
          let tooOld = rules.noncurrentExpirationDays > 0
            && nowMicros - noncurrentSince > Int64(rules.noncurrentExpirationDays) * dayMicros
          if (tooMany || tooOld || version.isDeleteMarker) && !active.contains(version.versionID) {
            try journal.delete(Self.versionsTable.name, key: version.versionID)
            expired += 1
          } else {
            kept.append(version)
          }
        }
        if kept.count == 1, let marker = kept.first, marker.isDeleteMarker {
          try journal.delete(Self.versionsTable.name, key: marker.versionID)
          expired += 1
        }
      }
      let orphans = try String.fetchAll(
        db, sql: "SELECT sha256 FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM document_versions WHERE sha256 IS NOT NULL)")
      for sha256 in orphans { try journal.delete(Self.blobsTable.name, key: sha256) }
      return LifecycleSweepResult(timeMicros: nowMicros, versionsExpired: expired, blobsDeleted: orphans.count)
    }
  }
}
