import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

/// An upstream that shows what reached it: it returns the request's `x-echo-*` metadata as
/// response headers and trailers, the `grpc-timeout` it received as the display name, and
/// for user "fail" an error carrying `grpc-status-details-bin`.
struct MetadataEchoUpstream: RegistrableRPCService {
  static let details: [UInt8] = [0x08, 0x09, 0x12, 0x04] + Array("nope".utf8)

  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    router.registerHandler(
      forMethod: MethodDescriptor(fullyQualifiedService: "loyalty.profile.v1.ProfileService", method: "GetProfile"),
      deserializer: ProtobufDeserializer<Loyalty_Profile_V1_GetProfileRequest>(),
      serializer: ProtobufSerializer<Loyalty_Profile_V1_Profile>()
    ) { request, context in
      var received: Loyalty_Profile_V1_GetProfileRequest?
      for try await message in request.messages { received = message }
      var echoed = Metadata()
      for (key, value) in request.metadata where key.hasPrefix("x-echo") {
        switch value {
        case .string(let text): echoed.addString(text, forKey: key)
        case .binary(let bytes): echoed.addBinary(bytes, forKey: key)
        }
      }
      if received?.userID == "fail" {
        var metadata = echoed
        metadata.addBinary(Self.details, forKey: "grpc-status-details-bin")
        throw RPCError(code: .failedPrecondition, message: "the upstream's own words", metadata: metadata)
      }
      let timeout = request.metadata[stringValues: "grpc-timeout"].first(where: { _ in true }) ?? ""
      let identity = request.metadata[stringValues: InternalIdentity.metadataKey].first(where: { _ in true }) ?? ""
      let profile = Loyalty_Profile_V1_Profile.with {
        $0.userID = received?.userID ?? ""
        $0.displayName = timeout
        $0.homeAirport = identity.isEmpty ? "" : "SIG"
      }
      return StreamingServerResponse(
        single: ServerResponse(message: profile, metadata: echoed, trailingMetadata: echoed))
    }
  }
}

@Suite struct GatewayPassThroughTests {
  @Test func metadataTrailersDetailsAndDeadlinesPassThroughUnchanged() async throws {
    let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext)
    let server = GRPCServer(transport: transport, services: [MetadataEchoUpstream()])
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      let port = try await transport.listeningAddress.ipv4?.port ?? 0
      let upstream = ServiceAddress(host: "127.0.0.1", port: port)
      var config = GatewayTestConfig.profiles(v1: upstream, v2: upstream)
      config.upstreams = config.upstreams.map { var pool = $0; pool["required"] = false; return pool }
      let gateway = try await RunningGateway.start(config)
      defer { server.beginGracefulShutdown() }
      do {
        try await gateway.withProfiles { profiles in
          var metadata: Metadata = ["authorization": "Bearer \(gateway.adminToken)", "x-echo-text": "plain"]
          metadata.addBinary([0, 1, 2, 255], forKey: "x-echo-bin")
          var options = CallOptions.defaults
          options.timeout = .seconds(5)
          let started = ContinuousClock.now
          let (profile, headers, trailers) = try await profiles.getProfile(
            .with { $0.userID = "alice" }, metadata: metadata, options: options
          ) { response in
            (try response.message, response.metadata, response.trailingMetadata)
          }
          let elapsed = ContinuousClock.now - started
          #expect(headers[stringValues: "x-echo-text"].first(where: { _ in true }) == "plain")
          #expect(headers[binaryValues: "x-echo-bin"].first(where: { _ in true }) == [0, 1, 2, 255])
          #expect(trailers[binaryValues: "x-echo-bin"].first(where: { _ in true }) == [0, 1, 2, 255])
          #expect(profile.homeAirport == "SIG", "the upstream got no signed identity")
          let forwarded = GRPCTimeoutText.parse(profile.displayName)
          #expect(forwarded != nil, "no grpc-timeout upstream: '\(profile.displayName)'")
          if let forwarded {
            // Reduced by the time spent before the gateway sent it on, never longer.
            #expect(forwarded < .seconds(5))
            #expect(forwarded > .seconds(5) - elapsed - .milliseconds(50))
          }

          let error = await rpcError { _ = try await profiles.getProfile(.with { $0.userID = "fail" }, metadata: metadata) }
          #expect(error?.code == .failedPrecondition)
          #expect(error?.message == "the upstream's own words")
          #expect(error?.metadata[binaryValues: "grpc-status-details-bin"].first(where: { _ in true }) == MetadataEchoUpstream.details)
          #expect(error?.metadata[binaryValues: "x-echo-bin"].first(where: { _ in true }) == [0, 1, 2, 255])
        }
        let failed = try await gateway.http("GET", "/v1/profiles/fail", headers: ["authorization": "Bearer \(gateway.adminToken)"])
        #expect(failed.status == 400)
        #expect(failed.json["code"] as? Int == 9)
        #expect(failed.json["message"] as? String == "the upstream's own words")
        let details = failed.json["details"] as? [[String: Any]]
        #expect(details?.count == 0, "google.rpc.Status without details yields an empty list: \(failed.body)")
      } catch {
        Issue.record("gateway log:\n\(gateway.logTail())")
        await gateway.stop()
        throw error
      }
      await gateway.stop()
    }
  }
}

/// `grpc-timeout` values as sent on the wire.
enum GRPCTimeoutText {
  static func parse(_ value: String) -> Duration? {
    guard let unit = value.last, let amount = Int64(value.dropLast()) else { return nil }
    switch unit {
    case "H": return .seconds(amount * 3600)
    case "M": return .seconds(amount * 60)
    case "S": return .seconds(amount)
    case "m": return .milliseconds(amount)
    case "u": return .microseconds(amount)
    case "n": return .nanoseconds(amount)
    default: return nil
    }
  }
}
