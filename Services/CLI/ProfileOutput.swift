import Foundation
import LoyaltyAPI
import SwiftProtobuf

/// Readable renderings of profiles for the terminal, and protobuf JSON for `--json`.
enum ProfileOutput {
  static func printJSON(_ message: some SwiftProtobuf.Message) throws {
    var options = JSONEncodingOptions()
    options.alwaysPrintInt64sAsNumbers = true
    print(try message.jsonString(options: options))
  }

  static func printProfile(_ profile: Loyalty_Profile_V1_Profile) {
    let alliances = profile.preferredAlliances.map(allianceName).joined(separator: ", ")
    let rows: [(String, String)] = [
      ("user id", profile.userID),
      ("name", profile.displayName),
      ("home airport", profile.homeAirport),
      ("preferred airlines", profile.preferredAirlines.joined(separator: ", ")),
      ("preferred alliances", alliances),
      ("version", "\(profile.version)"),
      ("updated", profile.hasUpdateTime ? formatted(profile.updateTime.date) : ""),
    ]
    for (label, value) in rows {
      print(label.padding(toLength: 20, withPad: " ", startingAt: 0) + value)
    }
    if !profile.memberships.isEmpty {
      print("")
      printTable(
        header: ["PROGRAM", "MEMBER NUMBER", "TIER", "TIER EXPIRES", "BALANCE", "AS OF"],
        rows: profile.memberships.map {
          [
            $0.programID, $0.memberNumber, $0.eliteTier, $0.tierExpiryDate, "\($0.balance)",
            $0.hasBalanceAsOf ? formatted($0.balanceAsOf.date) : "",
          ]
        })
    }
    if !profile.statusGoals.isEmpty {
      print("")
      printTable(
        header: ["GOAL PROGRAM", "TARGET TIER", "BY"],
        rows: profile.statusGoals.map { [$0.programID, $0.targetTier, $0.targetDate] })
    }
  }

  static func printTable(header: [String], rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { index, cell in
        cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
      }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    print(line(header))
    for row in rows { print(line(row)) }
  }

  static func allianceName(_ alliance: Loyalty_Profile_V1_Alliance) -> String {
    switch alliance {
    case .oneworld: "oneworld"
    case .starAlliance: "star-alliance"
    case .skyteam: "skyteam"
    default: "\(alliance)"
    }
  }

  static func alliance(named name: String) -> Loyalty_Profile_V1_Alliance? {
    switch name.lowercased() {
    case "oneworld": .oneworld
    case "star-alliance", "star", "staralliance": .starAlliance
    case "skyteam": .skyteam
    default: nil
    }
  }

  static func formatted(_ date: Date) -> String {
    date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
  }
}
