import Foundation
import NIOHTTP1

/// gRPC status → HTTP status, the standard way (as google.api.http transcoding does it).
enum HTTPStatusMapping {
  static func httpStatus(forGRPCCode code: Int) -> HTTPResponseStatus {
    switch code {
    case 0: .ok
    case 1: HTTPResponseStatus(statusCode: 499, reasonPhrase: "Client Closed Request")
    case 3, 9, 11: .badRequest
    case 4: .gatewayTimeout
    case 5: .notFound
    case 6, 10: .conflict
    case 7: .forbidden
    case 8: .tooManyRequests
    case 12: .notImplemented
    case 14: .serviceUnavailable
    case 16: .unauthorized
    default: .internalServerError
    }
  }

  /// `{"code": N, "message": "...", "details": [...]}`; details come from
  /// `grpc-status-details-bin` (a google.rpc.Status) as `{"@type", "value"}` entries with the
  /// packed bytes in base64.
  static func errorBody(code: Int, message: String, statusDetails: [UInt8]?) -> String {
    let details = statusDetails.map(decodeDetails) ?? []
    let object: [String: Any] = [
      "code": code, "message": message,
      "details": details.map { ["@type": $0.typeURL, "value": Data($0.value).base64EncodedString()] },
    ]
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }

  /// The `details` (field 3, repeated google.protobuf.Any) of a serialized google.rpc.Status.
  static func decodeDetails(_ bytes: [UInt8]) -> [(typeURL: String, value: [UInt8])] {
    var reader = WireReader(bytes: bytes[...])
    var details: [(String, [UInt8])] = []
    while let (field, value) = reader.nextLengthDelimited() {
      guard field == 3 else { continue }
      var any = WireReader(bytes: value)
      var typeURL = ""
      var packed: [UInt8] = []
      while let (anyField, anyValue) = any.nextLengthDelimited() {
        if anyField == 1 { typeURL = String(decoding: anyValue, as: UTF8.self) }
        if anyField == 2 { packed = Array(anyValue) }
      }
      details.append((typeURL, packed))
    }
    return details
  }
}

/// Walks a protobuf message, yielding its length-delimited fields and skipping the rest.
private struct WireReader {
  var bytes: ArraySlice<UInt8>

  private mutating func varint() -> UInt64? {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while let byte = bytes.first, shift < 64 {
      bytes = bytes.dropFirst()
      result |= UInt64(byte & 0x7F) << shift
      if byte & 0x80 == 0 { return result }
      shift += 7
    }
    return nil
  }

  mutating func nextLengthDelimited() -> (Int, ArraySlice<UInt8>)? {
    while !bytes.isEmpty {
      guard let key = varint() else { return nil }
      switch key & 7 {
      case 0: guard varint() != nil else { return nil }
      case 1: guard bytes.count >= 8 else { return nil }; bytes = bytes.dropFirst(8)
      case 5: guard bytes.count >= 4 else { return nil }; bytes = bytes.dropFirst(4)
      case 2:
        guard let length = varint(), length <= UInt64(bytes.count) else { return nil }
        let value = bytes.prefix(Int(length))
        bytes = bytes.dropFirst(Int(length))
        return (Int(key >> 3), value)
      default: return nil
      }
    }
    return nil
  }
}
