import Foundation
import GRDB
import SwiftProtobuf
import Testing
@testable import LoyaltyRuntime

@Suite struct RowCodingTests {
  @Test func everyColumnTypeSurvivesTheJournal() throws {
    let row: [String: DatabaseValue] = [
      "id": "k".databaseValue, "text": "héllo \"quoted\"".databaseValue, "integer": Int64.max.databaseValue,
      "negative": (-7 as Int64).databaseValue, "real": 2.5.databaseValue, "null": .null,
      "blob": Data([0, 1, 2, 255]).databaseValue,
    ]
    #expect(try RowCoding.decode(RowCoding.encode(row)) == row)
  }

  @Test func valuesThatAreNotRowsAreRejected() {
    for text in ["[]", "42", #"{"a": [1]}"#, #"{"a": {"base64": "@@"}}"#, "not json"] {
      #expect(throws: JournalError.self) { try RowCoding.decode(Data(text.utf8)) }
    }
  }
}

@Suite struct TimestampMicrosTests {
  @Test func absurdTimestampsSaturateInsteadOfTrapping() {
    #expect(Google_Protobuf_Timestamp(seconds: .max, nanos: 999_999_999).micros == .max)
    #expect(Google_Protobuf_Timestamp(seconds: .min, nanos: 0).micros == .min)
    #expect(Google_Protobuf_Timestamp(micros: 1_700_000_000_123_456).micros == 1_700_000_000_123_456)
  }
}
