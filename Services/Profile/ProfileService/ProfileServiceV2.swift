import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// The RPC handlers of `loyalty.profile.v2.ProfileService`: the same profiles, rules and
/// access as v1 (`ProfileService`), plus measurable status goals and their progress.
public struct ProfileServiceV2: Loyalty_Profile_V2_ProfileService.SimpleServiceProtocol {
  private let store: ProfileStore
  private let logger: Logger
  private let today: @Sendable () -> CalendarDate

  /// - Parameter today: the day goal progress is evaluated on; the current UTC day unless a
  ///   test fixes it.
  public init(store: ProfileStore, logger: Logger, today: @escaping @Sendable () -> CalendarDate = CalendarDate.today) {
    self.store = store
    self.logger = logger
    self.today = today
  }

  public func createProfile(
    request: Loyalty_Profile_V2_CreateProfileRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V2_Profile {
    guard request.hasProfile else {
      throw ProfileError.invalidArgument(field: "profile", reason: "is required")
    }
    var profile = try ProfileValidation.normalizedForCreate(request.profile)
    try Authorization.requireAccess(toUser: profile.userID)
    let now = Google_Protobuf_Timestamp(date: Date())
    for index in profile.memberships.indices {
      Self.stamp(&profile.memberships[index].qualifying, at: now)
    }
    let stored = StoredProfile(profile)
    return try await run { try await store.create(stored) }.v2Profile
  }

  public func getProfile(
    request: Loyalty_Profile_V2_GetProfileRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V2_GetProfileResponse {
    try ProfileValidation.validateUserID(request.userID)
    try Authorization.requireAccess(toUser: request.userID)
    let profile = try await run { try await store.storedProfile(request.userID) }.v2Profile
    let day = today()
    return .with {
      $0.goalProgress = StatusGoalProgress.evaluate(profile, on: day)
      $0.profile = profile
      $0.evaluatedOn = day.description
    }
  }

  public func updateProfile(
    request: Loyalty_Profile_V2_UpdateProfileRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V2_Profile {
    try ProfileValidation.validateUserID(request.profile.userID, field: "profile.user_id")
    try Authorization.requireAccess(toUser: request.profile.userID)
    let paths = request.updateMask.paths
    guard !paths.isEmpty else {
      throw ProfileError.invalidArgument(
        field: "update_mask",
        reason: "name at least one path: \(ProfileValidation.updatablePaths.sorted().joined(separator: ", "))")
    }
    var submitted = request.profile
    for path in paths {
      try ProfileValidation.normalize(path: path, of: &submitted)
    }
    let update = submitted
    return try await run {
      try await store.modifyStored(update.userID, expectedVersion: request.hasExpectedVersion ? request.expectedVersion : nil) { stored in
        var profile = stored.v2Profile
        for path in paths {
          switch path {
          case "display_name": profile.displayName = update.displayName
          case "home_airport": profile.homeAirport = update.homeAirport
          case "preferred_airlines": profile.preferredAirlines = update.preferredAirlines
          case "preferred_alliances": profile.preferredAlliances = update.preferredAlliances
          case "status_goals": profile.statusGoals = update.statusGoals
          default: break
          }
        }
        stored = StoredProfile(profile)
      }
    }.v2Profile
  }

  public func setQualifyingActivity(
    request: Loyalty_Profile_V2_SetQualifyingActivityRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V2_Profile {
    try ProfileValidation.validateUserID(request.userID)
    try Authorization.requireAccess(toUser: request.userID)
    try ProfileValidation.validateProgramID(request.programID, field: "program_id")
    guard request.replace || !request.balances.isEmpty else {
      throw ProfileError.invalidArgument(field: "balances", reason: "name at least one metric, or set replace to clear them all")
    }
    try ProfileValidation.validateQualifying(request.balances, field: "balances")
    var stamped = request.balances
    Self.stamp(&stamped, at: Google_Protobuf_Timestamp(date: Date()))
    let (balances, programID, replace) = (stamped, request.programID, request.replace)
    return try await run {
      try await store.modifyStored(request.userID, expectedVersion: request.hasExpectedVersion ? request.expectedVersion : nil) { stored in
        var profile = stored.v2Profile
        guard let index = profile.memberships.firstIndex(where: { $0.programID == programID }) else {
          throw ProfileError.membershipNotFound(programID: programID)
        }
        var qualifying = replace ? [] : profile.memberships[index].qualifying
        for balance in balances {
          if let existing = qualifying.firstIndex(where: { $0.metric == balance.metric }) {
            qualifying[existing] = balance
          } else {
            qualifying.append(balance)
          }
        }
        guard qualifying.count <= ProfileValidation.maxQualifyingMetrics else {
          throw ProfileError.invalidArgument(
            field: "balances",
            reason: "a membership records at most \(ProfileValidation.maxQualifyingMetrics) metrics; it would have \(qualifying.count)")
        }
        profile.memberships[index].qualifying = qualifying
        stored = StoredProfile(profile)
      }
    }.v2Profile
  }

  public func deleteProfile(
    request: Loyalty_Profile_V2_DeleteProfileRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V2_DeleteProfileResponse {
    try ProfileValidation.validateUserID(request.userID)
    try Authorization.requireAccess(toUser: request.userID)
    try await run { try await store.delete(request.userID, expectedVersion: request.hasExpectedVersion ? request.expectedVersion : nil) }
    logger.withCurrentRequest.notice("profile deleted", metadata: ["user_id": "\(request.userID)"])
    return Loyalty_Profile_V2_DeleteProfileResponse()
  }

  /// Qualifying balances written without `as_of` are as of the write.
  private static func stamp(_ balances: inout [Loyalty_Profile_V2_QualifyingBalance], at now: Google_Protobuf_Timestamp) {
    for index in balances.indices where !balances[index].hasAsOf {
      balances[index].asOf = now
    }
  }

  private func run<T>(_ operation: () async throws -> T) async throws -> T {
    try await runStoreOperation(logger: logger, operation)
  }
}
