import LoyaltyAPI
import SwiftProtobuf
import Testing
@testable import ProfileService

@Suite struct ProfileCacheTests {
  func profile(_ id: String, version: Int64) -> Loyalty_Profile_V1_Profile {
    .with { $0.userID = id; $0.version = version }
  }

  @Test func aReadThatRacedACommitDoesNotFillTheCache() {
    let cache = ProfileCache(epoch: 0)
    let (_, token) = cache.lookup("ada", epoch: 0)
    cache.committedDeletion(of: "ada", epoch: 0)
    cache.fill(profile("ada", version: 3), token: token, epoch: 0)
    #expect(cache.lookup("ada", epoch: 0).profile == nil)
  }

  @Test func commitsReplaceAndDeletionsEvict() {
    let cache = ProfileCache(epoch: 0)
    let (_, token) = cache.lookup("ada", epoch: 0)
    cache.fill(profile("ada", version: 1), token: token, epoch: 0)
    cache.committed(profile("ada", version: 2), epoch: 0)
    #expect(cache.lookup("ada", epoch: 0).profile?.version == 2)
    cache.committedDeletion(of: "ada", epoch: 0)
    #expect(cache.lookup("ada", epoch: 0).profile == nil)
  }

  @Test func aNewEpochEmptiesTheCache() {
    let cache = ProfileCache(epoch: 0)
    cache.committed(profile("ada", version: 2), epoch: 0)
    #expect(cache.lookup("ada", epoch: 1).profile == nil)
  }
}
