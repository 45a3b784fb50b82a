import Foundation
import LoyaltyAPI

/// What an upload's header must satisfy.
enum UploadRules {
  static let maxKeyBytes = 512

  static func check(_ header: Loyalty_Ingestion_V1_UploadHeader) throws(IngestionError) {
    try checkKey(header.key, allowingStageOutputs: false)
    if !header.sourceURL.isEmpty {
      guard let url = URL(string: header.sourceURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
        header.sourceURL.utf8.count <= 2_048
      else {
        throw .invalidArgument(field: "header.source_url", reason: "'\(header.sourceURL.prefix(100))' is not an http(s) URL")
      }
    }
    guard header.notes.utf8.count <= IngestionAPIService.maxNotesBytes else {
      throw .invalidArgument(field: "header.notes", reason: "is longer than \(IngestionAPIService.maxNotesBytes) bytes")
    }
    guard header.fileName.utf8.count <= 1_024 else {
      throw .invalidArgument(field: "header.file_name", reason: "is longer than 1024 bytes")
    }
  }

  /// Keys are 1–512 bytes of letters, digits and `. _ - /`, with no empty, `.` or `..`
  /// segment and no leading `/`; `runs/` holds the pipeline's outputs.
  static func checkKey(_ key: String, allowingStageOutputs: Bool) throws(IngestionError) {
    guard !key.isEmpty else { throw .invalidArgument(field: "key", reason: "is required") }
    guard key.utf8.count <= maxKeyBytes else { throw .invalidArgument(field: "key", reason: "is longer than \(maxKeyBytes) bytes") }
    let allowed = key.unicodeScalars.allSatisfy { scalar in
      scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-/".unicodeScalars.contains(scalar))
    }
    guard allowed else {
      throw .invalidArgument(field: "key", reason: "'\(key.prefix(100))' may hold only letters, digits and . _ - /")
    }
    let segments = key.split(separator: "/", omittingEmptySubsequences: false)
    guard !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
      throw .invalidArgument(field: "key", reason: "'\(key.prefix(100))' has an empty, '.' or '..' segment (or a leading or trailing '/')")
    }
    if !allowingStageOutputs, key.hasPrefix(IngestionStore.stageOutputPrefix) {
      throw .invalidArgument(field: "key", reason: "keys under '\(IngestionStore.stageOutputPrefix)' hold the pipeline's outputs")
    }
  }
}
