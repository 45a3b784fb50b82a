import Crypto
import Foundation
import GatewayAuth
import GRDB
import JWTKit
import Logging
import LoyaltyRuntime

/// Runs `body` with a fresh directory that is removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-auth-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: directory) }
  return try await body(directory)
}

/// Opens an API key store on `keys.sqlite` in `directory`, as the gateway does.
func openKeyStore(in directory: URL) async throws -> APIKeyStore {
  let database = try APIKeyStore.openDatabase(
    at: directory.appendingPathComponent("keys.sqlite"), durability: .normal, logger: Logger(label: "gateway-auth-tests"))
  return try await APIKeyStore(database: database)
}

/// Runs `body` with a key store on a temporary database.
func withKeyStore<T>(_ body: (APIKeyStore, URL) async throws -> T) async throws -> T {
  try await withTemporaryDirectory { directory in
    let store = try await openKeyStore(in: directory)
    do {
      let result = try await body(store, directory)
      await store.database.close()
      return result
    } catch {
      await store.database.close()
      throw error
    }
  }
}

extension Result {
  var failure: Failure? {
    if case .failure(let failure) = self { failure } else { nil }
  }

  var value: Success? {
    if case .success(let value) = self { value } else { nil }
  }
}

// MARK: JWTs

/// Claims as a token issuer writes them; absent ones are left out of the JSON.
struct TestClaims: JWTPayload {
  var sub: SubjectClaim?
  var role: String?
  var exp: ExpirationClaim?
  var nbf: NotBeforeClaim?
  var iss: IssuerClaim?
  var aud: AudienceClaim?

  func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Keys for signing test tokens, and the files a verifier reads them from.
struct JWTTestKeys {
  static let issuer = "https://id.loyalty.example"
  static let audience = "loyalty-gateway"

  let directory: URL
  let hs256Secret: [UInt8]
  let es256PrivateKey: P256.Signing.PrivateKey
  /// Now, in whole seconds, so that claims round-trip exactly.
  let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))

  init(in directory: URL) throws {
    self.directory = directory
    hs256Secret = Array(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }) + Array("-padding".utf8)
    es256PrivateKey = P256.Signing.PrivateKey()
    // A trailing line break, as editors and `echo` leave one.
    try Data(hs256Secret + [UInt8(ascii: "\n")]).write(to: directory.appendingPathComponent("hs256.secret"))
    try es256PrivateKey.publicKey.pemRepresentation.write(
      to: directory.appendingPathComponent("es256.pem"), atomically: true, encoding: .utf8)
  }

  func settings(
    hs256: Bool = true, es256: Bool = true, issuer: String? = Self.issuer, audience: String? = Self.audience,
    clockSkewSeconds: Int = 30
  ) -> JWTSettings {
    JWTSettings(
      issuer: issuer, audience: audience,
      hs256SecretFile: hs256 ? "hs256.secret" : nil,
      es256PublicKeyFile: es256 ? directory.appendingPathComponent("es256.pem").path : nil,
      clockSkewSeconds: clockSkewSeconds)
  }

  func verifier(hs256: Bool = true, es256: Bool = true, clockSkewSeconds: Int = 30) async throws -> JWTVerifier {
    try await JWTVerifier(
      settings: settings(hs256: hs256, es256: es256, clockSkewSeconds: clockSkewSeconds), relativeTo: directory)
  }

  /// Claims that pass every check at `now`.
  func validClaims(subject: String = "alice", role: String = "traveler") -> TestClaims {
    TestClaims(
      sub: SubjectClaim(value: subject), role: role, exp: ExpirationClaim(value: now.addingTimeInterval(300)),
      nbf: NotBeforeClaim(value: now.addingTimeInterval(-60)), iss: IssuerClaim(value: Self.issuer),
      aud: AudienceClaim(value: [Self.audience]))
  }

  func hs256(_ claims: TestClaims, secret: [UInt8]? = nil) async throws -> String {
    let keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret ?? hs256Secret), digestAlgorithm: .sha256)
    return try await keys.sign(claims)
  }

  func es256(_ claims: TestClaims, key: P256.Signing.PrivateKey? = nil) async throws -> String {
    let keys = await JWTKeyCollection().add(ecdsa: try ES256PrivateKey(backing: key ?? es256PrivateKey))
    return try await keys.sign(claims)
  }

  /// A token with exactly the given header and payload JSON, signed with HS256.
  func handSigned(header: String = #"{"alg":"HS256","typ":"JWT"}"#, payload: String, secret: [UInt8]? = nil) -> String {
    let input = base64URL(Data(header.utf8)) + "." + base64URL(Data(payload.utf8))
    let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret ?? hs256Secret))
    return input + "." + base64URL(Data(mac))
  }

  /// Claims JSON valid at `now`, with `changes` applied (nil removes a claim).
  func payload(_ changes: [String: Any?] = [:]) -> String {
    var claims: [String: Any] = [
      "sub": "alice", "role": "traveler", "exp": now.timeIntervalSince1970 + 300, "iss": Self.issuer, "aud": Self.audience,
    ]
    for (name, value) in changes { claims[name] = value }
    let data = try! JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }
}

func base64URL(_ data: Data) -> String {
  data.base64EncodedString()
    .replacingOccurrences(of: "+", with: "-")
    .replacingOccurrences(of: "/", with: "_")
    .replacingOccurrences(of: "=", with: "")
}
