import BackupStorage
import Testing

@Suite struct ObjectKeyTests {
  @Test(arguments: [
    "a", "services/profile/segments/00000000000000000101-00000000000000000200.segment", "with space/and~tilde+plus",
    "..hidden/...", ".dotfile", "a/.b", "x" + String(repeating: "/y", count: 300),
  ])
  func acceptsValidKeys(_ key: String) throws {
    try ObjectKey.validate(key)
    #expect(ObjectKey.isValid(key))
  }

  @Test(arguments: StorageTargetChecks.invalidKeys)
  func rejectsInvalidKeys(_ key: String) {
    #expect(!ObjectKey.isValid(key))
    #expect(throws: StorageError.self) { try ObjectKey.validate(key) }
  }

  @Test func reasonsNameTheBrokenRule() {
    #expect(reason("") == "a key must not be empty")
    #expect(reason("/a") == "a key must not start with '/'")
    #expect(reason("a//b") == "a key must not contain an empty segment ('//' or a trailing '/')")
    #expect(reason("a/../b") == "a key must not contain a '.' or '..' segment")
    #expect(reason("a\u{1}") == "contains the control character 0x1; only printable ASCII is allowed")
    #expect(reason("\u{E9}") == "contains a non-ASCII character; only printable ASCII is allowed")
    #expect(reason(String(repeating: "a", count: 1025)) == "a key is at most 1024 bytes, this one has 1025")
    #expect(reason(String(repeating: "a", count: 256)) == "a segment is at most 255 bytes")
  }

  @Test func prefixesMayEndAnywhere() throws {
    for prefix in ["", "services/", "services/pro", "a//"] { try ObjectKey.validatePrefix(prefix) }
    #expect(throws: StorageError.self) { try ObjectKey.validatePrefix("/services") }
    #expect(throws: StorageError.self) { try ObjectKey.validatePrefix("caf\u{E9}") }
  }

  private func reason(_ key: String) -> String? {
    do {
      try ObjectKey.validate(key)
      return nil
    } catch {
      guard case .invalidKey(_, let reason) = error else { return nil }
      return reason
    }
  }
}
