import GRPCCore
import SwiftProtobuf

/// Refuses request messages larger than the configured limit with RESOURCE_EXHAUSTED.
///
/// The HTTP/2 transport resets the stream (the client sees CANCELLED) when a message exceeds
/// its own cap, so the transport cap is set above this limit and the limit is enforced here,
/// where the caller can be told why.
public struct RequestSizeInterceptor: ServerInterceptor {
  /// The transport cap for a given limit: messages between the two get a clear status.
  public static func transportCap(forLimit limit: Int) -> Int { limit * 4 }

  private let limit: Int

  public init(limit: Int) {
    self.limit = limit
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    var request = request
    let limit = self.limit
    request.messages = RPCAsyncSequence(wrapping: request.messages.map { message in
      if let message = message as? any SwiftProtobuf.Message {
        let bytes: [UInt8] = try message.serializedBytes()
        let size = bytes.count
        if size > limit {
          throw RPCError(code: .resourceExhausted, message: "the request message is \(size) bytes; the limit is \(limit)")
        }
      }
      return message
    })
    return try await next(request, context)
  }
}
