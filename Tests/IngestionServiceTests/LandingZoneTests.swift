import Foundation
import GRDB
import IngestionCore
import LoyaltyRuntime
import Testing

@testable import IngestionService

@Suite struct LandingZoneTests {
  @Test func everyUploadIsANewVersionAndEqualContentIsStoredOnce() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      let first = try await upload(store, key: "programs/ac/earn.txt", "earn ac-aeroplan LH J business 150")
      let second = try await upload(store, key: "programs/ac/earn.txt", "earn ac-aeroplan LH J business 125")
      let third = try await upload(store, key: "programs/ac/earn.txt", "earn ac-aeroplan LH J business 150")
      #expect(!first.deduplicated && !second.deduplicated && third.deduplicated)
      #expect(first.version.versionID < second.version.versionID && second.version.versionID < third.version.versionID)
      #expect(first.version.sha256 == third.version.sha256)

      let versions = try await store.versions(of: "programs/ac/earn.txt")
      #expect(versions.map(\.versionID) == [third, second, first].map(\.version.versionID))
      let (current, content) = try await store.document(key: "programs/ac/earn.txt", versionID: nil)
      #expect(current.versionID == third.version.versionID && String(decoding: content, as: UTF8.self).hasSuffix("150"))
      let (_, older) = try await store.document(key: "programs/ac/earn.txt", versionID: second.version.versionID)
      #expect(String(decoding: older, as: UTF8.self).hasSuffix("125"))
      let blobs = try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM blobs") }
      #expect(blobs == 2)
      // Each upload starts its own run.
      #expect(Set([first, second, third].map(\.run.runID)).count == 3)
    }
  }

  @Test func deleteLeavesAMarkerAndOlderVersionsReadable() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      let kept = try await upload(store, key: "a.txt", "hello")
      let marker = try await store.delete(key: "a.txt", by: "curator-1")
      #expect(marker.isDeleteMarker && marker.versionID > kept.version.versionID)
      await #expect(throws: IngestionError.deleted(key: "a.txt", versionID: marker.versionID)) {
        try await store.document(key: "a.txt", versionID: nil)
      }
      let (_, content) = try await store.document(key: "a.txt", versionID: kept.version.versionID)
      #expect(content == Data("hello".utf8))
      await #expect(throws: IngestionError.alreadyDeleted(key: "a.txt")) { try await store.delete(key: "a.txt", by: "curator-1") }
      await #expect(throws: IngestionError.documentNotFound(key: "b.txt", versionID: nil)) {
        try await store.delete(key: "b.txt", by: "curator-1")
      }
      let listed = try await store.currentVersions(prefix: "", includeDeleted: false, includeStageOutputs: false, afterKey: "", limit: 10)
      #expect(listed.isEmpty)
      let withDeleted = try await store.currentVersions(prefix: "", includeDeleted: true, includeStageOutputs: false, afterKey: "", limit: 10)
      #expect(withDeleted.map(\.versionID) == [marker.versionID])
    }
  }

  @Test func lifecycleKeepsTheNewestNoncurrentVersionsAndThoseRunsStillRead() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      var uploads: [IngestionStore.StoredUpload] = []
      for index in 1...5 { uploads.append(try await upload(store, key: "k.txt", "version \(index)")) }
      // Every run but the oldest has finished; the oldest still reads its version.
      for finished in uploads.dropFirst() {
        _ = try await store.update(finished.run.runID) { $0.state = .done }
      }
      let sweep = try await store.applyLifecycle(.init(keepNoncurrentVersions: 2, noncurrentExpirationDays: 0))
      // Current (5) + two newest non-current (4, 3) + the one a run reads (1); 2 goes.
      let left = try await store.versions(of: "k.txt").map(\.versionID)
      #expect(left == [uploads[4], uploads[3], uploads[2], uploads[0]].map(\.version.versionID))
      #expect(sweep.versionsExpired == 1 && sweep.blobsDeleted == 1)

      _ = try await store.update(uploads[0].run.runID) { $0.state = .done }
      let second = try await store.applyLifecycle(.init(keepNoncurrentVersions: 2, noncurrentExpirationDays: 0))
      #expect(second.versionsExpired == 1)
      #expect(try await store.versions(of: "k.txt").count == 3)
    }
  }

  @Test func lifecycleExpiresVersionsNoncurrentForLongerThanTheWindow() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      let old = try await upload(store, key: "k.txt", "old")
      let new = try await upload(store, key: "k.txt", "new")
      for run in [old.run, new.run] { _ = try await store.update(run.runID) { $0.state = .done } }
      let day: Int64 = 86_400_000_000
      let early = try await store.applyLifecycle(.init(keepNoncurrentVersions: 0, noncurrentExpirationDays: 30), nowMicros: new.version.createdAtMicros + 29 * day)
      #expect(early.versionsExpired == 0)
      let late = try await store.applyLifecycle(.init(keepNoncurrentVersions: 0, noncurrentExpirationDays: 30), nowMicros: new.version.createdAtMicros + 31 * day)
      #expect(late.versionsExpired == 1 && late.blobsDeleted == 1)
      #expect(try await store.versions(of: "k.txt").map(\.versionID) == [new.version.versionID])
    }
  }

  @Test func keysAreCheckedBeforeAnythingIsStored() throws {
    for bad in ["", "/abs.html", "a//b.html", "a/../b.html", "a b.html", "runs/x/text.txt", String(repeating: "a", count: 513), "é.html"] {
      #expect(throws: IngestionError.self) { try UploadRules.checkKey(bad, allowingStageOutputs: false) }
    }
    try UploadRules.checkKey("programs/aa/partners.html", allowingStageOutputs: false)
    try UploadRules.checkKey("runs/run-1/text.txt", allowingStageOutputs: true)
  }
}
