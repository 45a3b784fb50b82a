import BackupCore
import Foundation
import Logging
import Synchronization

/// Keeps one service's `LogShipper` running: restarts it after it stops (a gap in the
/// journal stops it for good until the next attempt, a minute later), and pauses it while an
/// in-place restore rewrites the service's history, so that no record of the replaced history
/// is shipped after the restore has decided where the new one starts.
public final class ShippingSupervisor: Sendable {
  public let shipper: LogShipper
  private let logger: Logger
  private let retryAfterStop: Duration
  private let state = Mutex(State())

  private struct State {
    var pauseRequests = 0
    var isShipping = false
    /// Woken when the shipper stops because of a pause.
    var stopWaiters: [CheckedContinuation<Void, Never>] = []
    /// Counts the pauses that ended; a stopped shipper retries at once after one.
    var resumptions = 0
  }

  public init(shipper: LogShipper, logger: Logger, retryAfterStop: Duration = .seconds(60)) {
    self.shipper = shipper
    self.logger = logger
    self.retryAfterStop = retryAfterStop
  }

  public func run() async {
    while !Task.isCancelled {
      await waitUntilResumed()
      if Task.isCancelled { return }
      state.withLock { $0.isShipping = true }
      var stoppedForGood = false
      await withTaskGroup(of: Bool.self) { group in
        group.addTask {
          do {
            try await self.shipper.run()
          } catch {
            self.logger.error("log shipping stopped", metadata: ["service": "\(self.shipper.service)", "error": "\(error)"])
            return true
          }
          return false
        }
        group.addTask {
          await self.waitForPauseRequest()
          return false
        }
        stoppedForGood = await group.next() ?? false
        group.cancelAll()
      }
      let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
        state.isShipping = false
        defer { state.stopWaiters.removeAll() }
        return state.stopWaiters
      }
      for waiter in waiters { waiter.resume() }
      if stoppedForGood {
        await waitBeforeRetrying()
      }
    }
  }

  /// Runs `body` while the shipper is stopped, everything it received stored.
  public func whilePaused<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
    await pause()
    defer { resume() }
    return try await body()
  }

  private func pause() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let mustWait = state.withLock { state -> Bool in
        state.pauseRequests += 1
        guard state.isShipping else { return false }
        state.stopWaiters.append(continuation)
        return true
      }
      if !mustWait { continuation.resume() }
    }
  }

  private func resume() {
    state.withLock {
      $0.pauseRequests -= 1
      $0.resumptions += 1
    }
  }

  /// Waits `retryAfterStop`, or less when a pause ends meanwhile (an in-place restore may
  /// have repaired what stopped the shipper).
  private func waitBeforeRetrying() async {
    let resumptions = state.withLock { $0.resumptions }
    let deadline = ContinuousClock.now + retryAfterStop
    while ContinuousClock.now < deadline, !Task.isCancelled, state.withLock({ $0.resumptions }) == resumptions {
      try? await Task.sleep(for: .milliseconds(50))
    }
  }

  private var isPaused: Bool { state.withLock { $0.pauseRequests > 0 } }

  // Pauses are rare (in-place restores); polling keeps the waits simple to cancel.
  private func waitUntilResumed() async {
    while isPaused, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
  }

  private func waitForPauseRequest() async {
    while !isPaused, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
  }
}
