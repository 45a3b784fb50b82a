import BackupCore
import Testing

@Suite struct BackupLayoutTests {
  @Test func eachServiceHasItsOwnPrefix() {
    #expect(BackupLayout.servicePrefix("profile") == "services/profile/")
    #expect(BackupLayout.snapshotKey(service: "profile", id: "x").hasPrefix(BackupLayout.servicePrefix("profile")))
    #expect(BackupLayout.segmentKey(service: "graph", firstSeq: 1, lastSeq: 2).hasPrefix(BackupLayout.servicePrefix("graph")))
  }

  @Test func segmentKeysSortInSequenceOrder() {
    let ranges: [(Int64, Int64)] = [(1, 9), (10, 99), (100, 100), (101, 1_000_000), (1_000_001, Int64.max)]
    let keys = ranges.map { BackupLayout.segmentKey(service: "p", firstSeq: $0.0, lastSeq: $0.1) }
    #expect(keys == keys.sorted())
    #expect(keys[0] == "services/p/segments/00000000000000000001-00000000000000000009.segment")
    #expect(BackupLayout.manifestKey(for: keys[0]) == keys[0] + ".manifest")
  }

  @Test func snapshotIDsSortByTimeAndAreUnique() {
    let first = BackupLayout.newSnapshotID(takenAtMicros: 1_700_000_000_000_001)
    let second = BackupLayout.newSnapshotID(takenAtMicros: 1_700_000_000_000_002)
    #expect(first.hasPrefix("20231114T221320.000001Z-"))
    #expect(first < second)
    #expect(BackupLayout.newSnapshotID(takenAtMicros: 5) != BackupLayout.newSnapshotID(takenAtMicros: 5))
  }

  @Test(arguments: ["profile", "graph-2", "ingestion_v1"])
  func validServiceNames(name: String) {
    #expect(BackupLayout.isValidServiceName(name))
  }

  @Test(arguments: ["", "Profile", "../x", "a/b", "a b", String(repeating: "a", count: 65)])
  func invalidServiceNames(name: String) {
    #expect(!BackupLayout.isValidServiceName(name))
  }
}
