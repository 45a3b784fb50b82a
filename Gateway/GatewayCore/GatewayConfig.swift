import Foundation
import GatewayAuth
import LoyaltyRuntime

/// The gateway's deployment settings, read from a JSON file (`gateway.json` in the data folder
/// unless `--config` names another). Admin API changes to aliases and rate limits are written
/// back to the same file, so it always states what the gateway does.
///
/// Keys (all optional except `upstreams` and `routes`, which default to the local suite):
/// - `versions`: `[{ "name": "v1", "deprecated": false, "sunset": "2027-06-30T00:00:00Z" }]`
/// - `upstreams`: `[{ "name", "targets": ["host:port"], "required": true, "maxConcurrentRequests": 1024 }]`
/// - `aliases`: `[{ "name", "pools": [{ "pool", "weight" }] }]` — weights add up to 100
/// - `routes`: `[{ "apiVersion", "service", "alias", "timeoutMilliseconds"? }]`
/// - `rateLimits`: `{ "classes": { "read": { "ratePerSecond", "burst" } }, "anonymousClasses": {...} }`
/// - `jwt`: `{ "issuer", "audience", "hs256SecretFile", "es256PublicKeyFile", "clockSkewSeconds" }`
/// - `retry`: `{ "maxAttempts": 3, "backoffMilliseconds": 25 }`
/// - `maxRequestBytes`: the largest request message accepted (default 4 MiB). It bounds each
///   message, not a call: a client-streaming call (a document upload in 64 KiB chunks, an
///   OpenFlights import) may send any total, which the service behind it limits.
public struct GatewayConfig: Codable, Sendable, Equatable {
  public struct APIVersion: Codable, Sendable, Equatable {
    public var name: String
    public var deprecated: Bool?
    /// RFC 3339 date-time after which the version may stop answering.
    public var sunset: String?

    public init(name: String, deprecated: Bool? = nil, sunset: String? = nil) {
      self.name = name
      self.deprecated = deprecated
      self.sunset = sunset
    }
  }

  public struct Upstream: Codable, Sendable, Equatable {
    public var name: String
    public var targets: [String]
    /// Readiness requires a serving target in every required pool.
    public var required: Bool?
    public var maxConcurrentRequests: Int?

    public init(name: String, targets: [String], required: Bool? = true, maxConcurrentRequests: Int? = nil) {
      self.name = name
      self.targets = targets
      self.required = required
      self.maxConcurrentRequests = maxConcurrentRequests
    }
  }

  public struct WeightedPool: Codable, Sendable, Equatable {
    public var pool: String
    public var weight: Int

    public init(pool: String, weight: Int) {
      self.pool = pool
      self.weight = weight
    }
  }

  public struct Alias: Codable, Sendable, Equatable {
    public var name: String
    public var pools: [WeightedPool]

    public init(name: String, pools: [WeightedPool]) {
      self.name = name
      self.pools = pools
    }
  }

  public struct Route: Codable, Sendable, Equatable {
    public var apiVersion: String
    public var service: String
    public var alias: String
    public var timeoutMilliseconds: Int?

    public init(apiVersion: String, service: String, alias: String, timeoutMilliseconds: Int? = nil) {
      self.apiVersion = apiVersion
      self.service = service
      self.alias = alias
      self.timeoutMilliseconds = timeoutMilliseconds
    }
  }

  public struct ClassLimit: Codable, Sendable, Equatable {
    public var ratePerSecond: Double
    public var burst: Int

    public init(ratePerSecond: Double, burst: Int) {
      self.ratePerSecond = ratePerSecond
      self.burst = burst
    }
  }

  public struct RateLimits: Codable, Sendable, Equatable {
    public var classes: [String: ClassLimit]
    public var anonymousClasses: [String: ClassLimit]?

    public init(classes: [String: ClassLimit], anonymousClasses: [String: ClassLimit]? = nil) {
      self.classes = classes
      self.anonymousClasses = anonymousClasses
    }
  }

  public struct Retry: Codable, Sendable, Equatable {
    public var maxAttempts: Int
    public var backoffMilliseconds: Int

    public init(maxAttempts: Int = 3, backoffMilliseconds: Int = 25) {
      self.maxAttempts = maxAttempts
      self.backoffMilliseconds = backoffMilliseconds
    }
  }

  public var versions: [APIVersion]
  public var upstreams: [Upstream]
  public var aliases: [Alias]
  public var routes: [Route]
  public var rateLimits: RateLimits
  public var jwt: JWTSettings?
  public var retry: Retry?
  public var maxRequestBytes: Int?

  public init(
    versions: [APIVersion], upstreams: [Upstream], aliases: [Alias], routes: [Route], rateLimits: RateLimits,
    jwt: JWTSettings? = nil, retry: Retry? = nil, maxRequestBytes: Int? = nil
  ) {
    self.versions = versions
    self.upstreams = upstreams
    self.aliases = aliases
    self.routes = routes
    self.rateLimits = rateLimits
    self.jwt = jwt
    self.retry = retry
    self.maxRequestBytes = maxRequestBytes
  }

  public static let defaultMaxRequestBytes = 4 * 1024 * 1024

  public static let defaultRateLimits = RateLimits(
    classes: [
      "read": ClassLimit(ratePerSecond: 200, burst: 400),
      "write": ClassLimit(ratePerSecond: 50, burst: 100),
      "admin": ClassLimit(ratePerSecond: 20, burst: 40),
      "health": ClassLimit(ratePerSecond: 50, burst: 100),
    ],
    anonymousClasses: [
      "health": ClassLimit(ratePerSecond: 20, burst: 40)
    ]
  )

  /// The local suite: every service on loopback at its default port, v1 and v2 of the
  /// profile API each behind its own alias, the graph and the advisor (both hosted by
  /// graph-service) behind theirs, the ingestion API and the backup API. The ingestion and
  /// backup pools are not required: travellers' calls never depend on them, so the gateway
  /// stays ready while either is down.
  public static func localSuite(
    profileTarget: String = "127.0.0.1:50052", graphTarget: String = "127.0.0.1:50051",
    ingestionTarget: String = "127.0.0.1:50053", backupTarget: String = "127.0.0.1:50054"
  ) -> GatewayConfig {
    GatewayConfig(
      versions: [APIVersion(name: "v1"), APIVersion(name: "v2")],
      upstreams: [
        Upstream(name: "profile", targets: [profileTarget], required: true),
        Upstream(name: "graph", targets: [graphTarget], required: true),
        Upstream(name: "ingestion", targets: [ingestionTarget], required: false),
        Upstream(name: "backup", targets: [backupTarget], required: false),
      ],
      aliases: [
        Alias(name: "profile-v1", pools: [WeightedPool(pool: "profile", weight: 100)]),
        Alias(name: "profile-v2", pools: [WeightedPool(pool: "profile", weight: 100)]),
        Alias(name: "graph-v1", pools: [WeightedPool(pool: "graph", weight: 100)]),
        Alias(name: "advisor-v1", pools: [WeightedPool(pool: "graph", weight: 100)]),
        Alias(name: "ingestion-v1", pools: [WeightedPool(pool: "ingestion", weight: 100)]),
        Alias(name: "backup-v1", pools: [WeightedPool(pool: "backup", weight: 100)]),
      ],
      routes: [
        Route(apiVersion: "v1", service: "loyalty.profile.v1.ProfileService", alias: "profile-v1"),
        Route(apiVersion: "v2", service: "loyalty.profile.v2.ProfileService", alias: "profile-v2"),
        Route(apiVersion: "v1", service: "loyalty.graph.v1.GraphService", alias: "graph-v1"),
        Route(apiVersion: "v1", service: "loyalty.advisor.v1.AdvisorService", alias: "advisor-v1"),
        Route(apiVersion: "v1", service: "loyalty.ingestion.v1.IngestionService", alias: "ingestion-v1"),
        Route(apiVersion: "v1", service: "loyalty.backup.v1.BackupService", alias: "backup-v1"),
      ],
      rateLimits: defaultRateLimits
    )
  }

  // MARK: Validation

  /// Checks references and ranges; the error names the offending key.
  public func validate(catalog: ServiceCatalog) throws(ConfigError) {
    var versionNames = Set<String>()
    for (index, version) in versions.enumerated() {
      guard version.name.range(of: #"^v[0-9]+(alpha|beta)?[0-9]*$"#, options: .regularExpression) != nil else {
        throw ConfigError(key: "versions[\(index)].name", message: "'\(version.name)' is not a version name like v1 or v2beta1")
      }
      if let sunset = version.sunset, ISO8601DateFormatter().date(from: sunset) == nil {
        throw ConfigError(key: "versions[\(index)].sunset", message: "'\(sunset)' is not an RFC 3339 date-time")
      }
      guard versionNames.insert(version.name).inserted else {
        throw ConfigError(key: "versions[\(index)].name", message: "version '\(version.name)' is listed twice")
      }
    }
    var poolNames = Set<String>()
    for (index, upstream) in upstreams.enumerated() {
      guard !upstream.name.isEmpty, poolNames.insert(upstream.name).inserted else {
        throw ConfigError(key: "upstreams[\(index)].name", message: "pool names must be unique and non-empty")
      }
      guard !upstream.targets.isEmpty else {
        throw ConfigError(key: "upstreams[\(index)].targets", message: "pool '\(upstream.name)' has no targets")
      }
      for target in upstream.targets {
        _ = try ServiceAddress(parsing: target, key: "upstreams[\(index)].targets")
      }
      if let cap = upstream.maxConcurrentRequests, !(1...100_000).contains(cap) {
        throw ConfigError(key: "upstreams[\(index)].maxConcurrentRequests", message: "must be 1–100000, not \(cap)")
      }
    }
    var aliasNames = Set<String>()
    for (index, alias) in aliases.enumerated() {
      guard !alias.name.isEmpty, aliasNames.insert(alias.name).inserted else {
        throw ConfigError(key: "aliases[\(index)].name", message: "alias names must be unique and non-empty")
      }
      try Self.validate(alias: alias, pools: poolNames, key: "aliases[\(index)]")
    }
    var routed = Set<String>()
    for (index, route) in routes.enumerated() {
      let key = "routes[\(index)]"
      guard versionNames.contains(route.apiVersion) else {
        throw ConfigError(key: "\(key).apiVersion", message: "'\(route.apiVersion)' is not listed in versions")
      }
      guard catalog.service(named: route.service) != nil else {
        throw ConfigError(key: "\(key).service", message: "'\(route.service)' is not a service the gateway knows how to route")
      }
      guard aliasNames.contains(route.alias) else {
        throw ConfigError(key: "\(key).alias", message: "alias '\(route.alias)' is not defined")
      }
      guard routed.insert(route.service).inserted else {
        throw ConfigError(key: "\(key).service", message: "'\(route.service)' is routed twice")
      }
      if let timeout = route.timeoutMilliseconds, !(1...3_600_000).contains(timeout) {
        throw ConfigError(key: "\(key).timeoutMilliseconds", message: "must be 1–3600000, not \(timeout)")
      }
    }
    try Self.validate(rateLimits, key: "rateLimits")
    if let retry, !(1...5).contains(retry.maxAttempts) || !(0...10_000).contains(retry.backoffMilliseconds) {
      throw ConfigError(key: "retry", message: "maxAttempts must be 1–5 and backoffMilliseconds 0–10000")
    }
    if let maxRequestBytes, !(1024...(64 * 1024 * 1024)).contains(maxRequestBytes) {
      throw ConfigError(key: "maxRequestBytes", message: "must be 1 KiB–64 MiB, not \(maxRequestBytes)")
    }
  }

  static func validate(alias: Alias, pools: Set<String>, key: String) throws(ConfigError) {
    guard !alias.pools.isEmpty else {
      throw ConfigError(key: "\(key).pools", message: "alias '\(alias.name)' points at no pool")
    }
    for entry in alias.pools {
      guard pools.contains(entry.pool) else {
        throw ConfigError(key: "\(key).pools", message: "pool '\(entry.pool)' is not defined in upstreams")
      }
      guard (0...100).contains(entry.weight) else {
        throw ConfigError(key: "\(key).pools", message: "weight \(entry.weight) of '\(entry.pool)' is outside 0–100")
      }
    }
    let total = alias.pools.reduce(0) { $0 + $1.weight }
    guard total == 100 else {
      throw ConfigError(key: "\(key).pools", message: "the weights of alias '\(alias.name)' add up to \(total), not 100")
    }
  }

  static func validate(_ limits: RateLimits, key: String) throws(ConfigError) {
    let all = limits.classes.map { ("classes", $0.key, $0.value) }
      + (limits.anonymousClasses ?? [:]).map { ("anonymousClasses", $0.key, $0.value) }
    for (group, name, limit) in all {
      guard limit.ratePerSecond > 0, limit.ratePerSecond <= 1_000_000, limit.ratePerSecond.isFinite else {
        throw ConfigError(key: "\(key).\(group).\(name).ratePerSecond", message: "must be above 0 and at most 1000000")
      }
      guard (1...10_000_000).contains(limit.burst) else {
        throw ConfigError(key: "\(key).\(group).\(name).burst", message: "must be 1–10000000, not \(limit.burst)")
      }
    }
  }

  // MARK: File

  public static func load(from url: URL) throws(ConfigError) -> GatewayConfig {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw ConfigError(key: "gateway.config", message: "cannot read \(url.path): \(error.localizedDescription)")
    }
    do {
      return try JSONDecoder().decode(GatewayConfig.self, from: data)
    } catch let DecodingError.keyNotFound(key, context) {
      throw ConfigError(key: Self.path(context.codingPath + [key]), message: "missing in \(url.path)")
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
      throw ConfigError(key: Self.path(context.codingPath), message: "\(context.debugDescription) in \(url.path)")
    } catch let DecodingError.dataCorrupted(context) {
      throw ConfigError(key: Self.path(context.codingPath), message: "\(url.path) is not valid JSON: \(context.debugDescription)")
    } catch {
      throw ConfigError(key: "gateway.config", message: "cannot parse \(url.path): \(error)")
    }
  }

  /// Writes the file atomically (a reader sees the old or the new file, never half of one).
  public func save(to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try encoder.encode(self).write(to: url, options: .atomic)
  }

  private static func path(_ keys: [any CodingKey]) -> String {
    let path = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    return path.hasPrefix(".") ? String(path.dropFirst()) : (path.isEmpty ? "gateway.config" : path)
  }
}
