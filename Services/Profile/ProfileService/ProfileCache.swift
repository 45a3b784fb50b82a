import LoyaltyAPI
import Synchronization

/// Decoded profiles (both columns of the row) kept in memory for `GetProfile` of either
/// version, the hot read of the suite (the advisor reads a traveller's profile for every
/// personalised answer).
///
/// Writers update entries from their commit callback, which GRDB runs on the serialized
/// writer in commit order, so entries never go backwards. A read that misses may only fill
/// the entry when no commit happened since it started reading, so a slow read cannot put
/// back a profile that was changed or deleted meanwhile. A restore (a new journal epoch)
/// empties the cache.
final class ProfileCache: Sendable {
  static let capacity = 10_000

  private struct State {
    var epoch: Int
    var commits: UInt64 = 0
    var profiles: [String: StoredProfile] = [:]

    mutating func enter(_ epoch: Int) {
      if self.epoch != epoch {
        self.epoch = epoch
        profiles.removeAll()
      }
    }

    mutating func insert(_ profile: StoredProfile) {
      if profiles.count >= ProfileCache.capacity { profiles.removeAll(keepingCapacity: true) }
      profiles[profile.document.userID] = profile
    }
  }

  private let state: Mutex<State>

  init(epoch: Int) {
    state = Mutex(State(epoch: epoch))
  }

  /// The cached profile, or nil and a token to pass to `fill` after reading the database.
  func lookupStored(_ userID: String, epoch: Int) -> (profile: StoredProfile?, token: UInt64) {
    state.withLock { state in
      state.enter(epoch)
      return (state.profiles[userID], state.commits)
    }
  }

  /// Stores a profile read from the database, unless a commit happened since `token`.
  func fill(_ profile: StoredProfile, token: UInt64, epoch: Int) {
    state.withLock { state in
      state.enter(epoch)
      guard state.commits == token else { return }
      state.insert(profile)
    }
  }

  /// Called after a commit that wrote `profile`.
  func committed(_ profile: StoredProfile, epoch: Int) {
    state.withLock { state in
      state.enter(epoch)
      state.commits &+= 1
      state.insert(profile)
    }
  }

  /// Called after a commit that deleted `userID`.
  func committedDeletion(of userID: String, epoch: Int) {
    state.withLock { state in
      state.enter(epoch)
      state.commits &+= 1
      state.profiles.removeValue(forKey: userID)
    }
  }
}

extension ProfileCache {
  // In terms of v1 documents alone, for callers that never see v2 additions (the cache's unit
  // tests); an entry made from a document has none.

  func lookup(_ userID: String, epoch: Int) -> (profile: Loyalty_Profile_V1_Profile?, token: UInt64) {
    let (stored, token) = lookupStored(userID, epoch: epoch)
    return (stored?.document, token)
  }

  func fill(_ document: Loyalty_Profile_V1_Profile, token: UInt64, epoch: Int) {
    fill(StoredProfile(document: document), token: token, epoch: epoch)
  }

  func committed(_ document: Loyalty_Profile_V1_Profile, epoch: Int) {
    committed(StoredProfile(document: document), epoch: epoch)
  }
}
