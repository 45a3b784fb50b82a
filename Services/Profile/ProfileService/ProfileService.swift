import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// The RPC handlers of `loyalty.profile.v1.ProfileService`: authorisation, validation, then
/// the store. A traveller reaches only their own profile; listing is for admins.
public struct ProfileService: Loyalty_Profile_V1_ProfileService.SimpleServiceProtocol {
  private let store: ProfileStore
  private let logger: Logger

  public init(store: ProfileStore, logger: Logger) {
    self.store = store
    self.logger = logger
  }

  public func createProfile(
    request: Loyalty_Profile_V1_CreateProfileRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V1_Profile {
    guard request.hasProfile else {
      throw ProfileError.invalidArgument(field: "profile", reason: "is required")
    }
    let profile = try ProfileValidation.normalizedForCreate(request.profile)
    try Authorization.requireAccess(toUser: profile.userID)
    return try await run { try await store.create(profile) }
  }

  public func getProfile(
    request: Loyalty_Profile_V1_GetProfileRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V1_Profile {
    try ProfileValidation.validateUserID(request.userID)
    try Authorization.requireAccess(toUser: request.userID)
    return try await run { try await store.profile(request.userID) }
  }

  public func updateProfile(
    request: Loyalty_Profile_V1_UpdateProfileRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V1_Profile {
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
      try await store.modify(update.userID, expectedVersion: request.hasExpectedVersion ? request.expectedVersion : nil) { profile in
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
      }
    }
  }

  public func deleteProfile(
    request: Loyalty_Profile_V1_DeleteProfileRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V1_DeleteProfileResponse {
    try ProfileValidation.validateUserID(request.userID)
    try Authorization.requireAccess(toUser: request.userID)
    try await run { try await store.delete(request.userID, expectedVersion: request.hasExpectedVersion ? request.expectedVersion : nil) }
    logger.withCurrentRequest.notice("profile deleted", metadata: ["user_id": "\(request.userID)"])
    return Loyalty_Profile_V1_DeleteProfileResponse()
  }

  public func listProfiles(
    request: Loyalty_Profile_V1_ListProfilesRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V1_ListProfilesResponse {
    try Authorization.require([.admin, .service], for: "ListProfiles")
    guard (0...500).contains(request.pageSize) else {
      throw ProfileError.invalidArgument(field: "page_size", reason: "must be between 1 and 500 (0 means 50)")
    }
    let pageSize = request.pageSize == 0 ? 50 : Int(request.pageSize)
    let after = try PageToken.decode(request.pageToken)
    let profiles = try await run { try await store.profiles(after: after, limit: pageSize + 1) }
    return .with {
      $0.profiles = Array(profiles.prefix(pageSize))
      if profiles.count > pageSize, let last = $0.profiles.last {
        $0.nextPageToken = PageToken.encode(last.userID)
      }
    }
  }

  public func addMembership(
    request: Loyalty_Profile_V1_AddMembershipRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V1_Profile {
    try ProfileValidation.validateUserID(request.userID)
    try Authorization.requireAccess(toUser: request.userID)
    guard request.hasMembership else {
      throw ProfileError.invalidArgument(field: "membership", reason: "is required")
    }
    let membership = try ProfileValidation.normalized(request.membership, field: "membership")
    return try await run {
      try await store.modify(request.userID, expectedVersion: request.hasExpectedVersion ? request.expectedVersion : nil) { profile in
        guard !profile.memberships.contains(where: { $0.programID == membership.programID }) else {
          throw ProfileError.membershipExists(programID: membership.programID)
        }
        guard profile.memberships.count < ProfileValidation.maxMemberships else {
          throw ProfileError.invalidArgument(field: "membership", reason: "a profile holds at most \(ProfileValidation.maxMemberships) memberships")
        }
        profile.memberships.append(membership)
      }
    }
  }

  public func updateMembership(
    request: Loyalty_Profile_V1_UpdateMembershipRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V1_Profile {
    try ProfileValidation.validateUserID(request.userID)
    try Authorization.requireAccess(toUser: request.userID)
    try ProfileValidation.validateProgramID(request.membership.programID, field: "membership.program_id")
    let paths = request.updateMask.paths
    guard !paths.isEmpty else {
      throw ProfileError.invalidArgument(
        field: "update_mask",
        reason: "name at least one path: \(ProfileValidation.membershipUpdatablePaths.sorted().joined(separator: ", "))")
    }
    var submitted = request.membership
    for path in paths {
      try ProfileValidation.normalize(membershipPath: path, of: &submitted, field: "membership")
    }
    let update = submitted
    return try await run {
      try await store.modify(request.userID, expectedVersion: request.hasExpectedVersion ? request.expectedVersion : nil) { profile in
        guard let index = profile.memberships.firstIndex(where: { $0.programID == update.programID }) else {
          throw ProfileError.membershipNotFound(programID: update.programID)
        }
        for path in paths {
          switch path {
          case "member_number": profile.memberships[index].memberNumber = update.memberNumber
          case "elite_tier": profile.memberships[index].eliteTier = update.eliteTier
          case "tier_expiry_date": profile.memberships[index].tierExpiryDate = update.tierExpiryDate
          case "balance": profile.memberships[index].balance = update.balance
          case "balance_as_of":
            if update.hasBalanceAsOf {
              profile.memberships[index].balanceAsOf = update.balanceAsOf
            } else {
              profile.memberships[index].clearBalanceAsOf()
            }
          default: break
          }
        }
      }
    }
  }

  public func removeMembership(
    request: Loyalty_Profile_V1_RemoveMembershipRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V1_Profile {
    try ProfileValidation.validateUserID(request.userID)
    try Authorization.requireAccess(toUser: request.userID)
    try ProfileValidation.validateProgramID(request.programID, field: "program_id")
    return try await run {
      try await store.modify(request.userID, expectedVersion: request.hasExpectedVersion ? request.expectedVersion : nil) { profile in
        guard let index = profile.memberships.firstIndex(where: { $0.programID == request.programID }) else {
          throw ProfileError.membershipNotFound(programID: request.programID)
        }
        profile.memberships.remove(at: index)
      }
    }
  }

  public func adjustBalance(
    request: Loyalty_Profile_V1_AdjustBalanceRequest,
    context: ServerContext
  ) async throws -> Loyalty_Profile_V1_AdjustBalanceResponse {
    try ProfileValidation.validateAdjustment(request)
    try Authorization.requireAccess(toUser: request.userID)
    let adjustment = try await run { try await store.adjustBalance(request) }
    return .with {
      $0.balance = adjustment.balance
      $0.version = adjustment.version
      $0.replayed = adjustment.replayed
    }
  }

  private func run<T>(_ operation: () async throws -> T) async throws -> T {
    try await runStoreOperation(logger: logger, operation)
  }
}

/// Runs a store operation, keeping domain errors and mapping storage failures to statuses.
func runStoreOperation<T>(logger: Logger, _ operation: () async throws -> T) async throws -> T {
  do {
    return try await operation()
  } catch let error as ProfileError {
    throw error
  } catch {
    let mapped = RPCError(storageError: error)
    if mapped.code == .internalError {
      logger.withCurrentRequest.error("storage failure", metadata: ["error": "\(error)"])
    }
    throw mapped
  }
}

/// Opaque continuation tokens for listing: the last user id of the previous page.
enum PageToken {
  static func encode(_ userID: String) -> String {
    Data(("after:" + userID).utf8).base64EncodedString()
  }

  static func decode(_ token: String) throws(ProfileError) -> String {
    guard !token.isEmpty else { return "" }
    guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8), text.hasPrefix("after:") else {
      throw ProfileError.invalidArgument(field: "page_token", reason: "is not a token returned by ListProfiles")
    }
    return String(text.dropFirst("after:".count))
  }
}
