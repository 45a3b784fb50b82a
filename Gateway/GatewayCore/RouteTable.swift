import Foundation
import LoyaltyRuntime
import Synchronization

/// Where each call goes: the catalog's method policy plus the route table's version, alias
/// and pool. Aliases can be repointed at run time; each call picks its pool once, at
/// resolution, so a repointed alias applies to the next call and never to one in flight.
public final class RouteTable: Sendable {
  public struct ResolvedRoute: Sendable {
    public enum Target: Sendable, Equatable {
      case gateway
      case pool(String)
    }

    public var service: RoutedService
    public var method: MethodPolicy
    public var target: Target
    public var version: GatewayConfig.APIVersion?
    public var alias: String?
    public var timeout: Duration
    /// The route label used in metrics and logs: `/service/method`.
    public var path: String
  }

  public enum Resolution: Sendable {
    case route(ResolvedRoute)
    case refused(code: Int, message: String)
  }

  private struct State {
    var versions: [String: GatewayConfig.APIVersion]
    var versionOrder: [String]
    var routes: [String: GatewayConfig.Route]
    var aliases: [String: AliasSelector]
    var aliasOrder: [String]
  }

  public let catalog: ServiceCatalog
  private let poolNames: Set<String>
  private let state: Mutex<State>

  public init(config: GatewayConfig, catalog: ServiceCatalog) {
    self.catalog = catalog
    self.poolNames = Set(config.upstreams.map(\.name))
    self.state = Mutex(
      State(
        versions: Dictionary(uniqueKeysWithValues: config.versions.map { ($0.name, $0) }),
        versionOrder: config.versions.map(\.name),
        routes: Dictionary(uniqueKeysWithValues: config.routes.map { ($0.service, $0) }),
        aliases: Dictionary(uniqueKeysWithValues: config.aliases.map { ($0.name, AliasSelector($0)) }),
        aliasOrder: config.aliases.map(\.name)))
  }

  public var supportedVersions: [String] {
    state.withLock { $0.versionOrder }
  }

  /// Resolves `/package.Service/Method`.
  public func resolve(path: String) -> Resolution {
    guard path.hasPrefix("/"), let slash = path.dropFirst().firstIndex(of: "/") else {
      return .refused(code: 12, message: "'\(path)' is not a gRPC method path (/package.Service/Method)")
    }
    let serviceName = String(path[path.index(after: path.startIndex)..<slash])
    let methodName = String(path[path.index(after: slash)...])
    return resolve(service: serviceName, method: methodName)
  }

  public func resolve(service serviceName: String, method methodName: String) -> Resolution {
    let path = "/\(serviceName)/\(methodName)"
    guard let service = catalog.service(named: serviceName) else {
      return state.withLock { state in
        if let version = ServiceCatalog.apiVersion(ofService: serviceName), state.versions[version] == nil {
          return .refused(
            code: 12,
            message: "API version \(version) is not supported; supported versions: \(state.versionOrder.joined(separator: ", "))")
        }
        return .refused(code: 12, message: "unknown service \(serviceName)")
      }
    }
    guard let method = service.methods[methodName] else {
      return .refused(code: 12, message: "unknown method \(methodName) of \(serviceName)")
    }
    switch service.destination {
    case .gateway:
      return .route(
        ResolvedRoute(
          service: service, method: method, target: .gateway, version: nil, alias: nil, timeout: method.timeout, path: path))
    case .routeTable:
      return state.withLock { state in
        guard let route = state.routes[serviceName] else {
          if let version = ServiceCatalog.apiVersion(ofService: serviceName), state.versions[version] == nil {
            return .refused(
              code: 12,
              message: "API version \(version) is not supported; supported versions: \(state.versionOrder.joined(separator: ", "))")
          }
          return .refused(code: 12, message: "\(serviceName) is not routed by this gateway")
        }
        guard let pool = state.aliases[route.alias]?.next() else {
          return .refused(code: 14, message: "alias \(route.alias) points at no pool")
        }
        let timeout = route.timeoutMilliseconds.map { Duration.milliseconds($0) } ?? method.timeout
        return .route(
          ResolvedRoute(
            service: service, method: method, target: .pool(pool), version: state.versions[route.apiVersion],
            alias: route.alias, timeout: timeout, path: path))
      }
    }
  }

  /// The version named by a JSON route's first path segment (`/v2/...`), or a refusal listing
  /// the supported versions.
  public func version(named name: String) -> GatewayConfig.APIVersion? {
    state.withLock { $0.versions[name] }
  }

  /// Repoints an alias; the next call resolved uses the new weights.
  public func setAlias(_ alias: GatewayConfig.Alias) throws(ConfigError) {
    try GatewayConfig.validate(alias: alias, pools: poolNames, key: "alias")
    try state.withLock { (state: inout State) throws(ConfigError) in
      guard state.aliases[alias.name] != nil else {
        throw ConfigError(key: "alias.name", message: "alias '\(alias.name)' is not defined")
      }
      state.aliases[alias.name] = AliasSelector(alias)
    }
  }

  public var aliases: [GatewayConfig.Alias] {
    state.withLock { state in state.aliasOrder.compactMap { state.aliases[$0]?.alias } }
  }

  public var routes: [GatewayConfig.Route] {
    state.withLock { state in state.routes.values.sorted { ($0.apiVersion, $0.service) < ($1.apiVersion, $1.service) } }
  }

  public var versions: [GatewayConfig.APIVersion] {
    state.withLock { state in state.versionOrder.compactMap { state.versions[$0] } }
  }
}

/// Smooth weighted round robin (as nginx does it): over any 100 consecutive calls each pool
/// gets exactly its weight, interleaved rather than in runs.
struct AliasSelector: Sendable {
  let alias: GatewayConfig.Alias
  private var current: [Int]

  init(_ alias: GatewayConfig.Alias) {
    self.alias = alias
    self.current = Array(repeating: 0, count: alias.pools.count)
  }

  mutating func next() -> String? {
    let total = alias.pools.reduce(0) { $0 + $1.weight }
    guard total > 0 else { return nil }
    var best = -1
    for index in alias.pools.indices where alias.pools[index].weight > 0 {
      current[index] += alias.pools[index].weight
      if best < 0 || current[index] > current[best] { best = index }
    }
    current[best] -= total
    return alias.pools[best].pool
  }
}
