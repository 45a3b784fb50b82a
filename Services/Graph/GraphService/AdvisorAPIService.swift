import Advisor
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime

/// loyalty.advisor.v1: the advisor's answers over the current graph. For a traveller (or a
/// named user the caller may read) the profile's statuses, balances and goal fill in what the
/// request leaves out; request values always win.
public struct AdvisorAPIService: Loyalty_Advisor_V1_AdvisorService.SimpleServiceProtocol {
  let facts: AdvisorFactsCache
  let profiles: (any ProfileLookup)?
  let phraser: (any AnswerPhrasing)?
  let logger: Logger

  public init(facts: AdvisorFactsCache, profiles: (any ProfileLookup)?, phraser: (any AnswerPhrasing)?, logger: Logger) {
    self.facts = facts
    self.profiles = profiles
    self.phraser = phraser
    self.logger = logger
  }

  public func calculateEarnings(
    request: Loyalty_Advisor_V1_CalculateEarningsRequest, context: ServerContext
  ) async throws -> Loyalty_Advisor_V1_CalculateEarningsResponse {
    let traveller = try await travellerProfile(named: request.userID)
    let facts = try await facts.current()
    return try advising { () throws(AdvisorError) in
      try EarningsCalculator(facts: facts).calculate(request, profileStatuses: Self.knownTiers(traveller, in: facts))
    }
  }

  public func recommendCreditingProgram(
    request: Loyalty_Advisor_V1_RecommendCreditingProgramRequest, context: ServerContext
  ) async throws -> Loyalty_Advisor_V1_RecommendCreditingProgramResponse {
    let traveller = try await travellerProfile(named: request.userID)
    let facts = try await facts.current()
    return try advising { () throws(AdvisorError) in
      try CreditingRecommender(facts: facts).recommend(
        request, profileStatuses: Self.knownTiers(traveller, in: facts), profileGoal: traveller?.goal)
    }
  }

  public func findAwardPathways(
    request: Loyalty_Advisor_V1_FindAwardPathwaysRequest, context: ServerContext
  ) async throws -> Loyalty_Advisor_V1_FindAwardPathwaysResponse {
    let traveller = try await travellerProfile(named: request.userID)
    let facts = try await facts.current()
    return try advising { () throws(AdvisorError) in
      try AwardPathfinder(facts: facts).find(request, profileBalances: traveller?.balances ?? [:])
    }
  }

  public func ask(request: Loyalty_Advisor_V1_AskRequest, context: ServerContext) async throws -> Loyalty_Advisor_V1_AskResponse {
    let traveller = try await travellerProfile(named: request.userID)
    let facts = try await facts.current()
    let context = traveller.map { profile in
      TravellerContext(
        statuses: Self.knownTiers(profile, in: facts), balances: profile.balances, homeAirport: profile.homeAirport)
    }
    do {
      return try await QuestionAnswerer(facts: facts).answer(request, profile: context, phraser: phraser)
    } catch {
      throw Self.rpcError(error)
    }
  }

  // MARK: Personalisation

  /// The profile of `userID`, or of the calling traveller or curator when empty. Nil for
  /// callers without a profile (admins, services) and when profile-service cannot answer:
  /// the advisor then uses what the request says and base-member defaults.
  private func travellerProfile(named userID: String) async throws -> TravellerProfile? {
    let caller = try Authorization.caller()
    let user: String
    if userID.isEmpty {
      guard caller.role == .traveler || caller.role == .curator else { return nil }
      user = caller.subject
    } else {
      try Authorization.requireAccess(toUser: userID)
      user = userID
    }
    guard let profiles else { return nil }
    do {
      return try await profiles.profile(of: user)
    } catch {
      logger.warning(
        "profile-service did not answer; advising without the traveller's profile",
        metadata: ["user_id": "\(user)", "error": "\(error)"])
      return nil
    }
  }

  /// Profile tiers the graph knows for their program; a tier the graph does not know (a
  /// program renamed its tiers, a typo in the profile) is left out rather than refused.
  static func knownTiers(_ profile: TravellerProfile?, in facts: LoyaltyFacts) -> [String: String] {
    guard let profile else { return [:] }
    return profile.tiers.filter { program, tier in
      tier.isEmpty || facts.eliteTier(program: program, name: tier) != nil
    }
  }

  private func advising<Result>(_ body: () throws(AdvisorError) -> Result) throws(RPCError) -> Result {
    do {
      return try body()
    } catch {
      throw Self.rpcError(error)
    }
  }

  static func rpcError(_ error: AdvisorError) -> RPCError {
    switch error.kind {
    case .invalidArgument: RPCError(code: .invalidArgument, message: error.message)
    case .notFound: RPCError(code: .notFound, message: error.message)
    }
  }
}
