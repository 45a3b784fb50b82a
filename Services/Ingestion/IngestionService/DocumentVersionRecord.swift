import Foundation
import GRDB
import IngestionCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// One version of a landing-zone key: an upload (content by SHA-256 in `blobs`) or a delete
/// marker. Versions are never changed; the newest version of a key is its current one.
public struct DocumentVersionRecord: Sendable, Equatable {
  /// What a version holds.
  public enum Kind: String, Sendable {
    /// A document a curator uploaded.
    case document
    /// A pipeline stage's output, under "runs/<run id>/…".
    case text, facts, batch
  }

  public var versionID: String
  public var key: String
  /// Hex SHA-256 of the content; nil for a delete marker.
  public var sha256: String?
  public var size: Int64
  public var type: DocumentType?
  public var sourceURL: String
  public var notes: String
  public var uploadedBy: String
  public var createdAtMicros: Int64
  public var kind: Kind

  public var isDeleteMarker: Bool { sha256 == nil }

  /// The UTC day of the upload, YYYY-MM-DD.
  public var createdDay: String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withFullDate]
    return formatter.string(from: Date(timeIntervalSince1970: Double(createdAtMicros) / 1_000_000))
  }

  var row: [String: DatabaseValue] {
    [
      "version_id": versionID.databaseValue, "key": key.databaseValue, "sha256": sha256.databaseValue,
      "size": size.databaseValue, "type": (type?.rawValue).databaseValue, "source_url": sourceURL.databaseValue,
      "notes": notes.databaseValue, "uploaded_by": uploadedBy.databaseValue, "created_at": createdAtMicros.databaseValue,
      "kind": kind.rawValue.databaseValue,
    ]
  }

  init(row: Row) {
    versionID = row["version_id"]
    key = row["key"]
    sha256 = row["sha256"]
    size = row["size"]
    type = (row["type"] as String?).flatMap(DocumentType.init(rawValue:))
    sourceURL = row["source_url"]
    notes = row["notes"]
    uploadedBy = row["uploaded_by"]
    createdAtMicros = row["created_at"]
    kind = Kind(rawValue: row["kind"]) ?? .document
  }

  init(
    versionID: String, key: String, sha256: String?, size: Int64, type: DocumentType?, sourceURL: String, notes: String,
    uploadedBy: String, createdAtMicros: Int64, kind: Kind
  ) {
    self.versionID = versionID
    self.key = key
    self.sha256 = sha256
    self.size = size
    self.type = type
    self.sourceURL = sourceURL
    self.notes = notes
    self.uploadedBy = uploadedBy
    self.createdAtMicros = createdAtMicros
    self.kind = kind
  }

  func message(isCurrent: Bool) -> Loyalty_Ingestion_V1_DocumentVersion {
    .with {
      $0.key = key
      $0.versionID = versionID
      $0.sha256 = sha256 ?? ""
      $0.size = size
      $0.type = type?.message ?? .unspecified
      $0.isDeleteMarker = isDeleteMarker
      $0.isCurrent = isCurrent
      $0.sourceURL = sourceURL
      $0.notes = notes
      $0.uploadedBy = uploadedBy
      $0.createTime = Google_Protobuf_Timestamp(micros: createdAtMicros)
      $0.kind = kind.rawValue
    }
  }
}

extension DocumentType {
  var message: Loyalty_Ingestion_V1_DocumentType {
    switch self {
    case .html: .html
    case .text: .text
    case .pdf: .pdf
    }
  }

  /// The media type a declared `DocumentType` stands for.
  init?(_ message: Loyalty_Ingestion_V1_DocumentType) {
    switch message {
    case .html: self = .html
    case .text: self = .text
    case .pdf: self = .pdf
    default: return nil
    }
  }
}
