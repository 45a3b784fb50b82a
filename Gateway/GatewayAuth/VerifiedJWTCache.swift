import Foundation
import Synchronization

/// JWTs whose signature and claims have been checked, keyed by their full text, so that a
/// client reusing its token costs a dictionary lookup instead of a signature check. An entry
/// is used only within the token's validity window (clock skew included) and is dropped once
/// it has passed. Only verified tokens get in, so its size is bounded by legitimate traffic
/// and by `capacity`.
final class VerifiedJWTCache: Sendable {
  private struct Entry: Sendable {
    var caller: Caller
    var validFrom: Date
    var validUntil: Date
  }

  private let capacity: Int
  private let entries = Mutex<[String: Entry]>([:])

  init(capacity: Int = 10_000) {
    self.capacity = capacity
  }

  func caller(for token: String, at now: Date) -> Caller? {
    entries.withLock { entries in
      guard let entry = entries[token] else { return nil }
      guard now < entry.validUntil else {
        entries[token] = nil
        return nil
      }
      return now >= entry.validFrom ? entry.caller : nil
    }
  }

  func store(_ caller: Caller, for token: String, validFrom: Date, validUntil: Date, now: Date) {
    entries.withLock { entries in
      if entries.count >= capacity {
        entries = entries.filter { now < $0.value.validUntil }
        // Still full of live tokens: start over rather than scan for the oldest on every store.
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
      }
      entries[token] = Entry(caller: caller, validFrom: validFrom, validUntil: validUntil)
    }
  }

  var count: Int { entries.withLock { $0.count } }
}
