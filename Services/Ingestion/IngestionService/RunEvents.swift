import Foundation
import Synchronization

/// Hands every stored change of a run to the WatchRuns streams that follow it.
public final class RunEvents: Sendable {
  private struct Subscriber {
    var runID: String?
    var continuation: AsyncStream<RunRecord>.Continuation
  }

  private let subscribers = Mutex<[UUID: Subscriber]>([:])

  public init() {}

  /// Changes of one run (or of every run when `runID` is nil), from now on. A slow reader
  /// keeps only the newest changes; the last one, which says where the run is, is never lost.
  public func subscribe(runID: String?) -> AsyncStream<RunRecord> {
    let id = UUID()
    let (stream, continuation) = AsyncStream<RunRecord>.makeStream(bufferingPolicy: .bufferingNewest(256))
    continuation.onTermination = { [weak self] _ in
      _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
    }
    subscribers.withLock { $0[id] = Subscriber(runID: runID, continuation: continuation) }
    return stream
  }

  public func publish(_ run: RunRecord) {
    let targets = subscribers.withLock { subscribers in
      subscribers.values.filter { $0.runID == nil || $0.runID == run.runID }.map(\.continuation)
    }
    for continuation in targets { continuation.yield(run) }
  }

  /// Ends every stream (at shutdown).
  public func finishAll() {
    let all = subscribers.withLock { subscribers in
      defer { subscribers.removeAll() }
      return subscribers.values.map(\.continuation)
    }
    for continuation in all { continuation.finish() }
  }
}
