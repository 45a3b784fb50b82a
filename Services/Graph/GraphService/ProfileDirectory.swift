import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// What the advisor knows about a traveller from profile-service: tier and balance per
/// program, and the first status goal.
public struct TravellerProfile: Sendable, Equatable {
  public var userID: String
  public var tiers: [String: String]
  public var balances: [String: Int64]
  public var homeAirport: String
  public var goal: Loyalty_Advisor_V1_StatusGoal?

  public init(
    userID: String, tiers: [String: String] = [:], balances: [String: Int64] = [:], homeAirport: String = "",
    goal: Loyalty_Advisor_V1_StatusGoal? = nil
  ) {
    self.userID = userID
    self.tiers = tiers
    self.balances = balances
    self.homeAirport = homeAirport
    self.goal = goal
  }

  init(_ profile: Loyalty_Profile_V1_Profile) {
    self.init(
      userID: profile.userID,
      tiers: Dictionary(profile.memberships.map { ($0.programID, $0.eliteTier) }, uniquingKeysWith: { first, _ in first }),
      balances: Dictionary(profile.memberships.map { ($0.programID, $0.balance) }, uniquingKeysWith: { first, _ in first }),
      homeAirport: profile.homeAirport,
      goal: profile.statusGoals.first.map { goal in .with { $0.programID = goal.programID; $0.tier = goal.targetTier } })
  }
}

/// Reads travellers' profiles from profile-service, signing each call as graph-service.
/// One HTTP/2 connection is kept open for the process's lifetime (`run`).
public protocol ProfileLookup: Sendable {
  /// The profile, or nil when the user has none. Throws when profile-service cannot answer.
  func profile(of userID: String) async throws -> TravellerProfile?
}

public final class ProfileDirectory: ProfileLookup, Sendable {
  private let client: GRPCClient<HTTP2ClientTransport.Posix>
  private let profiles: Loyalty_Profile_V1_ProfileService.Client<HTTP2ClientTransport.Posix>

  public init(target: ServiceAddress, identity: InternalIdentity) throws {
    client = try makeSignedServiceClient(
      target, identity: identity, principal: Principal(subject: "graph-service", role: .service), maxBackoff: .seconds(2))
    profiles = Loyalty_Profile_V1_ProfileService.Client(wrapping: client)
  }

  /// Keeps the connection until `shutDown`.
  public func run() async throws {
    try await client.runConnections()
  }

  public func shutDown() {
    client.beginGracefulShutdown()
  }

  public func profile(of userID: String) async throws -> TravellerProfile? {
    do {
      var options = CallOptions.defaults
      options.timeout = .seconds(2)
      let profile = try await profiles.getProfile(.with { $0.userID = userID }, options: options)
      return TravellerProfile(profile)
    } catch let error as RPCError where error.code == .notFound {
      return nil
    }
  }
}
