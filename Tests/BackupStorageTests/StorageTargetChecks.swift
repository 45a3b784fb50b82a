import BackupStorage
import Crypto
import Foundation
import TestSupport
import Testing

/// The behaviour every ``StorageTarget`` promises, checked the same way for each target kind.
/// The target must be empty; `scratch` is an empty local folder.
enum StorageTargetChecks {
  static func all(_ target: any StorageTarget, scratch: URL) async throws {
    try await readsBackWhatWasWritten(target)
    try await conditionalWritesNeverOverwrite(target)
    try await listsInKeyOrder(target)
    try await deletesAndForgets(target)
    try await streamsFiles(target, scratch: scratch, size: 3 << 20 + 12_345)
    try await rejectsInvalidKeys(target, scratch: scratch)
  }

  static func readsBackWhatWasWritten(_ target: any StorageTarget) async throws {
    let key = "objects/first"
    let started = Date()
    try await target.put(key, data: Data("hello".utf8), ifAbsent: false)
    #expect(try await target.get(key) == Data("hello".utf8))
    let head = try #require(try await target.head(key))
    #expect(head.key == key && head.size == 5)
    let modified = try #require(head.lastModified)
    #expect(abs(modified.timeIntervalSince(started)) < 60, "lastModified \(modified) is not about now (\(started))")

    try await target.put(key, data: Data("bye!!!".utf8), ifAbsent: false)
    #expect(try await target.get(key) == Data("bye!!!".utf8), "a plain put replaces the object")
    #expect(try await target.head(key)?.size == 6)

    try await target.put("objects/empty", data: Data(), ifAbsent: false)
    #expect(try await target.get("objects/empty") == Data())
    #expect(try await target.head("objects/empty")?.size == 0)

    // Every printable ASCII character is allowed in a key and survives the round trip.
    let odd = "objects/odd chars !\"#$%&'()*+,-.:;<=>?@[\\]^_`{|}~ end"
    try await target.put(odd, data: Data("odd".utf8), ifAbsent: false)
    #expect(try await target.get(odd) == Data("odd".utf8))
    #expect(try await target.list(prefix: "objects/odd").map(\.key) == [odd])

    #expect(try await target.head("objects/missing") == nil)
    await #expect(throws: StorageError.notFound(target: target.name, key: "objects/missing")) {
      try await target.get("objects/missing")
    }
  }

  static func conditionalWritesNeverOverwrite(_ target: any StorageTarget) async throws {
    let key = "conditional/only-once"
    try await target.put(key, data: Data("first".utf8), ifAbsent: true)
    await #expect(throws: StorageError.alreadyExists(target: target.name, key: key)) {
      try await target.put(key, data: Data("second".utf8), ifAbsent: true)
    }
    #expect(try await target.get(key) == Data("first".utf8), "a refused conditional write leaves the object as it was")
  }

  static func listsInKeyOrder(_ target: any StorageTarget) async throws {
    // Byte order across folders: "a-b/x" < "a/b" < "a/c/d" < "ab" because '-' < '/' < 'b'.
    let keys = ["list/ab", "list/a/c/d", "list/a-b/x", "list/a/b", "list/z", "list/a/c/e", "listing-sibling"]
    for (index, key) in keys.enumerated() {
      try await target.put(key, data: Data(repeating: UInt8(index), count: index + 1), ifAbsent: false)
    }
    let expected = ["list/a-b/x", "list/a/b", "list/a/c/d", "list/a/c/e", "list/ab", "list/z"]
    let listed = try await target.list(prefix: "list/")
    #expect(listed.map(\.key) == expected)
    for object in listed {
      #expect(object.size == Int64(keys.firstIndex(of: object.key)! + 1), "size of \(object.key)")
      #expect(object.lastModified != nil, "lastModified of \(object.key)")
    }
    #expect(try await target.list(prefix: "list/a/").map(\.key) == ["list/a/b", "list/a/c/d", "list/a/c/e"])
    #expect(try await target.list(prefix: "list/a").map(\.key) == Array(expected.prefix(5)))
    #expect(try await target.list(prefix: "list/a/c/d").map(\.key) == ["list/a/c/d"])
    #expect(try await target.list(prefix: "list").map(\.key) == expected + ["listing-sibling"])
    #expect(try await target.list(prefix: "nothing/here/").isEmpty)

    let everything = try await target.list(prefix: "").map(\.key)
    #expect(Set(keys).isSubset(of: Set(everything)))
    #expect(everything == everything.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
  }

  static func deletesAndForgets(_ target: any StorageTarget) async throws {
    try await target.put("delete/a/b", data: Data("x".utf8), ifAbsent: false)
    try await target.put("delete/a/c", data: Data("y".utf8), ifAbsent: false)
    try await target.delete("delete/a/b")
    #expect(try await target.head("delete/a/b") == nil)
    await #expect(throws: StorageError.notFound(target: target.name, key: "delete/a/b")) {
      try await target.get("delete/a/b")
    }
    #expect(try await target.list(prefix: "delete/").map(\.key) == ["delete/a/c"])
    try await target.delete("delete/a/b")
    try await target.delete("delete/never/existed")
    try await target.delete("delete/a/c")
    #expect(try await target.list(prefix: "delete/").isEmpty)
    // A deleted key can be written again, conditionally too.
    try await target.put("delete/a/b", data: Data("again".utf8), ifAbsent: true)
    #expect(try await target.get("delete/a/b") == Data("again".utf8))
  }

  static func streamsFiles(_ target: any StorageTarget, scratch: URL, size: Int) async throws {
    let source = scratch.appendingPathComponent("upload-\(size).bin")
    let original = randomData(size)
    try original.write(to: source)
    let key = "files/upload-\(size).bin"

    try await target.putFile(key, from: source, ifAbsent: true)
    #expect(try await target.head(key)?.size == Int64(size))
    await #expect(throws: StorageError.alreadyExists(target: target.name, key: key)) {
      try await target.putFile(key, from: source, ifAbsent: true)
    }

    let destination = scratch.appendingPathComponent("downloads/\(size).bin")
    try await target.getFile(key, to: destination)
    #expect(try sha256(of: destination) == SHA256.hash(data: original), "downloaded file differs from the uploaded one")

    // Downloading over an existing file replaces it.
    try Data("stale".utf8).write(to: destination)
    try await target.getFile(key, to: destination)
    #expect(try FileManager.default.attributesOfItem(atPath: destination.path)[.size] as? Int == size)

    let missing = scratch.appendingPathComponent("downloads/missing.bin")
    await #expect(throws: StorageError.notFound(target: target.name, key: "files/missing")) {
      try await target.getFile("files/missing", to: missing)
    }
    #expect(!FileManager.default.fileExists(atPath: missing.path), "a failed download leaves no file behind")

    let absent = scratch.appendingPathComponent("no-such-file")
    do {
      try await target.putFile("files/absent", from: absent, ifAbsent: false)
      Issue.record("uploading a missing local file succeeded")
    } catch {
      guard case .localFile(let path, _) = error else {
        Issue.record("expected a localFile error, got \(error)")
        return
      }
      #expect(path == absent.path)
    }
    #expect(try await target.head("files/absent") == nil)
  }

  static let invalidKeys = [
    "", "/leading", "a//b", "trailing/", "a/../b", "..", "a/./b", "caf\u{E9}", "tab\there", "new\nline",
    String(repeating: "k", count: 1025), "long/" + String(repeating: "s", count: 256),
  ]

  static func rejectsInvalidKeys(_ target: any StorageTarget, scratch: URL) async throws {
    let file = scratch.appendingPathComponent("small")
    try Data("x".utf8).write(to: file)
    for key in invalidKeys {
      try await expectInvalid(key) { try await target.put(key, data: Data(), ifAbsent: false) }
      try await expectInvalid(key) { try await target.put(key, data: Data(), ifAbsent: true) }
      try await expectInvalid(key) { try await target.putFile(key, from: file, ifAbsent: false) }
      try await expectInvalid(key) { _ = try await target.get(key) }
      try await expectInvalid(key) { try await target.getFile(key, to: scratch.appendingPathComponent("out")) }
      try await expectInvalid(key) { _ = try await target.head(key) }
      try await expectInvalid(key) { try await target.delete(key) }
    }
    for prefix in ["/leading", "caf\u{E9}", "x\u{7}"] {
      try await expectInvalid(prefix) { _ = try await target.list(prefix: prefix) }
    }
    // The longest allowed key works.
    let longest = [255, 255, 255, 254].map { String(repeating: "k", count: $0) }.joined(separator: "/") + "/k"
    #expect(longest.utf8.count == 1024)
    try await target.put(longest, data: Data("long".utf8), ifAbsent: false)
    #expect(try await target.get(longest) == Data("long".utf8))
  }

  private static func expectInvalid(_ key: String, _ operation: () async throws -> Void) async throws {
    do {
      try await operation()
      Issue.record("the invalid key \(key.debugDescription) was accepted")
    } catch {
      guard case .invalidKey(let rejected, let reason) = error as? StorageError, rejected == key, !reason.isEmpty else {
        Issue.record("expected invalidKey for \(key.debugDescription), got \(error)")
        return
      }
    }
  }
}

/// The SHA-256 of a file, read in chunks.
func sha256(of file: URL) throws -> SHA256.Digest {
  let handle = try FileHandle(forReadingFrom: file)
  defer { try? handle.close() }
  var hasher = SHA256()
  while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
  return hasher.finalize()
}

/// A fresh folder under the system temporary directory, removed after `body`.
func withScratchFolder<Value>(_ body: (URL) async throws -> Value) async throws -> Value {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backup-storage-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  return try await body(folder)
}
