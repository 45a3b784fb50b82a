import BackupStorage
import Testing

@Suite struct StorageErrorTests {
  @Test func messagesNameTheTargetAndKey() {
    #expect(StorageError.notFound(target: "dr", key: "services/profile/a").description == "dr: no object 'services/profile/a'")
  }
}
