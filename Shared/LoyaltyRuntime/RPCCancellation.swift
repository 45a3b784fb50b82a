import GRPCCore

/// Runs a long-lived stream handler (a Watch, a journal follow) so that it ends when its
/// client goes away. grpc-swift reports a cancelled RPC through a handler rather than by
/// cancelling the handler's task, so without this a follow would wait for changes forever.
public func untilRPCCancelled<Result: Sendable>(
  _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
  let work = Task { try await body() }
  return try await withTaskCancellationHandler {
    try await withRPCCancellationHandler {
      try await work.value
    } onCancelRPC: {
      work.cancel()
    }
  } onCancel: {
    work.cancel()
  }
}
