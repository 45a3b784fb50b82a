import ArgumentParser
import Foundation
import LoyaltyAPI
import SwiftProtobuf

/// The gateway's routing, rate limits and upstream health, through its admin API.
struct GatewayAdminCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gateway",
    abstract: "Inspect and change the gateway: routing and aliases, rate limits, upstream health (admin key needed).",
    subcommands: [Routing.self, AliasCommand.self, LimitsCommand.self, Upstreams.self]
  )

  struct Routing: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Shows API versions, routes and aliases with their weights.")

    @OptionGroup var connection: GatewayConnection

    func run() async throws {
      let routing = try await connection.withAdmin { admin, metadata, options in
        try await admin.getRouting(.init(), metadata: metadata, options: options)
      }
      if connection.json {
        try ProfileOutput.printJSON(routing)
        return
      }
      ProfileOutput.printTable(
        header: ["VERSION", "DEPRECATED", "SUNSET"],
        rows: routing.versions.map { [$0.name, $0.deprecated ? "yes" : "no", $0.sunset] })
      print("")
      ProfileOutput.printTable(
        header: ["API VERSION", "SERVICE", "ALIAS"],
        rows: routing.routes.map { [$0.apiVersion, $0.service, $0.alias] })
      print("")
      ProfileOutput.printTable(
        header: ["ALIAS", "POOLS (weight %)"],
        rows: routing.aliases.map { [$0.name, GatewayOutput.pools($0)] })
    }
  }

  struct AliasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "alias",
      abstract: "Repoints an alias at upstream pools (canaries and rollbacks).",
      subcommands: [Set.self]
    )

    struct Set: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Points an alias at pools with weights adding up to 100; applies to the next call.",
        discussion: """
          A canary taking a tenth of the calls, then a rollback:
            loyalty gateway alias set profile-v1 profile-v1=90 profile-v1-canary=10
            loyalty gateway alias set profile-v1 profile-v1=100
          The change is saved to the gateway's configuration file.
          """)

      @Argument(help: "The alias, e.g. profile-v1 (see 'loyalty gateway routing').")
      var name: String

      @Argument(help: "POOL=WEIGHT, one or more; weights are 0–100 and add up to 100.")
      var pools: [String]

      @OptionGroup var connection: GatewayConnection

      func validate() throws {
        guard !name.isEmpty else { throw ValidationError("the alias name must not be empty") }
        _ = try weightedPools()
      }

      func weightedPools() throws -> [Loyalty_Gateway_V1_WeightedPool] {
        guard !pools.isEmpty else { throw ValidationError("name at least one POOL=WEIGHT, e.g. profile-v1=100") }
        var seen = Swift.Set<String>()
        let parsed = try pools.map { text -> Loyalty_Gateway_V1_WeightedPool in
          let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
          guard parts.count == 2, !parts[0].isEmpty, let weight = Int32(parts[1]), (0...100).contains(weight) else {
            throw ValidationError("'\(text)': use POOL=WEIGHT with a whole-number weight 0–100, e.g. profile-v1=90")
          }
          guard seen.insert(parts[0]).inserted else { throw ValidationError("pool '\(parts[0])' is named twice") }
          return .with {
            $0.pool = parts[0]
            $0.weight = weight
          }
        }
        let total = parsed.reduce(0) { $0 + Int($1.weight) }
        guard total == 100 else { throw ValidationError("the weights add up to \(total), not 100") }
        return parsed
      }

      func run() async throws {
        let alias = Loyalty_Gateway_V1_Alias.with {
          $0.name = name
          $0.pools = (try? weightedPools()) ?? []
        }
        let updated = try await connection.withAdmin { admin, metadata, options in
          try await admin.setAlias(.with { $0.alias = alias }, metadata: metadata, options: options)
        }
        if connection.json {
          try ProfileOutput.printJSON(updated)
          return
        }
        print("alias \(updated.name) → \(GatewayOutput.pools(updated)) (applies from the next call)")
      }
    }
  }

  struct LimitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "limits",
      abstract: "Shows or changes the per-route-class rate limits (token buckets per caller).",
      subcommands: [Get.self, Set.self]
    )

    struct Get: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Shows the rate limits.")

      @OptionGroup var connection: GatewayConnection

      func run() async throws {
        let limits = try await connection.withAdmin { admin, metadata, options in
          try await admin.getRateLimits(.init(), metadata: metadata, options: options)
        }
        try GatewayOutput.show(limits, json: connection.json)
      }
    }

    struct Set: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Changes rate limits; classes not named keep their limits unless --replace is given.",
        discussion: """
          RATE is calls per second (fractions allowed), BURST the most calls allowed back to back:
            loyalty gateway limits set --class read=200/400 --class write=50/100
          The change applies to the next call and is saved to the gateway's configuration file.
          """)

      @Option(name: .customLong("class"), help: "CLASS=RATE/BURST for callers with a key or token (repeatable), e.g. read=200/400.")
      var classes: [String] = []

      @Option(name: .customLong("anonymous-class"), help: "CLASS=RATE/BURST for calls without credentials, per client address (repeatable).")
      var anonymousClasses: [String] = []

      @Flag(help: "Replace the whole configuration with the classes given, dropping the others.")
      var replace = false

      @OptionGroup var connection: GatewayConnection

      func validate() throws {
        guard !classes.isEmpty || !anonymousClasses.isEmpty else {
          throw ValidationError("name at least one --class CLASS=RATE/BURST (or --anonymous-class)")
        }
        _ = try Self.parse(classes, option: "--class")
        _ = try Self.parse(anonymousClasses, option: "--anonymous-class")
      }

      static func parse(_ texts: [String], option: String) throws -> [String: Loyalty_Gateway_V1_RouteClassLimit] {
        var limits: [String: Loyalty_Gateway_V1_RouteClassLimit] = [:]
        for text in texts {
          let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
          let numbers = parts.count == 2 ? parts[1].split(separator: "/", omittingEmptySubsequences: false).map(String.init) : []
          guard parts.count == 2, !parts[0].isEmpty, numbers.count == 2, let rate = Double(numbers[0]), let burst = Int32(numbers[1])
          else {
            throw ValidationError("\(option) '\(text)': use CLASS=RATE/BURST, e.g. read=200/400")
          }
          guard rate > 0, rate.isFinite, rate <= 1_000_000 else {
            throw ValidationError("\(option) '\(text)': the rate must be above 0 and at most 1000000 per second")
          }
          guard burst >= 1, burst <= 10_000_000 else {
            throw ValidationError("\(option) '\(text)': the burst must be 1–10000000")
          }
          guard limits[parts[0]] == nil else { throw ValidationError("\(option): class '\(parts[0])' is named twice") }
          limits[parts[0]] = .with {
            $0.ratePerSecond = rate
            $0.burst = burst
          }
        }
        return limits
      }

      func run() async throws {
        let classes = try Self.parse(classes, option: "--class")
        let anonymous = try Self.parse(anonymousClasses, option: "--anonymous-class")
        let replace = replace
        let updated = try await connection.withAdmin { admin, metadata, options in
          var limits = Loyalty_Gateway_V1_RateLimits()
          if !replace {
            limits = try await admin.getRateLimits(.init(), metadata: metadata, options: options)
          }
          limits.classes.merge(classes) { _, new in new }
          limits.anonymousClasses.merge(anonymous) { _, new in new }
          return try await admin.setRateLimits(.with { $0.limits = limits }, metadata: metadata, options: options)
        }
        try GatewayOutput.show(updated, json: connection.json)
      }
    }
  }

  struct Upstreams: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Shows the health of every upstream pool and target.")

    @OptionGroup var connection: GatewayConnection

    func run() async throws {
      let health = try await connection.withAdmin { admin, metadata, options in
        try await admin.getUpstreamHealth(.init(), metadata: metadata, options: options)
      }
      if connection.json {
        try ProfileOutput.printJSON(health)
        return
      }
      print("upstreams: \(health.status)")
      print("")
      var rows: [[String]] = []
      for pool in health.pools {
        let targets = pool.targets.isEmpty ? [Loyalty_Gateway_V1_TargetHealth()] : pool.targets
        for (index, target) in targets.enumerated() {
          rows.append([
            index == 0 ? pool.pool : "", index == 0 ? (pool.required ? "yes" : "no") : "", index == 0 ? pool.status : "",
            target.address, target.status, target.hasSince ? ProfileOutput.formatted(target.since.date) : "",
            target.lastError,
          ])
        }
      }
      ProfileOutput.printTable(header: ["POOL", "REQUIRED", "POOL STATUS", "TARGET", "STATUS", "SINCE", "LAST ERROR"], rows: rows)
    }
  }
}

enum GatewayOutput {
  static func pools(_ alias: Loyalty_Gateway_V1_Alias) -> String {
    alias.pools.map { "\($0.pool)=\($0.weight)" }.joined(separator: " ")
  }

  static func rate(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
  }

  static func show(_ limits: Loyalty_Gateway_V1_RateLimits, json: Bool) throws {
    if json {
      try ProfileOutput.printJSON(limits)
      return
    }
    var rows: [[String]] = []
    for (name, limit) in limits.classes.sorted(by: { $0.key < $1.key }) {
      rows.append([name, "with key or token", rate(limit.ratePerSecond), "\(limit.burst)"])
    }
    for (name, limit) in limits.anonymousClasses.sorted(by: { $0.key < $1.key }) {
      rows.append([name, "anonymous, per address", rate(limit.ratePerSecond), "\(limit.burst)"])
    }
    ProfileOutput.printTable(header: ["CLASS", "CALLERS", "RATE/S", "BURST"], rows: rows)
  }
}
