import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

/// Sends bytes exactly as given, to put arbitrary payloads on the wire.
struct RawBytesSerializer: MessageSerializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

struct RawBytesDeserializer: MessageDeserializer {
  func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
    serializedMessageBytes.withUnsafeBytes { Array($0) }
  }
}

extension RunningService {
  /// Calls a ProfileService method with raw request bytes; returns the response bytes.
  func callRaw(_ method: String, _ bytes: [UInt8], as principal: Principal? = Principal(subject: "it-admin", role: .admin)) async throws -> [UInt8] {
    try await withClient(as: principal) { client in
      try await client.unary(
        request: ClientRequest(message: bytes),
        descriptor: MethodDescriptor(fullyQualifiedService: "loyalty.profile.v1.ProfileService", method: method),
        serializer: RawBytesSerializer(),
        deserializer: RawBytesDeserializer(),
        options: .defaults
      ) { try $0.message }
    }
  }
}

@Suite(.serialized) struct BadInputIntegrationTests {
  @Test func badInputGetsCleanStatusesAndTheProcessStaysUp() async throws {
    try await withRunningProfileServer { service in
      _ = try await service.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("sturdy") }) }

      // Not protobuf at all: a truncated length-delimited field.
      #expect(await statusCode { try await service.callRaw("GetProfile", [0x0A, 0xFF, 0x01, 0x41]) } == .invalidArgument)
      // A wire type that does not exist.
      #expect(await statusCode { try await service.callRaw("GetProfile", [0x0F, 0x00]) } == .invalidArgument)
      // Larger than the 4 MiB request limit.
      let huge = Loyalty_Profile_V1_GetProfileRequest.with { $0.userID = String(repeating: "x", count: 5 * 1024 * 1024) }
      let hugeBytes: [UInt8] = try huge.serializedBytes()
      let hugeOutcome = await statusCode { try await service.callRaw("GetProfile", hugeBytes) }
      #expect(hugeOutcome == .resourceExhausted, "\(String(describing: hugeOutcome))")
      // A method the service does not have.
      #expect(await statusCode { try await service.callRaw("DropAllTables", []) } == .unimplemented)

      // Invalid ids are refused by name, never as INTERNAL.
      for userID in ["", "../etc/passwd", "a b", String(repeating: "z", count: 300), "\u{0}nul"] {
        #expect(await statusCode { try await service.withProfiles { try await $0.getProfile(.with { $0.userID = userID }) } } == .invalidArgument)
      }

      // Unknown fields (from a newer client) are ignored, not an error.
      var known: [UInt8] = try Loyalty_Profile_V1_GetProfileRequest.with { $0.userID = "sturdy" }.serializedBytes()
      known += [0xA0, 0x1F, 0x01]  // field 500, varint 1
      known += [0xAA, 0x1F, 0x03, 0x61, 0x62, 0x63]  // field 501, "abc"
      let response = try Loyalty_Profile_V1_Profile(serializedBytes: try await service.callRaw("GetProfile", known))
      #expect(response.userID == "sturdy")

      #expect(try await service.healthStatus() == .serving)
      #expect(service.process.isRunning)
      #expect(try await service.withProfiles { try await $0.getProfile(.with { $0.userID = "sturdy" }) }.version == 1)
    }
  }

  @Test func callsThatBypassTheSignedIdentityAreRefused() async throws {
    try await withRunningProfileServer { service in
      _ = try await service.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("victim") }) }
      let get = Loyalty_Profile_V1_GetProfileRequest.with { $0.userID = "victim" }

      #expect(await statusCode { try await service.withProfiles(as: nil) { try await $0.getProfile(get) } } == .unauthenticated)

      let forger = try InternalIdentity(secret: Array("a-secret-the-attacker-made-up-0123456789".utf8))
      var forged = Metadata()
      forger.sign(&forged, as: Principal(subject: "mallory", role: .admin))
      #expect(await statusCode { try await service.withProfiles(as: nil) { try await $0.getProfile(get, metadata: forged) } } == .unauthenticated)

      let expired = Metadata(dictionaryLiteral: (
        InternalIdentity.metadataKey,
        .string(service.identity.token(for: Principal(subject: "it-admin", role: .admin), now: Date().addingTimeInterval(-3600)))
      ))
      #expect(await statusCode { try await service.withProfiles(as: nil) { try await $0.getProfile(get, metadata: expired) } } == .unauthenticated)

      let replication = await statusCode {
        try await service.withClient(as: Principal(subject: "victim", role: .traveler)) { client in
          try await Loyalty_Replication_V1_Replication.Client(wrapping: client).streamChanges(.with { $0.afterSeq = 0 }) { response in
            for try await _ in response.messages {}
          }
        }
      }
      #expect(replication == .permissionDenied)
    }
  }
}
