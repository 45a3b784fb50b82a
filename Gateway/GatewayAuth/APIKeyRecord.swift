import Foundation
import LoyaltyRuntime

/// An API key as stored: whom it authenticates, with which role and quota, and whether it
/// is revoked. It holds the key's public id, never its secret.
public struct APIKeyRecord: Sendable, Hashable, Codable {
  /// 12 lowercase hex characters; public and safe to log.
  public var id: String
  /// The user id the key acts as.
  public var subject: String
  /// `traveler`, `curator` or `admin`.
  public var role: Role
  /// A note for operators (who or what uses the key), at most 200 characters.
  public var label: String
  /// Calls allowed per day; 0 means no quota.
  public var dailyQuota: Int
  public var createdAt: Date
  /// When the key was revoked; a revoked key never authenticates again.
  public var revokedAt: Date?

  public init(
    id: String, subject: String, role: Role, label: String, dailyQuota: Int, createdAt: Date, revokedAt: Date? = nil
  ) {
    self.id = id
    self.subject = subject
    self.role = role
    self.label = label
    self.dailyQuota = dailyQuota
    self.createdAt = createdAt
    self.revokedAt = revokedAt
  }

  enum CodingKeys: String, CodingKey {
    case id, subject, role, label
    case dailyQuota = "daily_quota"
    case createdAt = "created_at"
    case revokedAt = "revoked_at"
  }

  public var isRevoked: Bool { revokedAt != nil }

  public var principal: Principal { Principal(subject: subject, role: role) }

  /// The caller a request presenting this key acts as.
  public var caller: Caller {
    Caller(principal: principal, credential: .apiKey(id: id), dailyQuota: dailyQuota == 0 ? nil : dailyQuota)
  }
}
