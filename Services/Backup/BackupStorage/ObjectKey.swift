/// The rules every object key follows, checked the same way by every target so that a key
/// accepted by one target is accepted by all of them (and a backup can be copied between them).
///
/// A key is a `/`-separated path of printable ASCII (space through `~`), at most
/// ``maxLength`` bytes, with no leading `/`, no empty segment (so no `//` and no trailing
/// `/`), no `.` or `..` segment, and no segment longer than ``maxSegmentLength`` bytes (the
/// longest file name a directory target can store).
public enum ObjectKey {
  public static let maxLength = 1024
  public static let maxSegmentLength = 255

  /// Throws ``StorageError/invalidKey(_:reason:)`` naming the first rule `key` breaks.
  public static func validate(_ key: String) throws(StorageError) {
    if let reason = violation(in: key) { throw .invalidKey(key, reason: reason) }
  }

  public static func isValid(_ key: String) -> Bool { violation(in: key) == nil }

  /// Checks a listing prefix: printable ASCII, no leading `/`, at most ``maxLength`` bytes.
  /// Unlike a key, a prefix may be empty or end in the middle of a segment or with `/`.
  public static func validatePrefix(_ prefix: String) throws(StorageError) {
    if prefix.utf8.count > maxLength {
      throw .invalidKey(prefix, reason: "a prefix is at most \(maxLength) bytes")
    }
    if let byte = prefix.utf8.first(where: { !isPrintableASCII($0) }) {
      throw .invalidKey(prefix, reason: "contains \(describe(byte)); only printable ASCII is allowed")
    }
    if prefix.hasPrefix("/") { throw .invalidKey(prefix, reason: "a prefix must not start with '/'") }
  }

  static func violation(in key: String) -> String? {
    let bytes = Array(key.utf8)
    if bytes.isEmpty { return "a key must not be empty" }
    if bytes.count > maxLength { return "a key is at most \(maxLength) bytes, this one has \(bytes.count)" }
    if let byte = bytes.first(where: { !isPrintableASCII($0) }) {
      return "contains \(describe(byte)); only printable ASCII is allowed"
    }
    if bytes.first == UInt8(ascii: "/") { return "a key must not start with '/'" }
    for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
      if segment.isEmpty { return "a key must not contain an empty segment ('//' or a trailing '/')" }
      if segment.elementsEqual(".".utf8) || segment.elementsEqual("..".utf8) {
        return "a key must not contain a '.' or '..' segment"
      }
      if segment.count > maxSegmentLength { return "a segment is at most \(maxSegmentLength) bytes" }
    }
    return nil
  }

  static func isPrintableASCII(_ byte: UInt8) -> Bool { (0x20...0x7E).contains(byte) }

  private static func describe(_ byte: UInt8) -> String {
    byte < 0x80 ? "the control character 0x\(String(byte, radix: 16))" : "a non-ASCII character"
  }
}
