import BackupStorage
import Crypto
import Foundation
import Testing

@Suite struct DirectoryTargetTests {
  @Test func keepsEveryStorageTargetPromise() async throws {
    try await withScratchFolder { scratch in
      let target = DirectoryTarget(name: "local", root: scratch.appendingPathComponent("store"))
      try await StorageTargetChecks.all(target, scratch: scratch)
    }
  }

  @Test func concurrentConditionalWritersHaveExactlyOneWinner() async throws {
    try await withScratchFolder { scratch in
      let target = DirectoryTarget(root: scratch)
      for round in 0..<10 {
        let key = "race/\(round)/object"
        let outcomes = await withTaskGroup(of: (Int, StorageError?).self, returning: [(Int, StorageError?)].self) { group in
          for writer in 0..<24 {
            group.addTask {
              do throws(StorageError) {
                try await target.put(key, data: Data("writer \(writer)".utf8), ifAbsent: true)
                return (writer, nil)
              } catch {
                return (writer, error)
              }
            }
          }
          return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = outcomes.filter { $0.1 == nil }.map(\.0)
        try #require(winners.count == 1, "round \(round): winners \(winners)")
        for (writer, error) in outcomes where error != nil {
          #expect(error == .alreadyExists(target: target.name, key: key), "writer \(writer): \(String(describing: error))")
        }
        #expect(try await target.get(key) == Data("writer \(winners[0])".utf8))
      }
      let left = try leftovers(in: scratch)
      #expect(left.isEmpty, "temporary files left: \(left)")
    }
  }

  @Test func concurrentPlainWritersNeverMixTheirContent() async throws {
    try await withScratchFolder { scratch in
      let target = DirectoryTarget(root: scratch)
      let contents = (0..<8).map { writer in Data(repeating: UInt8(writer), count: 256 << 10) }
      try await withThrowingTaskGroup(of: Void.self) { group in
        for content in contents {
          group.addTask { try await target.put("shared/object", data: content, ifAbsent: false) }
          group.addTask { _ = try? await target.get("shared/object") }
        }
        try await group.waitForAll()
      }
      #expect(contents.contains(try await target.get("shared/object")), "the object is not one writer's whole content")
    }
  }

  @Test func streamsAMultiMebibyteFile() async throws {
    try await withScratchFolder { scratch in
      let target = DirectoryTarget(root: scratch.appendingPathComponent("store"))
      try await StorageTargetChecks.streamsFiles(target, scratch: scratch, size: 12 << 20 + 7)
      let stored = URL(fileURLWithPath: target.path(for: "files/upload-\(12 << 20 + 7).bin"))
      let source = scratch.appendingPathComponent("upload-\(12 << 20 + 7).bin")
      #expect(try sha256(of: stored) == sha256(of: source))
      #expect(try leftovers(in: scratch).isEmpty)
    }
  }

  @Test func adoptedFilesAreStoredWithoutACopyAndOutliveTheirSource() async throws {
    try await withScratchFolder { scratch in
      let target = DirectoryTarget(root: scratch.appendingPathComponent("store"))
      let source = scratch.appendingPathComponent("sealed.bin")
      try Data("sealed snapshot".utf8).write(to: source)
      try await target.adoptFile("snapshots/one", from: source, ifAbsent: true)
      let stored = try #require(try await target.localFile(for: "snapshots/one"))
      let links = try FileManager.default.attributesOfItem(atPath: stored.path)[.referenceCount] as? Int
      #expect(links == 2, "the object is the source file itself, not a copy")
      await #expect(throws: StorageError.alreadyExists(target: "local", key: "snapshots/one")) {
        try await target.adoptFile("snapshots/one", from: source, ifAbsent: true)
      }
      try FileManager.default.removeItem(at: source)
      #expect(try await target.get("snapshots/one") == Data("sealed snapshot".utf8))

      try Data("replacement".utf8).write(to: source)
      try await target.adoptFile("snapshots/one", from: source, ifAbsent: false)
      #expect(try await target.get("snapshots/one") == Data("replacement".utf8))
      #expect(try await target.list(prefix: "snapshots/").map(\.key) == ["snapshots/one"])
      #expect(try await target.localFile(for: "snapshots/missing") == nil)
    }
  }

  @Test func deleteRemovesTheFoldersItEmpties() async throws {
    try await withScratchFolder { scratch in
      let root = scratch.appendingPathComponent("store")
      let target = DirectoryTarget(root: root)
      try await target.put("a/b/c/d", data: Data("d".utf8), ifAbsent: false)
      try await target.put("a/x", data: Data("x".utf8), ifAbsent: false)
      try await target.delete("a/b/c/d")
      #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("a/b").path))
      #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("a/x").path))
      try await target.delete("a/x")
      #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("a").path))
      #expect(FileManager.default.fileExists(atPath: root.path), "the root itself stays")
    }
  }

  @Test func listingSkipsTemporaryAndForeignFiles() async throws {
    try await withScratchFolder { scratch in
      let target = DirectoryTarget(root: scratch)
      try await target.put("dir/kept", data: Data("k".utf8), ifAbsent: false)
      // A write interrupted by a crash, and a file no key can name.
      try Data("partial".utf8).write(to: scratch.appendingPathComponent("dir/.partial\u{B7}0000"))
      try Data("foreign".utf8).write(to: scratch.appendingPathComponent("dir/caf\u{E9}"))
      #expect(try await target.list(prefix: "").map(\.key) == ["dir/kept"])
      #expect(try await target.list(prefix: "dir/").map(\.key) == ["dir/kept"])
    }
  }

  @Test func aKeyCannotBeBothAnObjectAndAFolder() async throws {
    try await withScratchFolder { scratch in
      let target = DirectoryTarget(root: scratch)
      try await target.put("a", data: Data("a".utf8), ifAbsent: false)
      await #expect(throws: StorageError.self) { try await target.put("a/b", data: Data(), ifAbsent: false) }
      do throws(StorageError) {
        try await target.put("a/b/c", data: Data(), ifAbsent: true)
        Issue.record("wrote below an object")
      } catch {
        guard case .invalidKey(_, let reason) = error else { throw error }
        #expect(reason.contains("'a' is an object"), "\(reason)")
      }
      try await target.put("c/d", data: Data("d".utf8), ifAbsent: false)
      for ifAbsent in [false, true] {
        do throws(StorageError) {
          try await target.put("c", data: Data(), ifAbsent: ifAbsent)
          Issue.record("replaced a folder of objects with an object")
        } catch {
          guard case .invalidKey(_, let reason) = error else { throw error }
          #expect(reason.contains("folder of other objects"), "\(reason)")
        }
      }
      #expect(try await target.head("c") == nil)
      try await target.delete("c")
      #expect(try await target.get("c/d") == Data("d".utf8), "deleting a folder's key deletes nothing")
    }
  }

  @Test func aMissingRootHoldsNothing() async throws {
    let target = DirectoryTarget(root: FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID())"))
    #expect(try await target.list(prefix: "").isEmpty)
    #expect(try await target.head("a/b") == nil)
    await #expect(throws: StorageError.notFound(target: "local", key: "a/b")) { try await target.get("a/b") }
    try await target.delete("a/b")
  }

  @Test func lastModifiedComesFromTheFile() async throws {
    try await withScratchFolder { scratch in
      let target = DirectoryTarget(root: scratch)
      try await target.put("dated", data: Data("d".utf8), ifAbsent: false)
      let past = Date(timeIntervalSince1970: 1_700_000_000)
      try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: target.path(for: "dated"))
      #expect(try await target.head("dated")?.lastModified == past)
      #expect(try await target.list(prefix: "dated").first?.lastModified == past)
    }
  }

  /// Files whose names mark them as unfinished writes.
  private func leftovers(in folder: URL) throws -> [String] {
    let names = FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []
    return names.filter { ($0 as NSString).lastPathComponent.hasPrefix(".partial") }
  }
}
