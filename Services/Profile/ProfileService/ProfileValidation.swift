import Foundation
import LoyaltyAPI
import SwiftProtobuf

/// Field rules and limits for profiles. Every failure names the field.
public enum ProfileValidation {
  public static let maxDisplayNameLength = 100
  public static let maxPreferredAirlines = 10
  public static let maxMemberships = 30
  public static let maxStatusGoals = 10
  public static let maxBalance: Int64 = 10_000_000_000
  public static let maxAdjustment: Int64 = 1_000_000_000

  public static let updatablePaths: Set<String> = [
    "display_name", "home_airport", "preferred_airlines", "preferred_alliances", "status_goals",
  ]
  public static let membershipUpdatablePaths: Set<String> = [
    "member_number", "elite_tier", "tier_expiry_date", "balance", "balance_as_of",
  ]

  static func invalid(_ field: String, _ reason: String) -> ProfileError {
    .invalidArgument(field: field, reason: reason)
  }

  /// 1–64 characters of letters, digits, '.', '_', '-', starting with a letter or digit.
  public static func validateUserID(_ userID: String, field: String = "user_id") throws(ProfileError) {
    guard !userID.isEmpty else { throw invalid(field, "is required") }
    guard userID.utf8.count <= 64 else { throw invalid(field, "must be at most 64 characters") }
    let bytes = Array(userID.utf8)
    guard isAlphanumeric(bytes[0]), bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) else {
      throw invalid(field, "'\(printable(userID))' must use only letters, digits, '.', '_' or '-' and start with a letter or digit")
    }
  }

  /// Lowercase letters, digits and '-', 1–64 characters (the graph's program ids).
  public static func validateProgramID(_ programID: String, field: String) throws(ProfileError) {
    guard !programID.isEmpty else { throw invalid(field, "is required") }
    guard programID.utf8.count <= 64,
      programID.utf8.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || isDigit($0) || $0 == UInt8(ascii: "-") })
    else {
      throw invalid(field, "'\(printable(programID))' must be 1–64 lowercase letters, digits or '-', e.g. 'aa-aadvantage'")
    }
  }

  /// Normalises and checks a whole profile as submitted for creation.
  public static func normalizedForCreate(_ profile: Loyalty_Profile_V1_Profile) throws(ProfileError) -> Loyalty_Profile_V1_Profile {
    var profile = profile
    try validateUserID(profile.userID, field: "profile.user_id")
    for path in updatablePaths.sorted() {
      try normalize(path: path, of: &profile)
    }
    guard profile.memberships.count <= maxMemberships else {
      throw invalid("profile.memberships", "at most \(maxMemberships) memberships")
    }
    var seen = Set<String>()
    for index in profile.memberships.indices {
      profile.memberships[index] = try normalized(profile.memberships[index], field: "profile.memberships[\(index)]")
      guard seen.insert(profile.memberships[index].programID).inserted else {
        throw invalid("profile.memberships[\(index)].program_id", "'\(profile.memberships[index].programID)' appears twice")
      }
    }
    return profile
  }

  /// Checks and normalises one updatable field of a profile in place.
  public static func normalize(path: String, of profile: inout Loyalty_Profile_V1_Profile) throws(ProfileError) {
    switch path {
    case "display_name":
      let name = profile.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
      guard name.count <= maxDisplayNameLength else {
        throw invalid("profile.display_name", "must be at most \(maxDisplayNameLength) characters")
      }
      guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
        throw invalid("profile.display_name", "must not contain control characters")
      }
      profile.displayName = name
    case "home_airport":
      let code = profile.homeAirport.uppercased()
      guard code.isEmpty || (code.utf8.count == 3 && code.utf8.allSatisfy(isUppercaseLetter)) else {
        throw invalid("profile.home_airport", "'\(printable(profile.homeAirport))' is not a three-letter IATA airport code")
      }
      profile.homeAirport = code
    case "preferred_airlines":
      guard profile.preferredAirlines.count <= maxPreferredAirlines else {
        throw invalid("profile.preferred_airlines", "at most \(maxPreferredAirlines) airlines")
      }
      var normalized: [String] = []
      for (index, airline) in profile.preferredAirlines.enumerated() {
        let code = airline.uppercased()
        guard code.utf8.count == 2, code.utf8.allSatisfy({ isUppercaseLetter($0) || isDigit($0) }) else {
          throw invalid("profile.preferred_airlines[\(index)]", "'\(printable(airline))' is not a two-character IATA airline designator")
        }
        if !normalized.contains(code) { normalized.append(code) }
      }
      profile.preferredAirlines = normalized
    case "preferred_alliances":
      var normalized: [Loyalty_Profile_V1_Alliance] = []
      for (index, alliance) in profile.preferredAlliances.enumerated() {
        switch alliance {
        case .oneworld, .starAlliance, .skyteam:
          if !normalized.contains(alliance) { normalized.append(alliance) }
        case .unspecified, .UNRECOGNIZED:
          throw invalid("profile.preferred_alliances[\(index)]", "must be ONEWORLD, STAR_ALLIANCE or SKYTEAM")
        }
      }
      profile.preferredAlliances = normalized
    case "status_goals":
      guard profile.statusGoals.count <= maxStatusGoals else {
        throw invalid("profile.status_goals", "at most \(maxStatusGoals) goals")
      }
      for index in profile.statusGoals.indices {
        let field = "profile.status_goals[\(index)]"
        var goal = profile.statusGoals[index]
        try validateProgramID(goal.programID, field: "\(field).program_id")
        goal.targetTier = goal.targetTier.trimmingCharacters(in: .whitespaces)
        try validateLabel(goal.targetTier, field: "\(field).target_tier", required: true)
        try validateDate(goal.targetDate, field: "\(field).target_date")
        profile.statusGoals[index] = goal
      }
    default:
      throw invalid("update_mask", "unknown path '\(printable(path))'; updatable: \(updatablePaths.sorted().joined(separator: ", "))")
    }
  }

  public static func normalized(_ membership: Loyalty_Profile_V1_Membership, field: String) throws(ProfileError) -> Loyalty_Profile_V1_Membership {
    var membership = membership
    try validateProgramID(membership.programID, field: "\(field).program_id")
    for path in membershipUpdatablePaths.sorted() {
      try normalize(membershipPath: path, of: &membership, field: field)
    }
    return membership
  }

  public static func normalize(membershipPath path: String, of membership: inout Loyalty_Profile_V1_Membership, field: String) throws(ProfileError) {
    switch path {
    case "member_number":
      let number = membership.memberNumber.trimmingCharacters(in: .whitespaces)
      guard number.utf8.count <= 32,
        number.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") })
      else {
        throw invalid("\(field).member_number", "must be at most 32 letters, digits or '-'")
      }
      membership.memberNumber = number
    case "elite_tier":
      membership.eliteTier = membership.eliteTier.trimmingCharacters(in: .whitespaces)
      try validateLabel(membership.eliteTier, field: "\(field).elite_tier", required: false)
    case "tier_expiry_date":
      try validateDate(membership.tierExpiryDate, field: "\(field).tier_expiry_date")
    case "balance":
      guard (0...maxBalance).contains(membership.balance) else {
        throw invalid("\(field).balance", "must be between 0 and \(maxBalance)")
      }
    case "balance_as_of":
      if membership.hasBalanceAsOf {
        try validateTime(membership.balanceAsOf, field: "\(field).balance_as_of")
      }
    default:
      throw invalid("update_mask", "unknown path '\(printable(path))'; updatable: \(membershipUpdatablePaths.sorted().joined(separator: ", "))")
    }
  }

  static func validateLabel(_ text: String, field: String, required: Bool) throws(ProfileError) {
    if required && text.isEmpty { throw invalid(field, "is required") }
    guard text.count <= 40 else { throw invalid(field, "must be at most 40 characters") }
    guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
      throw invalid(field, "must not contain control characters")
    }
  }

  /// 2000-01-01 to 2100-01-01: anything else is a unit mistake, not a time.
  static func validateTime(_ time: Google_Protobuf_Timestamp, field: String) throws(ProfileError) {
    guard (946_684_800...4_102_444_800).contains(time.seconds), (0..<1_000_000_000).contains(time.nanos) else {
      throw invalid(field, "must be a time between 2000 and 2100")
    }
  }

  /// Empty, or an ISO 8601 calendar date between 2000 and 2100.
  static func validateDate(_ text: String, field: String) throws(ProfileError) {
    guard !text.isEmpty else { return }
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
      (2000...2100).contains(year), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
    else {
      throw invalid(field, "'\(printable(text))' is not a date of the form YYYY-MM-DD between 2000 and 2100")
    }
  }

  static func validateAdjustment(_ request: Loyalty_Profile_V1_AdjustBalanceRequest) throws(ProfileError) {
    try validateUserID(request.userID)
    try validateProgramID(request.programID, field: "program_id")
    guard request.delta != 0 else { throw invalid("delta", "must not be zero") }
    guard request.delta.magnitude <= maxAdjustment.magnitude else {
      throw invalid("delta", "must be between -\(maxAdjustment) and \(maxAdjustment)")
    }
    guard !request.requestID.isEmpty else { throw invalid("request_id", "is required to make the adjustment idempotent") }
    guard request.requestID.utf8.count <= 64, request.requestID.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
      throw invalid("request_id", "must be 1–64 printable ASCII characters without spaces")
    }
    guard request.reason.count <= 200 else { throw invalid("reason", "must be at most 200 characters") }
  }

  private static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
  private static func isUppercaseLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
  private static func isAlphanumeric(_ byte: UInt8) -> Bool {
    isDigit(byte) || isUppercaseLetter(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
  }

  /// Echoes user input into messages safely: bounded and without control characters.
  static func printable(_ text: String) -> String {
    let cleaned = String(text.unicodeScalars.filter { $0.properties.generalCategory != .control }.prefix(70).map(Character.init))
    return text.count > 70 ? cleaned + "…" : cleaned
  }
}
