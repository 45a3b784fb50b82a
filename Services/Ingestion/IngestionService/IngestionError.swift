import GRPCCore
import LoyaltyRuntime

/// What can go wrong with an ingestion request, with the status and a message a curator can
/// act on.
public enum IngestionError: Error, Equatable, CustomStringConvertible, RPCErrorConvertible {
  case invalidArgument(field: String, reason: String)
  case tooLarge(limit: Int)
  case documentNotFound(key: String, versionID: String?)
  /// The version asked for (or the key's current version) is a delete marker.
  case deleted(key: String, versionID: String)
  case alreadyDeleted(key: String)
  case runNotFound(runID: String)
  /// The run is not in a state that allows the action.
  case wrongState(runID: String, state: RunState, action: String, allowed: String)
  /// PDF text extraction needs a tool that is not installed.
  case unsupported(String)

  public var rpcErrorCode: RPCError.Code {
    switch self {
    case .invalidArgument: .invalidArgument
    case .tooLarge: .resourceExhausted
    case .documentNotFound, .deleted, .runNotFound: .notFound
    case .alreadyDeleted: .failedPrecondition
    case .wrongState, .unsupported: .failedPrecondition
    }
  }

  public var rpcErrorMessage: String { description }

  public var description: String {
    switch self {
    case .invalidArgument(let field, let reason):
      "\(field): \(reason)"
    case .tooLarge(let limit):
      "the document is larger than the limit of \(Self.bytes(limit)); split it or raise ingest.maxDocumentBytes"
    case .documentNotFound(let key, let versionID):
      versionID.map { "version '\($0)' of '\(key)' not found" } ?? "document '\(key)' not found"
    case .deleted(let key, let versionID):
      "'\(key)' is deleted (version \(versionID) is a delete marker); ask for an older version_id"
    case .alreadyDeleted(let key):
      "'\(key)' is already deleted"
    case .runNotFound(let runID):
      "run '\(runID)' not found"
    case .wrongState(let runID, let state, let action, let allowed):
      "run '\(runID)' is \(state.rawValue); \(action) needs a run that is \(allowed)"
    case .unsupported(let reason):
      reason
    }
  }

  static func bytes(_ count: Int) -> String {
    count >= 1 << 20 && count % (1 << 20) == 0 ? "\(count >> 20) MiB" : count >= 1024 && count % 1024 == 0 ? "\(count >> 10) KiB" : "\(count) bytes"
  }
}
