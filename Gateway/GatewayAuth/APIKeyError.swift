import GRPCCore

/// What can go wrong managing API keys, with the status and message an operator can act on.
public enum APIKeyError: Error, Equatable, CustomStringConvertible, RPCErrorConvertible {
  /// A field of a request is unusable; `field` is its name (`subject`, `role`, `label`,
  /// `daily_quota`, `id`).
  case invalidArgument(field: String, reason: String)
  case notFound(id: String)
  /// A stored row cannot be read back; it never authenticates anyone.
  case unreadableRecord(id: String, reason: String)

  public var rpcErrorCode: RPCError.Code {
    switch self {
    case .invalidArgument: .invalidArgument
    case .notFound: .notFound
    case .unreadableRecord: .internalError
    }
  }

  public var rpcErrorMessage: String {
    switch self {
    case .invalidArgument(let field, let reason):
      "\(field): \(reason)"
    case .notFound(let id):
      "API key '\(id)' not found"
    case .unreadableRecord(let id, let reason):
      "API key '\(id)' is stored in an unreadable form: \(reason)"
    }
  }

  public var description: String { rpcErrorMessage }
}
