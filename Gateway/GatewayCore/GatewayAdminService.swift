import Foundation
import GRPCCore
import GatewayAuth
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// loyalty.gateway.v1.GatewayAdmin: API keys, aliases, rate limits and upstream health.
/// The gateway routes it to itself and admits only admins (see `ServiceCatalog`); the
/// handlers check the role again, since the internal port verifies the signed identity.
struct GatewayAdminService: Loyalty_Gateway_V1_GatewayAdmin.SimpleServiceProtocol {
  let keys: APIKeyStore
  let routes: RouteTable
  let limiter: RateLimiter
  let pools: UpstreamPools
  let settings: GatewaySettingsFile
  let logger: Logger

  // MARK: Keys

  func createApiKey(
    request: Loyalty_Gateway_V1_CreateApiKeyRequest, context: ServerContext
  ) async throws -> Loyalty_Gateway_V1_CreateApiKeyResponse {
    let admin = try Authorization.require([.admin], for: "creating API keys")
    guard let role = Role(rawValue: request.role), role != .service else {
      throw RPCError(code: .invalidArgument, message: "role: must be traveler, curator or admin, not '\(request.role)'")
    }
    guard request.dailyQuota >= 0, request.dailyQuota <= Int64(Int32.max) else {
      throw RPCError(code: .invalidArgument, message: "daily_quota: must be 0 (none) or a positive count of calls")
    }
    let (record, secret) = try await keys.create(
      subject: request.subject, role: role, label: request.label, dailyQuota: Int(request.dailyQuota))
    logger.withCurrentRequest.notice(
      "API key created", metadata: ["key_id": "\(record.id)", "key_role": "\(record.role.rawValue)", "by": "\(admin.subject)"])
    return .with {
      $0.key = Self.message(record)
      $0.secret = secret
    }
  }

  func listApiKeys(
    request: Loyalty_Gateway_V1_ListApiKeysRequest, context: ServerContext
  ) async throws -> Loyalty_Gateway_V1_ListApiKeysResponse {
    try Authorization.require([.admin], for: "listing API keys")
    let records = try await keys.list(includeRevoked: request.includeRevoked)
    return .with { $0.keys = records.map(Self.message) }
  }

  func revokeApiKey(
    request: Loyalty_Gateway_V1_RevokeApiKeyRequest, context: ServerContext
  ) async throws -> Loyalty_Gateway_V1_ApiKey {
    let admin = try Authorization.require([.admin], for: "revoking API keys")
    let record = try await keys.revoke(id: request.id)
    logger.withCurrentRequest.notice("API key revoked", metadata: ["key_id": "\(record.id)", "by": "\(admin.subject)"])
    return Self.message(record)
  }

  static func message(_ record: APIKeyRecord) -> Loyalty_Gateway_V1_ApiKey {
    .with {
      $0.id = record.id
      $0.subject = record.subject
      $0.role = record.role.rawValue
      $0.label = record.label
      $0.dailyQuota = Int64(record.dailyQuota)
      $0.createTime = Google_Protobuf_Timestamp(date: record.createdAt)
      if let revokedAt = record.revokedAt { $0.revokeTime = Google_Protobuf_Timestamp(date: revokedAt) }
    }
  }

  // MARK: Routing

  func getRouting(
    request: Loyalty_Gateway_V1_GetRoutingRequest, context: ServerContext
  ) async throws -> Loyalty_Gateway_V1_Routing {
    try Authorization.require([.admin], for: "reading the route table")
    return .with {
      $0.versions = routes.versions.map { version in
        .with {
          $0.name = version.name
          $0.deprecated = version.deprecated ?? false
          $0.sunset = version.sunset ?? ""
        }
      }
      $0.routes = routes.routes.map { route in
        .with {
          $0.apiVersion = route.apiVersion
          $0.service = route.service
          $0.alias = route.alias
        }
      }
      $0.aliases = routes.aliases.map(Self.message)
    }
  }

  func setAlias(request: Loyalty_Gateway_V1_SetAliasRequest, context: ServerContext) async throws -> Loyalty_Gateway_V1_Alias {
    let admin = try Authorization.require([.admin], for: "changing aliases")
    let alias = GatewayConfig.Alias(
      name: request.alias.name,
      pools: request.alias.pools.map { GatewayConfig.WeightedPool(pool: $0.pool, weight: Int($0.weight)) })
    do {
      try routes.setAlias(alias)
    } catch {
      throw RPCError(code: .invalidArgument, message: error.description)
    }
    try await settings.update { $0.aliases = routes.aliases }
    logger.withCurrentRequest.notice(
      "alias repointed",
      metadata: [
        "alias": "\(alias.name)", "pools": "\(alias.pools.map { "\($0.pool)=\($0.weight)" }.joined(separator: ","))",
        "by": "\(admin.subject)",
      ])
    return Self.message(alias)
  }

  static func message(_ alias: GatewayConfig.Alias) -> Loyalty_Gateway_V1_Alias {
    .with {
      $0.name = alias.name
      $0.pools = alias.pools.map { pool in
        .with {
          $0.pool = pool.pool
          $0.weight = Int32(pool.weight)
        }
      }
    }
  }

  // MARK: Limits

  func getRateLimits(
    request: Loyalty_Gateway_V1_GetRateLimitsRequest, context: ServerContext
  ) async throws -> Loyalty_Gateway_V1_RateLimits {
    try Authorization.require([.admin], for: "reading rate limits")
    return Self.message(limiter.limits)
  }

  func setRateLimits(
    request: Loyalty_Gateway_V1_SetRateLimitsRequest, context: ServerContext
  ) async throws -> Loyalty_Gateway_V1_RateLimits {
    let admin = try Authorization.require([.admin], for: "changing rate limits")
    func limits(_ map: [String: Loyalty_Gateway_V1_RouteClassLimit]) -> [String: GatewayConfig.ClassLimit] {
      map.mapValues { GatewayConfig.ClassLimit(ratePerSecond: $0.ratePerSecond, burst: Int($0.burst)) }
    }
    let new = GatewayConfig.RateLimits(
      classes: limits(request.limits.classes),
      anonymousClasses: request.limits.anonymousClasses.isEmpty ? nil : limits(request.limits.anonymousClasses))
    do {
      try GatewayConfig.validate(new, key: "limits")
    } catch {
      throw RPCError(code: .invalidArgument, message: error.description)
    }
    limiter.update(new)
    try await settings.update { $0.rateLimits = new }
    logger.withCurrentRequest.notice("rate limits changed", metadata: ["by": "\(admin.subject)"])
    return Self.message(new)
  }

  static func message(_ limits: GatewayConfig.RateLimits) -> Loyalty_Gateway_V1_RateLimits {
    func convert(_ map: [String: GatewayConfig.ClassLimit]) -> [String: Loyalty_Gateway_V1_RouteClassLimit] {
      map.mapValues { limit in
        .with {
          $0.ratePerSecond = limit.ratePerSecond
          $0.burst = Int32(clamping: limit.burst)
        }
      }
    }
    return .with {
      $0.classes = convert(limits.classes)
      $0.anonymousClasses = convert(limits.anonymousClasses ?? [:])
    }
  }

  // MARK: Health

  func getUpstreamHealth(
    request: Loyalty_Gateway_V1_GetUpstreamHealthRequest, context: ServerContext
  ) async throws -> Loyalty_Gateway_V1_UpstreamHealth {
    try Authorization.require([.admin], for: "reading upstream health")
    return UpstreamHealthSummary(pools: pools).message
  }
}

/// The per-pool, per-target health both the admin API and `/readyz` report.
struct UpstreamHealthSummary {
  let pools: UpstreamPools

  var message: Loyalty_Gateway_V1_UpstreamHealth {
    .with {
      $0.status = UpstreamHealthMonitor.ready(pools) ? "SERVING" : "NOT_SERVING"
      $0.pools = pools.pools.values.sorted { $0.name < $1.name }.map { pool in
        .with {
          $0.pool = pool.name
          $0.required = pool.required
          let entries = pool.targets.map { (target: $0, entry: pools.health.entry(for: $0)) }
          $0.status = entries.contains { $0.entry.status == .serving } ? "SERVING" : "NOT_SERVING"
          $0.targets = entries.map { target, entry in
            .with {
              $0.address = target.description
              $0.status = entry.status.rawValue
              $0.since = Google_Protobuf_Timestamp(date: entry.since)
              $0.lastError = entry.lastError ?? ""
            }
          }
        }
      }
    }
  }
}

/// The configuration file, rewritten when the admin API changes what it holds.
public actor GatewaySettingsFile {
  private var config: GatewayConfig
  private let url: URL?

  public init(config: GatewayConfig, url: URL?) {
    self.config = config
    self.url = url
  }

  func update(_ change: (inout GatewayConfig) -> Void) throws {
    change(&config)
    guard let url else { return }
    do {
      try config.save(to: url)
    } catch {
      throw RPCError(code: .internalError, message: "the change is active but could not be saved to \(url.path): \(error)")
    }
  }
}
