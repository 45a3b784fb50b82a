import GRPCCore

/// What can go wrong with a profile request, with the status and message a caller can act on.
public enum ProfileError: Error, Equatable, RPCErrorConvertible {
  case invalidArgument(field: String, reason: String)
  case profileNotFound(userID: String)
  case profileExists(userID: String)
  case versionMismatch(expected: Int64, actual: Int64)
  case membershipExists(programID: String)
  case membershipNotFound(programID: String)
  case insufficientBalance(programID: String, balance: Int64, delta: Int64)
  case requestIDReused(requestID: String)

  public var rpcErrorCode: RPCError.Code {
    switch self {
    case .invalidArgument: .invalidArgument
    case .profileNotFound, .membershipNotFound: .notFound
    case .profileExists, .membershipExists, .requestIDReused: .alreadyExists
    case .versionMismatch, .insufficientBalance: .failedPrecondition
    }
  }

  public var rpcErrorMessage: String {
    switch self {
    case .invalidArgument(let field, let reason):
      "\(field): \(reason)"
    case .profileNotFound(let userID):
      "profile '\(userID)' not found"
    case .profileExists(let userID):
      "profile '\(userID)' already exists"
    case .versionMismatch(let expected, let actual):
      "expected_version \(expected) does not match the stored version \(actual); read the profile again and retry"
    case .membershipExists(let programID):
      "membership in '\(programID)' already exists; use UpdateMembership"
    case .membershipNotFound(let programID):
      "no membership in '\(programID)'"
    case .insufficientBalance(let programID, let balance, let delta):
      "balance of '\(programID)' is \(balance); cannot apply \(delta)"
    case .requestIDReused(let requestID):
      "request_id '\(requestID)' was already used for a different adjustment"
    }
  }
}
