/// A stored backup object is not what was written: its checksum differs, its format is
/// unknown, or its encrypted content does not authenticate. Every case names the object.
public enum BackupIntegrityError: Error, Equatable, CustomStringConvertible {
  /// The SHA-256 of the stored bytes differs from the one recorded when it was written.
  case checksumMismatch(object: String, expected: String, actual: String)
  /// Not a sealed backup object of a known version.
  case malformed(object: String, detail: String)
  /// The ciphertext or its header was altered after sealing.
  case authenticationFailed(object: String, detail: String)
  /// The object ends early: bytes or whole chunks are missing at its end.
  case truncated(object: String, detail: String)
  /// The object opens, but its content disagrees with the catalog entry describing it.
  case inconsistent(object: String, detail: String)

  public var object: String {
    switch self {
    case .checksumMismatch(let object, _, _), .malformed(let object, _), .authenticationFailed(let object, _),
      .truncated(let object, _), .inconsistent(let object, _):
      object
    }
  }

  public var description: String {
    switch self {
    case .checksumMismatch(let object, let expected, let actual):
      "\(object) is corrupt: its SHA-256 is \(actual), the catalog recorded \(expected)"
    case .malformed(let object, let detail):
      "\(object) is not a readable backup object: \(detail)"
    case .authenticationFailed(let object, let detail):
      "\(object) fails authentication: \(detail)"
    case .truncated(let object, let detail):
      "\(object) is truncated: \(detail)"
    case .inconsistent(let object, let detail):
      "\(object) does not match its catalog entry: \(detail)"
    }
  }
}
