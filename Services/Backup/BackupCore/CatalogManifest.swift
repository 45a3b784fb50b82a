import Foundation

/// The catalog entry of one data object, stored sealed next to it (`BackupLayout.manifestKey`)
/// so that a target alone is enough to rebuild the catalog. Targets are not recorded: which
/// targets hold a copy is learnt by finding it there.
struct CatalogManifest: Codable, Equatable {
  static let currentFormat = 1

  var format: Int
  var snapshot: SnapshotEntry?
  var segment: SegmentEntry?

  init(_ snapshot: SnapshotEntry) {
    format = Self.currentFormat
    var entry = snapshot
    entry.targets = []
    self.snapshot = entry
  }

  init(_ segment: SegmentEntry) {
    format = Self.currentFormat
    var entry = segment
    entry.targets = []
    self.segment = entry
  }

  /// The key of the data object the manifest describes.
  var objectKey: String? { snapshot?.objectKey ?? segment?.objectKey }

  func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(self)
  }

  /// Decodes an opened manifest; `object` names it in errors.
  init(decoding data: Data, object: String) throws(BackupIntegrityError) {
    do {
      self = try JSONDecoder().decode(CatalogManifest.self, from: data)
    } catch {
      throw .malformed(object: object, detail: "not a catalog manifest")
    }
    guard format == Self.currentFormat else {
      throw .malformed(object: object, detail: "manifest format \(format) is not supported (expected \(Self.currentFormat))")
    }
    guard (snapshot == nil) != (segment == nil) else {
      throw .malformed(object: object, detail: "a manifest describes exactly one snapshot or segment")
    }
  }
}
