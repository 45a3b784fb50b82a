import GRDB
import GRPCCore

/// Failures of a service database, each with the gRPC status a caller should see.
public enum StoreError: Error, CustomStringConvertible, RPCErrorConvertible {
  case unavailable(String)
  case newerSchema(path: String, unknownMigrations: [String])
  case invalidSnapshot(String)
  case journalGap(JournalError)

  public var description: String {
    switch self {
    case .unavailable(let reason):
      reason
    case .newerSchema(let path, let unknown):
      "the database \(path) was written by a newer version (unknown migrations: \(unknown.joined(separator: ", "))); refusing to start: run a newer build or restore a backup"
    case .invalidSnapshot(let reason):
      "the snapshot cannot be restored: \(reason)"
    case .journalGap(let error):
      "the changes cannot be applied: \(error)"
    }
  }

  public var rpcErrorCode: RPCError.Code {
    switch self {
    case .unavailable: .unavailable
    case .newerSchema: .failedPrecondition
    case .invalidSnapshot: .invalidArgument
    case .journalGap: .failedPrecondition
    }
  }

  public var rpcErrorMessage: String { description }
}

extension RPCError {
  /// Maps a storage failure to a status a caller can act on; unknown failures become
  /// INTERNAL without leaking detail, and are for the log.
  public init(storageError error: any Error) {
    switch error {
    case let error as RPCError:
      self = error
    case let error as StoreError:
      self = RPCError(code: error.rpcErrorCode, message: error.rpcErrorMessage)
    case let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED:
      self = RPCError(code: .unavailable, message: "the database is busy; retry")
    case let error as DatabaseError where error.resultCode == .SQLITE_FULL:
      self = RPCError(code: .resourceExhausted, message: "the database disk is full")
    case let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT:
      self = RPCError(code: .failedPrecondition, message: "the change conflicts with stored data")
    case let error as DatabaseError where error.resultCode == .SQLITE_IOERR || error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN:
      self = RPCError(code: .unavailable, message: "the database cannot be written")
    default:
      self = RPCError(code: .internalError, message: "internal storage error")
    }
  }
}
