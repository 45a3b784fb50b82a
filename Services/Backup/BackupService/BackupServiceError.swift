import BackupCore
import BackupStorage
import GRPCCore
import LoyaltyRuntime

/// Failures of backup-service's own, each with the gRPC code a caller can act on.
public enum BackupServiceError: Error, Equatable, CustomStringConvertible {
  case unknownService(String, known: [String])
  case unknownSnapshot(String)
  case noDRTarget
  case destinationExists(String)
  case forceRequired(service: String)
  /// The service reported another restored sequence than the database sent to it.
  case restoreMismatch(service: String, expected: Int64, reported: Int64)

  public var description: String {
    switch self {
    case .unknownService(let name, let known):
      "service: '\(name)' is not backed up here (backed up: \(known.joined(separator: ", ")))"
    case .unknownSnapshot(let id): "id: no snapshot '\(id)'"
    case .noDRTarget: "source: no DR target is configured (targets.dr)"
    case .destinationExists(let path): "destination: \(path) already exists; a restore writes a new database file"
    case .forceRequired(let service):
      "force: restoring in place replaces \(service)'s current data; set force to confirm"
    case .restoreMismatch(let service, let expected, let reported):
      "\(service) restored up to sequence \(reported), but the database sent ends at \(expected)"
    }
  }
}

extension RPCError {
  /// The gRPC status of any failure of a backup operation.
  init(backupFailure error: any Error) {
    switch error {
    case let error as RPCError:
      self = error
    case let error as BackupServiceError:
      let code: RPCError.Code =
        switch error {
        case .unknownService, .unknownSnapshot: .notFound
        case .noDRTarget, .forceRequired: .failedPrecondition
        case .destinationExists: .alreadyExists
        case .restoreMismatch: .internalError
        }
      self.init(code: code, message: error.description)
    case let error as RecoveryError:
      switch error {
      case .outsideWindow: self.init(code: .outOfRange, message: error.description)
      case .noRecoveryPoint: self.init(code: .failedPrecondition, message: error.description)
      default: self.init(code: .dataLoss, message: error.description)
      }
    case let error as OfflineRestoreError:
      switch error {
      case .destinationExists: self.init(code: .alreadyExists, message: error.description)
      default: self.init(code: .dataLoss, message: error.description)
      }
    case let error as BackupIntegrityError:
      self.init(code: .dataLoss, message: error.description)
    case let error as BackupKeyError:
      self.init(code: .failedPrecondition, message: error.description)
    case let error as StorageError:
      switch error {
      case .unavailable: self.init(code: .unavailable, message: error.description)
      case .notFound: self.init(code: .dataLoss, message: error.description)
      default: self.init(code: .internalError, message: error.description)
      }
    case let error as SnapshotTakerError:
      self.init(code: .unavailable, message: error.description)
    default:
      self.init(code: .internalError, message: "\(error)")
    }
  }
}
