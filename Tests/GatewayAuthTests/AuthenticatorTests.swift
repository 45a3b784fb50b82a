import Foundation
import GatewayAuth
import GRPCCore
import LoyaltyRuntime
import Testing

@Suite("Authenticator")
struct AuthenticatorTests {
  func resolved(_ resolution: Authenticator.Resolution) -> Result<Caller, AuthenticationFailure>? {
    if case .resolved(let result) = resolution { result } else { nil }
  }

  @Test("no credentials make the anonymous caller")
  func anonymous() async throws {
    try await withKeyStore { store, _ in
      let authenticator = Authenticator(keys: store, jwt: nil)
      let caller = try #require(resolved(authenticator.resolveImmediately(apiKey: nil, authorization: nil))?.value)
      #expect(caller == .anonymous && caller.isAnonymous)
      #expect(caller.principal == Principal.anonymous && caller.principalClass == "anonymous" && caller.keyID == nil)
    }
  }

  @Test("an API key is accepted in x-api-key or as a bearer credential")
  func apiKeys() async throws {
    try await withKeyStore { store, _ in
      let authenticator = Authenticator(keys: store, jwt: nil)
      let (record, key) = try await store.create(subject: "alice", role: .traveler, dailyQuota: 100)
      let expected = Caller(principal: Principal(subject: "alice", role: .traveler), credential: .apiKey(id: record.id), dailyQuota: 100)
      for (apiKey, authorization) in [(key, nil), (nil, "Bearer \(key)"), (nil, "bearer  \(key) "), (" \(key)", "Bearer \(key)")] {
        let caller = resolved(authenticator.resolveImmediately(apiKey: apiKey, authorization: authorization))?.value
        #expect(caller == expected)
      }
      #expect(expected.principalClass == "api_key" && expected.keyID == record.id && !expected.isAnonymous)
      #expect(await authenticator.authenticate(apiKey: nil, authorization: "Bearer \(key)").value == expected)

      _ = try await store.revoke(id: record.id)
      #expect(await authenticator.authenticate(apiKey: key, authorization: nil).failure?.reason == .revokedAPIKey)
      #expect(await authenticator.authenticate(apiKey: "lmk_nope", authorization: nil).failure?.reason == .malformedAPIKey)
    }
  }

  @Test("unreadable or conflicting headers are malformed, without echoing a secret")
  func malformedCredentials() async throws {
    try await withKeyStore { store, _ in
      let authenticator = Authenticator(keys: store, jwt: nil)
      let (_, key) = try await store.create(subject: "alice", role: .traveler)
      let (_, otherKey) = try await store.create(subject: "bob", role: .admin)
      let secret = String(key.suffix(43))
      let cases: [(String?, String?)] = [
        (key, "Bearer \(otherKey)"),
        (key, "Basic \(secret)"),
        (nil, key),
        (nil, "Basic dXNlcjpwYXNz"),
        (nil, "Bearer"),
        (nil, "Bearer "),
        (nil, ""),
        (nil, "Bearer \(key) extra"),
        (nil, "Bearer not-a-credential"),
        ("", nil),
        ("  ", nil),
      ]
      for (apiKey, authorization) in cases {
        let failure = await authenticator.authenticate(apiKey: apiKey, authorization: authorization).failure
        #expect(failure?.reason == .malformedCredentials, "\(String(describing: apiKey?.count)) \(String(describing: authorization?.count))")
        #expect(failure?.message.contains(secret) == false)
      }
      let conflict = await authenticator.authenticate(apiKey: key, authorization: "Bearer \(otherKey)").failure
      #expect(conflict?.message.contains("conflicting credentials") == true)
      #expect(conflict?.rpcErrorCode == .unauthenticated)
    }
  }

  @Test("a JWT is refused when no JWT keys are configured")
  func jwtNotAccepted() async throws {
    try await withKeyStore { store, directory in
      let keys = try JWTTestKeys(in: directory)
      let authenticator = Authenticator(keys: store, jwt: nil)
      let token = try await keys.hs256(keys.validClaims())
      let failure = try #require(resolved(authenticator.resolveImmediately(apiKey: nil, authorization: "Bearer \(token)"))?.failure)
      #expect(failure.reason == .jwtNotAccepted && failure.message.contains("does not accept JWTs"))
    }
  }

  @Test("a new JWT needs verification once; afterwards it resolves immediately")
  func jwt() async throws {
    try await withKeyStore { store, directory in
      let keys = try JWTTestKeys(in: directory)
      let authenticator = Authenticator(keys: store, jwt: try await keys.verifier())
      let token = try await keys.es256(keys.validClaims(subject: "ops", role: "admin"))
      guard case .needsJWTVerification(let pending) = authenticator.resolveImmediately(apiKey: nil, authorization: "Bearer \(token)", now: keys.now) else {
        Issue.record("expected the JWT to need verification")
        return
      }
      #expect(pending == token)
      let caller = try #require(await authenticator.authenticate(apiKey: nil, authorization: "Bearer \(token)", now: keys.now).value)
      #expect(caller == Caller(principal: Principal(subject: "ops", role: .admin), credential: .jwt))
      let again = resolved(authenticator.resolveImmediately(apiKey: nil, authorization: "Bearer \(token)", now: keys.now))
      #expect(again?.value == caller)

      let forged = try await keys.hs256(keys.validClaims(), secret: Array(repeating: 7, count: 32))
      #expect(await authenticator.authenticate(apiKey: nil, authorization: "Bearer \(forged)", now: keys.now).failure?.reason == .badSignature)
      // A JWT in x-api-key is not an API key.
      #expect(await authenticator.authenticate(apiKey: token, authorization: nil, now: keys.now).failure?.reason == .malformedAPIKey)
    }
  }
}
