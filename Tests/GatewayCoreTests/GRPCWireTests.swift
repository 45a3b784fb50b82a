import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayCore

@Suite struct GRPCWireTests {
  @Test func timeoutsParseAndEncodeRoundingUp() {
    #expect(GRPCWire.parseTimeout("100m") == .milliseconds(100))
    #expect(GRPCWire.parseTimeout("5S") == .seconds(5))
    #expect(GRPCWire.parseTimeout("2H") == .seconds(7200))
    #expect(GRPCWire.parseTimeout("abc") == nil)
    #expect(GRPCWire.parseTimeout("123456789m") == nil)
    #expect(GRPCWire.encodeTimeout(.milliseconds(100)) == "100000u")
    #expect(GRPCWire.encodeTimeout(.seconds(3600)) == "3600000m")
    #expect(GRPCWire.parseTimeout(GRPCWire.encodeTimeout(.milliseconds(1234)))! >= .milliseconds(1234))
  }

  @Test func grpcMessageIsPercentEncoded() {
    let message = "100% sure: café\n"
    let encoded = GRPCWire.percentEncode(message)
    #expect(encoded == "100%25 sure: caf%C3%A9%0A")
    #expect(GRPCWire.percentDecode(encoded) == message)
  }

  /// UpdateProfileRequest { profile (1) { user_id (1): "alice", display_name (2): "A" }, update_mask (2) }
  @Test func ownerFieldIsReadFromNestedMessages() {
    let profile: [UInt8] = [0x0A, 5] + Array("alice".utf8) + [0x12, 1, 0x41]
    let request: [UInt8] = [0x0A, UInt8(profile.count)] + profile + [0x12, 0]
    let buffer = ByteBuffer(bytes: request)
    #expect(GRPCWire.string(atFieldPath: [1, 1], in: buffer.readableBytesView) == "alice")
    #expect(GRPCWire.string(atFieldPath: [1, 2], in: buffer.readableBytesView) == "A")
    #expect(GRPCWire.string(atFieldPath: [3], in: buffer.readableBytesView) == nil)
  }

  @Test func lastOccurrenceOfAFieldWins() {
    let request: [UInt8] = [0x0A, 1, 0x61, 0x08, 0x96, 0x01, 0x0A, 1, 0x62]
    #expect(GRPCWire.string(atFieldPath: [1], in: ByteBuffer(bytes: request).readableBytesView) == "b")
  }

  /// `profile { user_id: "victim" } profile { }` parses as one merged profile for "victim".
  @Test func repeatedEmbeddedMessagesMergeLikeAParser() {
    let victim: [UInt8] = [0x0A, 6] + Array("victim".utf8)
    let request: [UInt8] = [0x0A, UInt8(victim.count)] + victim + [0x0A, 0]
    #expect(GRPCWire.string(atFieldPath: [1, 1], in: ByteBuffer(bytes: request).readableBytesView) == "victim")
  }

  @Test func truncatedMessagesDoNotCrash() {
    let request: [UInt8] = [0x0A, 50, 0x61]
    #expect(GRPCWire.string(atFieldPath: [1], in: ByteBuffer(bytes: request).readableBytesView) == nil)
  }

  @Test func framerCapturesTheFirstMessageAcrossFrames() {
    var framer = GRPCMessageFramer(maxMessageBytes: 100, captureFirstMessage: true)
    let message: [UInt8] = [0x0A, 3, 0x61, 0x62, 0x63]
    let framed: [UInt8] = [0, 0, 0, 0, UInt8(message.count)] + message
    #expect(framer.consume(ByteBuffer(bytes: framed.prefix(3))) == .needMore)
    #expect(framer.firstMessage == nil)
    #expect(framer.consume(ByteBuffer(bytes: framed.dropFirst(3))) == .needMore)
    #expect(framer.firstMessage.map { Array($0.readableBytesView) } == message)
  }

  @Test func framerRefusesAnOversizedMessageFromItsHeader() {
    var framer = GRPCMessageFramer(maxMessageBytes: 1024, captureFirstMessage: false)
    let header: [UInt8] = [0, 0, 0x50, 0, 0]
    #expect(framer.consume(ByteBuffer(bytes: header)) == .tooLarge(0x500000))
  }

  @Test func statusMapsToHTTPTheStandardWay() {
    let expected: [Int: UInt] = [
      0: 200, 3: 400, 9: 400, 11: 400, 16: 401, 7: 403, 5: 404, 6: 409, 10: 409, 8: 429, 12: 501, 14: 503, 4: 504, 2: 500,
      13: 500, 15: 500,
    ]
    for (code, http) in expected {
      #expect(HTTPStatusMapping.httpStatus(forGRPCCode: code).code == http, "code \(code)")
    }
  }

  @Test func restRoutesBindPathParametersAndVerbs() {
    guard case .found(let route, let parameters) = RESTRoutes.lookup(.POST, path: "/v1/profiles/alice/memberships/aa:adjustBalance") else {
      Issue.record("no match")
      return
    }
    #expect(route.rpc == "AdjustBalance")
    #expect(parameters.map(\.field) == ["user_id", "program_id"])
    #expect(parameters.map(\.value) == ["alice", "aa"])
    guard case .methodNotAllowed(let allowed) = RESTRoutes.lookup(.PUT, path: "/v1/profiles/alice") else {
      Issue.record("PUT matched")
      return
    }
    #expect(Set(allowed.map(\.rawValue)) == ["GET", "PATCH", "DELETE"])
  }
}
