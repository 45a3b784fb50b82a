import Foundation
import LoyaltyRuntime

/// Field rules for new API keys. Every failure names the field.
public enum APIKeyValidation {
  public static let maxLabelLength = 200
  public static let maxDailyQuota = 1_000_000_000
  /// Roles a key may carry; `service` belongs to the suite's own processes, never to a key.
  public static let assignableRoles: [Role] = [.traveler, .curator, .admin]

  /// The subject is a profile user id: 1–64 letters, digits, '.', '_' or '-', starting with a
  /// letter or digit.
  static func validateSubject(_ subject: String) throws(APIKeyError) {
    guard !subject.isEmpty else { throw .invalidArgument(field: "subject", reason: "is required") }
    let bytes = Array(subject.utf8)
    guard bytes.count <= 64 else {
      throw .invalidArgument(field: "subject", reason: "must be at most 64 characters")
    }
    let isAlphanumeric = { (byte: UInt8) in
      (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
    let isAllowed = { (byte: UInt8) in
      isAlphanumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
    guard isAlphanumeric(bytes[0]), bytes.allSatisfy(isAllowed) else {
      throw .invalidArgument(
        field: "subject",
        reason: "'\(quotable(subject))' must use only letters, digits, '.', '_' or '-' and start with a letter or digit")
    }
  }

  static func validateRole(_ role: Role) throws(APIKeyError) {
    guard assignableRoles.contains(role) else {
      throw .invalidArgument(
        field: "role", reason: "must be traveler, curator or admin; '\(role.rawValue)' is for the suite's own services")
    }
  }

  /// The label without surrounding white space.
  static func normalizedLabel(_ label: String) throws(APIKeyError) -> String {
    let trimmed = label.trimmingCharacters(in: .whitespacesAndNewlines)
    guard trimmed.count <= maxLabelLength else {
      throw .invalidArgument(field: "label", reason: "must be at most \(maxLabelLength) characters; it has \(trimmed.count)")
    }
    guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
      throw .invalidArgument(field: "label", reason: "must not contain control characters such as line breaks")
    }
    return trimmed
  }

  static func validateDailyQuota(_ quota: Int) throws(APIKeyError) {
    guard (0...maxDailyQuota).contains(quota) else {
      throw .invalidArgument(
        field: "daily_quota", reason: "must be between 0 (no quota) and \(maxDailyQuota); it is \(quota)")
    }
  }

  static func validateID(_ id: String) throws(APIKeyError) {
    // Never quote the input: someone may have pasted a whole key, secret included.
    guard PresentedAPIKey.isValidID(id) else {
      throw .invalidArgument(
        field: "id", reason: "must be a key id of 12 lowercase hex characters (the part after 'lmk_'), not a whole key")
    }
  }
}
