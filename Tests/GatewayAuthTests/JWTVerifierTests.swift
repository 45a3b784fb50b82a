import Crypto
import Foundation
import GatewayAuth
import JWTKit
import LoyaltyRuntime
import Testing

@Suite("JWT verifier")
struct JWTVerifierTests {
  /// Runs `body` with test keys and a verifier accepting both HS256 and ES256.
  func withVerifier(
    hs256: Bool = true, es256: Bool = true, _ body: (JWTTestKeys, JWTVerifier) async throws -> Void
  ) async throws {
    try await withTemporaryDirectory { directory in
      let keys = try JWTTestKeys(in: directory)
      try await body(keys, try await keys.verifier(hs256: hs256, es256: es256))
    }
  }

  func reason(_ verifier: JWTVerifier, _ token: String, at now: Date) async -> AuthenticationFailure.Reason? {
    await verifier.verify(token, now: now).failure?.reason
  }

  @Test("HS256 and ES256 tokens signed with jwt-kit authenticate their subject and role")
  func validTokens() async throws {
    try await withVerifier { keys, verifier in
      #expect(verifier.acceptedAlgorithms == ["ES256", "HS256"])
      let hs = try await keys.hs256(keys.validClaims(subject: "alice", role: "traveler"))
      let es = try await keys.es256(keys.validClaims(subject: "curator-1", role: "curator"))
      let expectedAlice = Caller(principal: Principal(subject: "alice", role: .traveler), credential: .jwt)
      #expect(await verifier.verify(hs, now: keys.now).value == expectedAlice)
      let curator = try #require(await verifier.verify(es, now: keys.now).value)
      #expect(curator.principal == Principal(subject: "curator-1", role: .curator))
      #expect(curator.principalClass == "jwt" && curator.keyID == nil && curator.dailyQuota == nil)

      // `aud` may also be an array that contains the audience; `nbf` is optional.
      var claims = keys.validClaims(role: "admin")
      claims.aud = AudienceClaim(value: ["other-service", JWTTestKeys.audience])
      claims.nbf = nil
      #expect(await verifier.verify(try await keys.hs256(claims), now: keys.now).value?.principal.role == .admin)
    }
  }

  @Test("structurally broken tokens are malformed")
  func malformed() async throws {
    try await withVerifier { keys, verifier in
      let valid = try await keys.hs256(keys.validClaims())
      let parts = valid.split(separator: ".").map(String.init)
      let tokens = [
        "abc", "a.b", "\(valid).x", "..", "\(parts[0])..\(parts[2])", "\(parts[0]).\(parts[1]).!!",
        "%%%.\(parts[1]).\(parts[2])",
        base64URL(Data("not json".utf8)) + ".\(parts[1]).\(parts[2])",
        base64URL(Data(#"{"typ":"JWT"}"#.utf8)) + ".\(parts[1]).\(parts[2])",
        base64URL(Data(#"{"alg":5}"#.utf8)) + ".\(parts[1]).\(parts[2])",
        keys.handSigned(header: #"{"alg":"HS256","crit":["exp"]}"#, payload: keys.payload()),
        // Signed correctly, but the payload is not a JSON object.
        keys.handSigned(payload: "[1,2,3]"),
        String(repeating: "a", count: 9000) + ".b.c",
      ]
      for token in tokens {
        #expect(await reason(verifier, token, at: keys.now) == .malformedToken, "\(token.prefix(80))")
      }
    }
  }

  @Test("tokens signed with another key or altered after signing have a bad signature")
  func badSignature() async throws {
    try await withVerifier { keys, verifier in
      let otherSecret = Array(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
      let forgedHS = try await keys.hs256(keys.validClaims(), secret: otherSecret)
      let forgedES = try await keys.es256(keys.validClaims(), key: P256.Signing.PrivateKey())
      #expect(await reason(verifier, forgedHS, at: keys.now) == .badSignature)
      #expect(await reason(verifier, forgedES, at: keys.now) == .badSignature)

      // Promote a traveller to admin by editing the payload.
      let valid = try await keys.hs256(keys.validClaims())
      let parts = valid.split(separator: ".").map(String.init)
      var claims = keys.validClaims(role: "admin")
      claims.exp = keys.validClaims().exp
      let adminPayload = try await keys.hs256(claims).split(separator: ".")[1]
      #expect(await reason(verifier, "\(parts[0]).\(adminPayload).\(parts[2])", at: keys.now) == .badSignature)
      // An ES256 signature of the wrong length.
      let es = try await keys.es256(keys.validClaims()).split(separator: ".").map(String.init)
      #expect(await reason(verifier, "\(es[0]).\(es[1]).\(es[2].dropLast(4))", at: keys.now) == .badSignature)
      #expect(await reason(verifier, "\(es[0]).\(es[1]).", at: keys.now) == .badSignature)
    }
  }

  @Test("none, other algorithms and algorithms without a configured key are unsupported")
  func unsupportedAlgorithm() async throws {
    try await withVerifier(es256: false) { keys, verifier in
      #expect(verifier.acceptedAlgorithms == ["HS256"])
      let payload = base64URL(Data(keys.payload().utf8))
      for alg in ["none", "None", "RS256", "HS512", "PS256", "EdDSA"] {
        let header = base64URL(Data(#"{"alg":"\#(alg)","typ":"JWT"}"#.utf8))
        let failure = try #require(await verifier.verify("\(header).\(payload).", now: keys.now).failure)
        #expect(failure.reason == .unsupportedAlgorithm, "\(alg)")
        #expect(failure.message.contains("HS256"))
      }
      let es = try await keys.es256(keys.validClaims())
      #expect(await reason(verifier, es, at: keys.now) == .unsupportedAlgorithm)
    }
    // The classic confusion: HS256 "signed" with the ES256 public key, against an ES256-only gateway.
    try await withVerifier(hs256: false) { keys, verifier in
      let publicPEM = Array(keys.es256PrivateKey.publicKey.pemRepresentation.utf8)
      let confused = keys.handSigned(payload: keys.payload(), secret: publicPEM)
      #expect(await reason(verifier, confused, at: keys.now) == .unsupportedAlgorithm)
    }
  }

  @Test("exp and nbf are checked with the configured clock skew")
  func timeWindow() async throws {
    try await withVerifier { keys, verifier in
      let now = keys.now
      func token(exp: TimeInterval, nbf: TimeInterval? = nil) -> String {
        var changes: [String: Any?] = ["exp": now.timeIntervalSince1970 + exp]
        if let nbf { changes["nbf"] = now.timeIntervalSince1970 + nbf }
        return keys.handSigned(payload: keys.payload(changes))
      }
      let expired = try #require(await verifier.verify(token(exp: -31), now: now).failure)
      #expect(expired.reason == .expired && expired.message.contains("expired at"))
      #expect(await verifier.verify(token(exp: -29), now: now).value != nil)
      #expect(await reason(verifier, token(exp: -30), at: now) == .expired)

      #expect(await reason(verifier, token(exp: 300, nbf: 31), at: now) == .notYetValid)
      #expect(await verifier.verify(token(exp: 300, nbf: 29), now: now).value != nil)
    }
    try await withTemporaryDirectory { directory in
      let keys = try JWTTestKeys(in: directory)
      let strict = try await keys.verifier(clockSkewSeconds: 0)
      let now = keys.now
      let justExpired = keys.handSigned(payload: keys.payload(["exp": now.timeIntervalSince1970]))
      #expect(await reason(strict, justExpired, at: now) == .expired)
      let early = keys.handSigned(payload: keys.payload(["nbf": now.timeIntervalSince1970 + 1]))
      #expect(await reason(strict, early, at: now) == .notYetValid)
      let onTime = keys.handSigned(payload: keys.payload(["nbf": now.timeIntervalSince1970]))
      #expect(await strict.verify(onTime, now: now).value != nil)
    }
  }

  @Test("issuer and audience must match when configured")
  func issuerAndAudience() async throws {
    try await withVerifier { keys, verifier in
      let now = keys.now
      let wrongIssuer = try #require(
        await verifier.verify(keys.handSigned(payload: keys.payload(["iss": "https://evil.example"])), now: now).failure)
      #expect(wrongIssuer.reason == .wrongIssuer && wrongIssuer.message.contains(JWTTestKeys.issuer))
      #expect(await reason(verifier, keys.handSigned(payload: keys.payload(["iss": nil])), at: now) == .wrongIssuer)

      let wrongAudience = try #require(
        await verifier.verify(keys.handSigned(payload: keys.payload(["aud": ["a", "b"]])), now: now).failure)
      #expect(wrongAudience.reason == .wrongAudience && wrongAudience.message.contains(JWTTestKeys.audience))
      #expect(await reason(verifier, keys.handSigned(payload: keys.payload(["aud": "other"])), at: now) == .wrongAudience)
      #expect(await reason(verifier, keys.handSigned(payload: keys.payload(["aud": nil])), at: now) == .wrongAudience)
      #expect(await reason(verifier, keys.handSigned(payload: keys.payload(["aud": []])), at: now) == .wrongAudience)
    }
    // Without issuer and audience settings, any (or none) is accepted.
    try await withTemporaryDirectory { directory in
      let keys = try JWTTestKeys(in: directory)
      let open = try await JWTVerifier(settings: keys.settings(issuer: nil, audience: nil), relativeTo: directory)
      let token = keys.handSigned(payload: keys.payload(["iss": nil, "aud": "anyone"]))
      #expect(await open.verify(token, now: keys.now).value?.principal.subject == "alice")
    }
  }

  @Test("missing and invalid claims are named; unknown roles are refused")
  func claims() async throws {
    try await withVerifier { keys, verifier in
      let now = keys.now
      for claim in ["sub", "role", "exp"] {
        let failure = try #require(await verifier.verify(keys.handSigned(payload: keys.payload([claim: nil])), now: now).failure)
        #expect(failure.reason == .missingClaim, "\(claim)")
        #expect(failure.message.contains("'\(claim)'"))
      }
      let invalid: [(String, Any)] = [
        ("sub", 42), ("sub", ""), ("sub", "line\nbreak"), ("sub", String(repeating: "s", count: 257)),
        ("role", 1), ("role", ["admin"]), ("exp", "tomorrow"), ("nbf", "yesterday"), ("iss", 7), ("aud", 7),
      ]
      for (claim, value) in invalid {
        let failure = try #require(await verifier.verify(keys.handSigned(payload: keys.payload([claim: value])), now: now).failure)
        #expect(failure.reason == .invalidClaim, "\(claim): \(value)")
        #expect(failure.message.contains("'\(claim)'"))
      }
      for role in ["superuser", "service", "Admin", ""] {
        let failure = try #require(await verifier.verify(keys.handSigned(payload: keys.payload(["role": role])), now: now).failure)
        #expect(failure.reason == .unknownRole, "\(role)")
      }
    }
  }

  @Test("verified tokens are cached until they expire")
  func cache() async throws {
    try await withVerifier { keys, verifier in
      let now = keys.now
      let token = keys.handSigned(payload: keys.payload(["exp": now.timeIntervalSince1970 + 60]))
      #expect(verifier.cachedCaller(for: token, now: now) == nil)
      let caller = try #require(await verifier.verify(token, now: now).value)
      #expect(verifier.cachedCaller(for: token, now: now.addingTimeInterval(10)) == caller)
      // Valid up to exp + skew, then no longer served from the cache nor verified.
      #expect(verifier.cachedCaller(for: token, now: now.addingTimeInterval(89)) == caller)
      #expect(verifier.cachedCaller(for: token, now: now.addingTimeInterval(90)) == nil)
      #expect(await reason(verifier, token, at: now.addingTimeInterval(90)) == .expired)

      // Failures are not cached.
      let expired = keys.handSigned(payload: keys.payload(["exp": now.timeIntervalSince1970 - 100]))
      _ = await verifier.verify(expired, now: now)
      #expect(verifier.cachedCaller(for: expired, now: now) == nil)
    }
  }

  @Test("unusable settings fail with the configuration key at fault")
  func configurationErrors() async throws {
    try await withTemporaryDirectory { directory in
      let keys = try JWTTestKeys(in: directory)
      func configError(_ settings: JWTSettings) async -> ConfigError? {
        do {
          _ = try await JWTVerifier(settings: settings, relativeTo: directory)
          return nil
        } catch {
          return error
        }
      }
      try Data(repeating: UInt8(ascii: "k"), count: 31).write(to: directory.appendingPathComponent("short.secret"))
      try "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n".write(
        to: directory.appendingPathComponent("bad.pem"), atomically: true, encoding: .utf8)
      try keys.es256PrivateKey.pemRepresentation.write(
        to: directory.appendingPathComponent("private.pem"), atomically: true, encoding: .utf8)

      let short = await configError(JWTSettings(hs256SecretFile: "short.secret"))
      #expect(short?.key == "jwt.hs256SecretFile" && short?.message.contains("31") == true)
      #expect(await configError(JWTSettings(hs256SecretFile: "missing.secret"))?.key == "jwt.hs256SecretFile")
      #expect(await configError(JWTSettings(es256PublicKeyFile: "bad.pem"))?.key == "jwt.es256PublicKeyFile")
      #expect(await configError(JWTSettings(es256PublicKeyFile: "hs256.secret"))?.key == "jwt.es256PublicKeyFile")
      let privateKey = await configError(JWTSettings(es256PublicKeyFile: "private.pem"))
      #expect(privateKey?.key == "jwt.es256PublicKeyFile" && privateKey?.message.contains("private key") == true)
      #expect(await configError(JWTSettings())?.key == "jwt")
      #expect(await configError(JWTSettings(issuer: "", hs256SecretFile: "hs256.secret"))?.key == "jwt.issuer")
      #expect(await configError(JWTSettings(audience: "", hs256SecretFile: "hs256.secret"))?.key == "jwt.audience")
      for skew in [-1, 301] {
        let error = await configError(JWTSettings(hs256SecretFile: "hs256.secret", clockSkewSeconds: skew))
        #expect(error?.key == "jwt.clockSkewSeconds")
      }
      #expect(await configError(JWTSettings(hs256SecretFile: "hs256.secret", clockSkewSeconds: 300)) == nil)
    }
  }

  @Test("settings decode from the gateway configuration with a default skew")
  func settingsCoding() throws {
    let json = #"{"issuer":"i","audience":"a","hs256SecretFile":"s","es256PublicKeyFile":"p"}"#
    let settings = try JSONDecoder().decode(JWTSettings.self, from: Data(json.utf8))
    #expect(settings == JWTSettings(issuer: "i", audience: "a", hs256SecretFile: "s", es256PublicKeyFile: "p", clockSkewSeconds: 30))
    #expect(try JSONDecoder().decode(JWTSettings.self, from: JSONEncoder().encode(settings)) == settings)
    #expect(try JSONDecoder().decode(JWTSettings.self, from: Data("{}".utf8)).hasKeys == false)
  }
}
