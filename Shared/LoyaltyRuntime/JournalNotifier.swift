import Synchronization

/// Wakes journal followers when new records commit. A restore starts a new epoch: followers
/// of the old one are told to resubscribe, since sequences may have moved backwards.
public final class JournalNotifier: Sendable {
  public enum Wakeup: Sendable, Equatable {
    /// Records up to this sequence have committed.
    case advanced(Int64)
    /// The database was replaced; continue from a fresh subscription.
    case restored
    /// The process is shutting down.
    case closed
  }

  private struct Waiter {
    var after: Int64
    var continuation: CheckedContinuation<Wakeup, Never>
  }

  private struct State {
    var latest: Int64
    var epoch = 0
    var isClosed = false
    var waiters: [Int: Waiter] = [:]
    var nextID = 0
  }

  private let state: Mutex<State>

  public init(latest: Int64) {
    state = Mutex(State(latest: latest))
  }

  public var latest: Int64 { state.withLock { $0.latest } }
  public var epoch: Int { state.withLock { $0.epoch } }

  func publish(_ sequence: Int64) {
    let woken = state.withLock { state -> [CheckedContinuation<Wakeup, Never>] in
      guard sequence > state.latest else { return [] }
      state.latest = sequence
      var woken: [CheckedContinuation<Wakeup, Never>] = []
      for (id, waiter) in state.waiters where waiter.after < sequence {
        woken.append(waiter.continuation)
        state.waiters.removeValue(forKey: id)
      }
      return woken
    }
    for continuation in woken { continuation.resume(returning: .advanced(sequence)) }
  }

  func restored(latest: Int64) {
    let woken = state.withLock { state -> [CheckedContinuation<Wakeup, Never>] in
      state.latest = latest
      state.epoch += 1
      defer { state.waiters.removeAll() }
      return state.waiters.values.map(\.continuation)
    }
    for continuation in woken { continuation.resume(returning: .restored) }
  }

  public func close() {
    let woken = state.withLock { state -> [CheckedContinuation<Wakeup, Never>] in
      state.isClosed = true
      defer { state.waiters.removeAll() }
      return state.waiters.values.map(\.continuation)
    }
    for continuation in woken { continuation.resume(returning: .closed) }
  }

  /// Returns once a record after `sequence` has committed, the epoch has changed from
  /// `epoch`, the notifier closes, or the task is cancelled (then `.closed`).
  public func wait(after sequence: Int64, epoch: Int) async -> Wakeup {
    let id = state.withLock { state -> Int in
      defer { state.nextID += 1 }
      return state.nextID
    }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let immediate: Wakeup? = state.withLock { state in
          if state.isClosed || Task.isCancelled { return .closed }
          if state.epoch != epoch { return .restored }
          if state.latest > sequence { return .advanced(state.latest) }
          state.waiters[id] = Waiter(after: sequence, continuation: continuation)
          return nil
        }
        if let immediate { continuation.resume(returning: immediate) }
      }
    } onCancel: {
      let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
      waiter?.continuation.resume(returning: .closed)
    }
  }
}
