import Dispatch

/// Runs blocking file-system work on its own threads, so that long reads, writes and fsyncs
/// never occupy the threads of Swift's cooperative pool (two of them on a two-core machine).
public enum BlockingIO {
  private static let queue = DispatchQueue(label: "loyalty.backup-storage.blocking-io", attributes: .concurrent)

  static func run<Value: Sendable>(
    _ work: @escaping @Sendable () throws(StorageError) -> Value
  ) async throws(StorageError) -> Value {
    let result: Result<Value, StorageError> = await withCheckedContinuation { continuation in
      queue.async { continuation.resume(returning: Result { () throws(StorageError) in try work() }) }
    }
    return try result.get()
  }

  /// Runs `work`, which may block for long (sealing or opening a large file), off the
  /// cooperative pool.
  public static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    let result: Result<Value, any Error> = await withCheckedContinuation { continuation in
      queue.async { continuation.resume(returning: Result { try work() }) }
    }
    return try result.get()
  }
}
