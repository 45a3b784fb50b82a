import Foundation
import Logging
import Testing
@testable import LoyaltyRuntime

@Suite struct JSONLogHandlerTests {
  @Test func hostileTextStaysOneValidJSONString() throws {
    let hostile = "line\nbreak \"quoted\" back\\slash \u{01}\u{1F} tab\t é 🛫"
    var line = "{\"value\":"
    JSONLogHandler.appendString(hostile, to: &line)
    line += "}"
    #expect(!line.contains("\n"))
    let decoded = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
    #expect(decoded?["value"] == hostile)
  }

  @Test func nestedMetadataIsValidJSON() throws {
    var line = ""
    JSONLogHandler.appendValue(.dictionary(["b": .array(["x", .stringConvertible(42)]), "a": "1"]), to: &line)
    #expect(line == #"{"a":"1","b":["x","42"]}"#)
  }

  @Test(arguments: [0, 951_782_400.5, 1_709_208_000.125, 1_795_700_506.375, 4_102_444_799.875, -86_400.25])
  func timestampsMatchFoundationsISO8601(seconds: Double) {
    let date = Date(timeIntervalSince1970: seconds)
    let reference = date.formatted(
      .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon))
    #expect(JSONLogHandler.timestamp(date) == reference + "Z")
  }
}
