import GatewayCore
import LoyaltyRuntime
import Testing

@Suite struct RouteTableTests {
  func config(canaryWeight: Int = 10) -> GatewayConfig {
    GatewayConfig(
      versions: [.init(name: "v1"), .init(name: "v2", deprecated: true, sunset: "2027-06-30T00:00:00Z")],
      upstreams: [.init(name: "stable", targets: ["127.0.0.1:1"]), .init(name: "canary", targets: ["127.0.0.1:2"])],
      aliases: [
        .init(name: "profiles", pools: [.init(pool: "stable", weight: 100 - canaryWeight), .init(pool: "canary", weight: canaryWeight)])
      ],
      routes: [.init(apiVersion: "v1", service: "loyalty.profile.v1.ProfileService", alias: "profiles")],
      rateLimits: GatewayConfig.defaultRateLimits)
  }

  func pool(_ resolution: RouteTable.Resolution) -> String? {
    if case .route(let route) = resolution, case .pool(let name) = route.target { return name }
    return nil
  }

  @Test func weightsSplitCallsExactlyOverAHundred() {
    let table = RouteTable(config: config(), catalog: .standard)
    let picks = (0..<1000).compactMap { _ in pool(table.resolve(path: "/loyalty.profile.v1.ProfileService/GetProfile")) }
    #expect(picks.filter { $0 == "canary" }.count == 100)
  }

  @Test func repointingAnAliasAppliesToTheNextCall() throws {
    let table = RouteTable(config: config(), catalog: .standard)
    try table.setAlias(.init(name: "profiles", pools: [.init(pool: "stable", weight: 100), .init(pool: "canary", weight: 0)]))
    let picks = (0..<200).compactMap { _ in pool(table.resolve(path: "/loyalty.profile.v1.ProfileService/GetProfile")) }
    #expect(Set(picks) == ["stable"])
  }

  @Test func aliasWeightsMustAddUpToAHundred() {
    let table = RouteTable(config: config(), catalog: .standard)
    #expect(throws: ConfigError.self) {
      try table.setAlias(.init(name: "profiles", pools: [.init(pool: "stable", weight: 50)]))
    }
    #expect(throws: ConfigError.self) {
      try table.setAlias(.init(name: "profiles", pools: [.init(pool: "nowhere", weight: 100)]))
    }
  }

  @Test func unknownVersionsMethodsAndUnroutedServicesAreUnimplemented() {
    let table = RouteTable(config: config(), catalog: .standard)
    guard case .refused(let code, let message) = table.resolve(path: "/loyalty.profile.v3.ProfileService/GetProfile") else {
      Issue.record("v3 resolved")
      return
    }
    #expect(code == 12)
    #expect(message.contains("supported versions: v1, v2"))
    guard case .refused(12, _) = table.resolve(path: "/loyalty.profile.v1.ProfileService/Nope") else {
      Issue.record("unknown method resolved")
      return
    }
    guard case .refused(12, _) = table.resolve(path: "/loyalty.replication.v1.Replication/Snapshot") else {
      Issue.record("replication is reachable")
      return
    }
    guard case .refused(12, _) = table.resolve(path: "/loyalty.profile.v2.ProfileService/GetProfile") else {
      Issue.record("an unrouted service resolved")
      return
    }
  }

  @Test func gatewayServicesResolveToTheGatewayItself() {
    let table = RouteTable(config: config(), catalog: .standard)
    guard case .route(let route) = table.resolve(path: "/grpc.health.v1.Health/Check") else {
      Issue.record("health did not resolve")
      return
    }
    #expect(route.target == .gateway)
    #expect(route.method.access == .open)
  }

  @Test func configValidationNamesTheKey() {
    var bad = config()
    bad.routes[0].alias = "missing"
    #expect(throws: ConfigError.self) { try bad.validate(catalog: .standard) }
    var badWeights = config()
    badWeights.aliases[0].pools[0].weight = 10
    do {
      try badWeights.validate(catalog: .standard)
      Issue.record("weights adding up to 20 were accepted")
    } catch {
      #expect(error.key == "aliases[0].pools")
    }
  }
}
