import GRPCCore

/// Access rules shared by every service, evaluated against `Principal.current`.
public enum Authorization {
  /// The verified caller, or UNAUTHENTICATED when the call carried none.
  public static func caller() throws(RPCError) -> Principal {
    guard let principal = Principal.current else {
      throw RPCError(code: .unauthenticated, message: "no caller identity")
    }
    return principal
  }

  /// People (travellers and curators) may act only on their own user id; admins and
  /// services on any.
  @discardableResult
  public static func requireAccess(toUser userID: String) throws(RPCError) -> Principal {
    let principal = try caller()
    switch principal.role {
    case .admin, .service:
      return principal
    case .traveler, .curator:
      guard principal.subject == userID else {
        throw RPCError(code: .permissionDenied, message: "you may only access your own profile, not '\(userID)'")
      }
      return principal
    }
  }

  @discardableResult
  public static func require(_ allowed: Set<Role>, for action: String) throws(RPCError) -> Principal {
    let principal = try caller()
    guard allowed.contains(principal.role) else {
      let roles = allowed.map(\.rawValue).sorted().joined(separator: ", ")
      throw RPCError(code: .permissionDenied, message: "\(action) requires one of the roles: \(roles)")
    }
    return principal
  }

  /// Replication and other operator-only APIs.
  @discardableResult
  public static func requireInternal(for action: String) throws(RPCError) -> Principal {
    try require([.admin, .service], for: action)
  }
}
