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

  @Test func timestampsAreUTCWithMilliseconds() {
    let timestamp = JSONLogHandler.timestamp()
    #expect(timestamp.count == 24)
    #expect(timestamp.hasSuffix("Z"))
    #expect(timestamp.dropFirst(10).first == "T")
  }
}
