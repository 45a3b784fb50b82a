/// The role of an authenticated caller. Roles are ordered: each includes the rights of the
/// roles before it, except that `service` is an internal principal, not a person.
public enum Role: String, Sendable, CaseIterable, Codable {
  case traveler
  case curator
  case admin
  /// Another service of the suite (the backup service, the gateway acting for itself).
  case service
}

/// Who is calling, as verified from signed internal metadata.
public struct Principal: Sendable, Hashable, Codable {
  public var subject: String
  public var role: Role

  public init(subject: String, role: Role) {
    self.subject = subject
    self.role = role
  }

  public static let anonymous = Principal(subject: "", role: .traveler)

  /// The principal of the call being handled by the current task, set by `IdentityInterceptor`.
  @TaskLocal public static var current: Principal?
}
