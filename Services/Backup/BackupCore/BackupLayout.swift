import Foundation

/// The storage layout of backups: every object key below one prefix per service, snapshots
/// and journal segments in their own folders, and each data object's manifest next to it.
///
///     services/profile/snapshots/20250102T030405.123456Z-1a2b3c4d.snapshot
///     services/profile/snapshots/20250102T030405.123456Z-1a2b3c4d.snapshot.manifest
///     services/profile/segments/00000000000000000101-00000000000000000200.segment
///     services/profile/segments/00000000000000000101-00000000000000000200.segment.manifest
///
/// Segment keys are zero-padded so that key order is sequence order.
public enum BackupLayout {
  public static let rootPrefix = "services/"
  public static let manifestSuffix = ".manifest"

  public static func servicePrefix(_ service: String) -> String { "\(rootPrefix)\(service)/" }

  public static func snapshotKey(service: String, id: String) -> String {
    "\(servicePrefix(service))snapshots/\(id).snapshot"
  }

  public static func segmentKey(service: String, firstSeq: Int64, lastSeq: Int64) -> String {
    "\(servicePrefix(service))segments/\(padded(firstSeq))-\(padded(lastSeq)).segment"
  }

  /// The key of the manifest that describes the data object at `objectKey`.
  public static func manifestKey(for objectKey: String) -> String { objectKey + manifestSuffix }

  /// A new snapshot id: the UTC time it was taken (so ids sort by time) and a random suffix.
  public static func newSnapshotID(takenAtMicros: Int64) -> String {
    let suffix = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    return "\(MicrosFormat.compact(takenAtMicros))-\(suffix)"
  }

  /// Service names become key segments, so they are restricted to a safe alphabet.
  public static func isValidServiceName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 64
      && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
  }

  private static func padded(_ value: Int64) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
  }
}
