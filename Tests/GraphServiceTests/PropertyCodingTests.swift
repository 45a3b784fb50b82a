import Foundation
import GraphModel
@testable import GraphService
import Testing

/// The hand-written coding checked against Foundation's JSON encoder and decoder.
@Suite struct PropertyCodingTests {
  static func foundationEncode(_ properties: Properties) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(properties), as: UTF8.self)
  }

  static func foundationDecode(_ text: String) throws -> Properties {
    try JSONDecoder().decode(Properties.self, from: Data(text.utf8))
  }

  static let samples: [Properties] = [
    [:],
    ["iata": "LHR", "latitude": 51.4706, "longitude": -0.461941, "openflights_id": 507, "name": "London Heathrow Airport"],
    ["text": "quote \" backslash \\ slash / newline \n tab \t return \r bell \u{07} unit \u{1F} del \u{7F} é 東京 🛫 \u{2028}"],
    ["numbers": [0, -0.0, 1, -1, 0.5, 1e-7, 0.0001, 123456789012345, 1e15, 1e16, 9007199254740993, 1.2345678901234568e17, 2.5e-300, -6.081689834590001]],
    ["nested": ["a": [true, false, .null, ["x": "y"]], "B": [:], "a10": 1, "a9": 2, "carrier_match": "operating", "carriers": ["BA"]]],
    ["Loyalty Points": 40_000, "loyalty_points": 1, "é": 1, "f": 2, "_": 3],
  ]

  @Test(arguments: samples)
  func encodesAsJSONEncoderDoes(_ properties: Properties) throws {
    let text = PropertyCoding.encode(properties)
    #expect(text == (try Self.foundationEncode(properties)))
    #expect(try PropertyCoding.decode(text) == properties)
    #expect(try Self.foundationDecode(text) == properties)
  }

  @Test func decodesWhatJSONEncoderWrites() throws {
    // Escaped slashes and \u escapes (with a surrogate pair), as other JSON writers produce.
    let text = #"{ "url" : "https:\/\/example.com\/a" , "emoji":"\ud83d\udeeb","ctl":"\u0001","list":[ 1 , 2.5e3 , -3 ] }"#
    #expect(try PropertyCoding.decode(text) == ["url": "https://example.com/a", "emoji": "🛫", "ctl": "\u{01}", "list": [1, 2500, -3]])
    #expect(try PropertyCoding.decode(text) == (try Self.foundationDecode(text)))
  }

  @Test(arguments: [#"{"a":}"#, #"{"a":1"#, #"["a"]"#, #"{"a":"x}"#, #"{"a":tru}"#, #"{"a":1} x"#, #"{"a":"\q"}"#, ""])
  func refusesMalformedText(_ text: String) {
    #expect(throws: PropertyCoding.SyntaxError.self) { try PropertyCoding.decode(text) }
  }

  @Test(.enabled(if: OpenFlightsData.isAvailable, "needs ../shared/data/openflights beside the project"))
  func matchesJSONEncoderOnTheOpenFlightsData() throws {
    let (batch, _) = try OpenFlightsData.batch()
    let all = batch.nodes.map(\.properties) + batch.edges.map(\.properties)
    var mismatches = 0
    for properties in all {
      let text = PropertyCoding.encode(properties)
      let decoded = try PropertyCoding.decode(text)
      if text != (try Self.foundationEncode(properties)) || decoded != properties { mismatches += 1 }
    }
    #expect(mismatches == 0)
  }
}
