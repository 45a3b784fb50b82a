import Foundation
import GRPCCore
import Testing
@testable import LoyaltyRuntime

@Suite struct InternalIdentityTests {
  let identity = try! InternalIdentity(secret: testSecret)

  @Test func signedIdentityVerifies() throws {
    let principal = Principal(subject: "alice", role: .traveler)
    let token = identity.token(for: principal)
    #expect(try identity.verify(token).get() == principal)
  }

  @Test func identitySignedWithAnotherSecretIsRejected() throws {
    let other = try InternalIdentity(secret: Array("another-secret-that-is-long-enough-!!".utf8))
    let token = other.token(for: Principal(subject: "mallory", role: .admin))
    #expect(identity.verify(token) == .failure(.badSignature))
  }

  @Test func changingTheClaimsBreaksTheSignature() throws {
    let token = identity.token(for: Principal(subject: "alice", role: .traveler))
    let parts = token.split(separator: ".").map(String.init)
    let forgedClaims = Data(#"{"exp":9999999999,"role":"admin","sub":"alice"}"#.utf8).base64URLEncoded()
    #expect(identity.verify("v1.\(forgedClaims).\(parts[2])") == .failure(.badSignature))
  }

  @Test func expiredIdentityIsRejected() {
    let issued = Date().addingTimeInterval(-3600)
    let token = identity.token(for: Principal(subject: "alice", role: .traveler), validFor: .seconds(60), now: issued)
    #expect(identity.verify(token) == .failure(.expired))
  }

  @Test(arguments: ["", "v1", "v2.a.b", "v1.!!.??", "v1..", "garbage"])
  func malformedTokensAreRejected(token: String) {
    #expect(identity.verify(token) == .failure(.malformed))
  }

  @Test func missingMetadataIsReported() {
    #expect(identity.verify(Metadata()) == .failure(.missing))
  }

  @Test func shortSecretsAreRefused() {
    #expect(throws: ConfigError.self) { try InternalIdentity(secret: Array("short".utf8)) }
  }
}
