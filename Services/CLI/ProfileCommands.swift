import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

private let profileTarget = "127.0.0.1:50052"
private let profileTargetKey = "LOYALTY_PROFILE_TARGET"

extension ConnectionOptions {
  func withProfiles<Result: Sendable>(
    _ body: (Loyalty_Profile_V1_ProfileService.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Result
  ) async throws -> Result {
    let options = callOptions
    return try await withClient(defaultTarget: profileTarget, environmentKey: profileTargetKey) { client in
      try await body(Loyalty_Profile_V1_ProfileService.Client(wrapping: client), options)
    }
  }

  func show(_ profile: Loyalty_Profile_V1_Profile) throws {
    if json { try ProfileOutput.printJSON(profile) } else { ProfileOutput.printProfile(profile) }
  }
}

/// Profile fields settable from the command line, with the update-mask paths they touch.
struct ProfileFields: ParsableArguments {
  @Option(help: "Display name.")
  var name: String?

  @Option(help: "Home airport, IATA code.")
  var home: String?

  @Option(help: "Preferred airline, IATA code (repeatable).")
  var airline: [String] = []

  @Option(help: "Preferred alliance: oneworld, star-alliance or skyteam (repeatable).")
  var alliance: [String] = []

  @Option(help: "Status goal as PROGRAM:TIER[:YYYY-MM-DD] (repeatable).")
  var goal: [String] = []

  func apply(to profile: inout Loyalty_Profile_V1_Profile) throws -> [String] {
    var paths: [String] = []
    if let name { profile.displayName = name; paths.append("display_name") }
    if let home { profile.homeAirport = home; paths.append("home_airport") }
    if !airline.isEmpty { profile.preferredAirlines = airline; paths.append("preferred_airlines") }
    if !alliance.isEmpty {
      profile.preferredAlliances = try alliance.map { name in
        guard let value = ProfileOutput.alliance(named: name) else {
          throw ValidationError("--alliance '\(name)': use oneworld, star-alliance or skyteam")
        }
        return value
      }
      paths.append("preferred_alliances")
    }
    if !goal.isEmpty {
      profile.statusGoals = try goal.map { text in
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else {
          throw ValidationError("--goal '\(text)': use PROGRAM:TIER or PROGRAM:TIER:YYYY-MM-DD")
        }
        return .with {
          $0.programID = parts[0]
          $0.targetTier = parts[1]
          if parts.count == 3 { $0.targetDate = parts[2] }
        }
      }
      paths.append("status_goals")
    }
    return paths
  }
}

struct ProfileCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "profile",
    abstract: "Create, read, change and list traveller profiles.",
    subcommands: [Get.self, Create.self, Update.self, Delete.self, List.self]
  )

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Shows a profile.")
    @Argument var userID: String
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let profile = try await connection.withProfiles { profiles, options in
        try await profiles.getProfile(.with { $0.userID = userID }, options: options)
      }
      try connection.show(profile)
    }
  }

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Creates a profile.")
    @Argument var userID: String
    @OptionGroup var fields: ProfileFields
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      var profile = Loyalty_Profile_V1_Profile()
      profile.userID = userID
      _ = try fields.apply(to: &profile)
      let submitted = profile
      let created = try await connection.withProfiles { profiles, options in
        try await profiles.createProfile(.with { $0.profile = submitted }, options: options)
      }
      try connection.show(created)
    }
  }

  struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Changes the given fields of a profile.")
    @Argument var userID: String
    @OptionGroup var fields: ProfileFields
    @Option(help: "Fail unless the stored version is this one.")
    var expectedVersion: Int64?
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      var profile = Loyalty_Profile_V1_Profile()
      profile.userID = userID
      let paths = try fields.apply(to: &profile)
      guard !paths.isEmpty else {
        throw ValidationError("name at least one field to change (--name, --home, --airline, --alliance, --goal)")
      }
      let request = Loyalty_Profile_V1_UpdateProfileRequest.with {
        $0.profile = profile
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: paths)
        if let expectedVersion { $0.expectedVersion = expectedVersion }
      }
      let updated = try await connection.withProfiles { profiles, options in
        try await profiles.updateProfile(request, options: options)
      }
      try connection.show(updated)
    }
  }

  struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Deletes a profile and its balance history.")
    @Argument var userID: String
    @Option(help: "Fail unless the stored version is this one.")
    var expectedVersion: Int64?
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      try await connection.withProfiles { profiles, options in
        _ = try await profiles.deleteProfile(
          .with {
            $0.userID = userID
            if let expectedVersion { $0.expectedVersion = expectedVersion }
          }, options: options)
      }
      print("deleted \(userID)")
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists profiles (admins only).")
    @Option(help: "Profiles per page, 1–500.")
    var pageSize: Int32 = 50
    @Option(help: "Continue from a previous page.")
    var pageToken: String = ""
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let page = try await connection.withProfiles { profiles, options in
        try await profiles.listProfiles(.with { $0.pageSize = pageSize; $0.pageToken = pageToken }, options: options)
      }
      if connection.json {
        try ProfileOutput.printJSON(page)
        return
      }
      ProfileOutput.printTable(
        header: ["USER ID", "NAME", "HOME", "MEMBERSHIPS", "VERSION"],
        rows: page.profiles.map { [$0.userID, $0.displayName, $0.homeAirport, "\($0.memberships.count)", "\($0.version)"] })
      if !page.nextPageToken.isEmpty {
        print("\nmore: --page-token \(page.nextPageToken)")
      }
    }
  }
}

struct MembershipCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "membership",
    abstract: "Add, change or remove a loyalty-program membership of a profile.",
    subcommands: [Add.self, Update.self, Remove.self]
  )

  struct Fields: ParsableArguments {
    @Option(help: "Member number.") var number: String?
    @Option(help: "Elite tier name.") var tier: String?
    @Option(help: "Tier expiry date, YYYY-MM-DD.") var tierExpiry: String?
    @Option(help: "Balance in points or miles.") var balance: Int64?

    func apply(to membership: inout Loyalty_Profile_V1_Membership) -> [String] {
      var paths: [String] = []
      if let number { membership.memberNumber = number; paths.append("member_number") }
      if let tier { membership.eliteTier = tier; paths.append("elite_tier") }
      if let tierExpiry { membership.tierExpiryDate = tierExpiry; paths.append("tier_expiry_date") }
      if let balance {
        membership.balance = balance
        membership.balanceAsOf = Google_Protobuf_Timestamp(date: Date())
        paths += ["balance", "balance_as_of"]
      }
      return paths
    }
  }

  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Adds a membership.")
    @Argument var userID: String
    @Argument(help: "Program id, e.g. aa-aadvantage.") var programID: String
    @OptionGroup var fields: Fields
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      var membership = Loyalty_Profile_V1_Membership()
      membership.programID = programID
      _ = fields.apply(to: &membership)
      let request = Loyalty_Profile_V1_AddMembershipRequest.with { $0.userID = userID; $0.membership = membership }
      let profile = try await connection.withProfiles { try await $0.addMembership(request, options: $1) }
      try connection.show(profile)
    }
  }

  struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Changes the given fields of a membership.")
    @Argument var userID: String
    @Argument var programID: String
    @OptionGroup var fields: Fields
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      var membership = Loyalty_Profile_V1_Membership()
      membership.programID = programID
      let paths = fields.apply(to: &membership)
      guard !paths.isEmpty else { throw ValidationError("name at least one field (--number, --tier, --tier-expiry, --balance)") }
      let request = Loyalty_Profile_V1_UpdateMembershipRequest.with {
        $0.userID = userID
        $0.membership = membership
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: paths)
      }
      let profile = try await connection.withProfiles { try await $0.updateMembership(request, options: $1) }
      try connection.show(profile)
    }
  }

  struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Removes a membership.")
    @Argument var userID: String
    @Argument var programID: String
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let request = Loyalty_Profile_V1_RemoveMembershipRequest.with { $0.userID = userID; $0.programID = programID }
      let profile = try await connection.withProfiles { try await $0.removeMembership(request, options: $1) }
      try connection.show(profile)
    }
  }
}

struct BalanceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "balance",
    abstract: "Adjust a membership balance.",
    subcommands: [Adjust.self]
  )

  struct Adjust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Adds (or with a negative delta, redeems) points once per request id.")
    @Argument var userID: String
    @Argument var programID: String
    @Option(parsing: .unconditional, help: "Points to add; negative to redeem, e.g. --delta -5000.") var delta: Int64
    @Option(help: "Idempotency key; repeating it never applies the change twice. Default: a new UUID.")
    var requestID: String = UUID().uuidString.lowercased()
    @Option(help: "Why the balance changed.") var reason: String = ""
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      let request = Loyalty_Profile_V1_AdjustBalanceRequest.with {
        $0.userID = userID
        $0.programID = programID
        $0.delta = delta
        $0.requestID = requestID
        $0.reason = reason
      }
      let result = try await connection.withProfiles { try await $0.adjustBalance(request, options: $1) }
      if connection.json {
        try ProfileOutput.printJSON(result)
      } else {
        print("\(programID) balance: \(result.balance) (profile version \(result.version))\(result.replayed ? " — already applied earlier, not applied again" : "")")
      }
    }
  }
}
