import Logging
import Synchronization

/// Applies the landing zone's lifecycle rules on a schedule and on demand, and remembers what
/// the last sweep did.
public final class LifecycleSweeper: Sendable {
  public let rules: IngestionConfig.Lifecycle
  private let store: IngestionStore
  private let logger: Logger
  private let last = Mutex<LifecycleSweepResult?>(nil)
  /// One sweep at a time: a scheduled one and an operator's would delete the same versions.
  private let sweeping = Mutex(false)

  init(rules: IngestionConfig.Lifecycle, store: IngestionStore, logger: Logger) {
    self.rules = rules
    self.store = store
    self.logger = logger
  }

  public var lastSweep: LifecycleSweepResult? { last.withLock { $0 } }

  /// Sweeps once after `rules.interval`, then every interval, until cancelled.
  public func run() async {
    while !Task.isCancelled {
      do {
        try await Task.sleep(for: rules.interval)
      } catch {
        return
      }
      do {
        _ = try await sweep()
      } catch {
        logger.warning("lifecycle sweep failed; trying again at the next interval", metadata: ["error": "\(error)"])
      }
    }
  }

  private func claim() -> Bool {
    sweeping.withLock { busy in
      if busy { return false }
      busy = true
      return true
    }
  }

  public func sweep() async throws -> LifecycleSweepResult {
    while !claim() { try await Task.sleep(for: .milliseconds(50)) }
    defer { sweeping.withLock { $0 = false } }
    let result = try await store.applyLifecycle(rules)
    last.withLock { $0 = result }
    if result.versionsExpired > 0 || result.blobsDeleted > 0 {
      logger.notice(
        "lifecycle sweep", metadata: ["versions_expired": "\(result.versionsExpired)", "blobs_deleted": "\(result.blobsDeleted)"])
    }
    return result
  }
}
