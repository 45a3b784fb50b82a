import Crypto
import Foundation
import GatewayAuth
import GRDB
import GRPCCore
import LoyaltyRuntime
import Testing

@Suite("API key store")
struct APIKeyStoreTests {
  @Test("a created key has the documented shape and authenticates its subject")
  func createAndLookUp() async throws {
    try await withKeyStore { store, _ in
      let (record, key) = try await store.create(subject: "alice", role: .traveler, label: "  alice's phone ", dailyQuota: 500)
      #expect(record.id.count == 12 && record.id.allSatisfy { "0123456789abcdef".contains($0) })
      #expect(key.hasPrefix("lmk_\(record.id)_"))
      let secret = key.dropFirst("lmk_".count + 12 + 1)
      #expect(secret.count == 43)
      #expect(secret.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
      #expect(record.label == "alice's phone")
      #expect(record.dailyQuota == 500 && !record.isRevoked)

      let found = try #require(store.lookup(presentedKey: key).value)
      #expect(found == record)
      #expect(found.caller == Caller(principal: Principal(subject: "alice", role: .traveler), credential: .apiKey(id: record.id), dailyQuota: 500))

      let (unlimited, _) = try await store.create(subject: "ops", role: .admin)
      #expect(unlimited.caller.dailyQuota == nil)
      #expect(unlimited.id != record.id)
    }
  }

  @Test("malformed, unknown, wrong-secret and revoked keys fail with distinct reasons")
  func lookupFailures() async throws {
    try await withKeyStore { store, _ in
      let (record, key) = try await store.create(subject: "alice", role: .traveler)
      for malformed in ["", "lmk_", "lmk_\(record.id)", key + "x", String(key.dropLast()), key.uppercased(),
        "xyz" + key.dropFirst(3), key.replacingOccurrences(of: "lmk_\(record.id)_", with: "lmk_\(record.id)-"),
        String(key.dropLast()) + "="]
      {
        #expect(store.lookup(presentedKey: malformed).failure?.reason == .malformedAPIKey, "\(malformed.count) chars")
      }
      let unknown = "lmk_0123456789ab_" + String(repeating: "A", count: 43)
      #expect(store.lookup(presentedKey: unknown).failure?.reason == .unknownAPIKey)

      // The right id with a wrong secret is indistinguishable from an unknown key.
      let lastCharacter = key.last == "A" ? "B" : "A"
      let wrongSecret = String(key.dropLast()) + lastCharacter
      let failure = try #require(store.lookup(presentedKey: wrongSecret).failure)
      #expect(failure.reason == .unknownAPIKey)
      #expect(failure.message.contains(record.id))
      #expect(!failure.message.contains(key.suffix(43)))

      _ = try await store.revoke(id: record.id)
      let revoked = try #require(store.lookup(presentedKey: key).failure)
      #expect(revoked.reason == .revokedAPIKey)
      #expect(revoked.message.contains(record.id) && revoked.message.contains("revoked"))
      // A wrong secret for a revoked id does not reveal the revocation.
      #expect(store.lookup(presentedKey: wrongSecret).failure?.reason == .unknownAPIKey)
    }
  }

  @Test("revoking is immediate and idempotent; unknown and malformed ids are refused")
  func revoke() async throws {
    try await withKeyStore { store, _ in
      let (record, key) = try await store.create(subject: "bob", role: .curator, label: "ingest bot")
      let revoked = try await store.revoke(id: record.id)
      #expect(revoked.id == record.id && revoked.revokedAt != nil)
      #expect(store.lookup(presentedKey: key).failure?.reason == .revokedAPIKey)

      let again = try await store.revoke(id: record.id)
      #expect(again == revoked)

      let notFound = await #expect(throws: APIKeyError.self) { try await store.revoke(id: "0123456789ab") }
      #expect(notFound == .notFound(id: "0123456789ab"))
      #expect(notFound?.rpcErrorCode == .notFound)
      #expect(notFound?.rpcErrorMessage.contains("0123456789ab") == true)

      // A whole key pasted as the id is refused without being echoed.
      let malformed = await #expect(throws: APIKeyError.self) { try await store.revoke(id: key) }
      #expect(malformed?.rpcErrorCode == .invalidArgument)
      #expect(malformed?.rpcErrorMessage.hasPrefix("id:") == true)
      #expect(malformed?.rpcErrorMessage.contains(key.suffix(43)) == false)
    }
  }

  @Test("list returns keys in creation order, revoked ones only when asked")
  func list() async throws {
    try await withKeyStore { store, _ in
      let first = try await store.create(subject: "a", role: .traveler).record
      let second = try await store.create(subject: "b", role: .curator).record
      let third = try await store.create(subject: "c", role: .admin).record
      let revokedSecond = try await store.revoke(id: second.id)
      #expect(try await store.list() == [first, third])
      #expect(try await store.list(includeRevoked: true) == [first, revokedSecond, third])
    }
  }

  @Test("invalid fields are refused naming the field")
  func validation() async throws {
    try await withKeyStore { store, _ in
      let cases: [(String, Role, String, Int, String)] = [
        ("", .traveler, "", 0, "subject"),
        (String(repeating: "a", count: 65), .traveler, "", 0, "subject"),
        ("-alice", .traveler, "", 0, "subject"),
        ("al ice", .traveler, "", 0, "subject"),
        ("alice", .service, "", 0, "role"),
        ("alice", .traveler, String(repeating: "x", count: 201), 0, "label"),
        ("alice", .traveler, "line\nbreak", 0, "label"),
        ("alice", .traveler, "", -1, "daily_quota"),
        ("alice", .traveler, "", 1_000_000_001, "daily_quota"),
      ]
      for (subject, role, label, quota, field) in cases {
        let error = await #expect(throws: APIKeyError.self) {
          try await store.create(subject: subject, role: role, label: label, dailyQuota: quota)
        }
        #expect(error?.rpcErrorCode == .invalidArgument)
        #expect(error?.rpcErrorMessage.hasPrefix("\(field): ") == true, "\(error?.rpcErrorMessage ?? "no error")")
      }
      #expect(try await store.list(includeRevoked: true).isEmpty)

      // The limits themselves are allowed.
      let edge = try await store.create(
        subject: "A." + String(repeating: "z", count: 62), role: .curator, label: String(repeating: "x", count: 200),
        dailyQuota: 1_000_000_000)
      #expect(edge.record.dailyQuota == 1_000_000_000)
    }
  }

  @Test("keys written by another process become valid, and revocations apply, on reload")
  func reloadFromSecondStore() async throws {
    try await withTemporaryDirectory { directory in
      let gateway = try await openKeyStore(in: directory)
      let offline = try await openKeyStore(in: directory)

      let (record, key) = try await offline.create(subject: "carol", role: .traveler, label: "created offline")
      #expect(gateway.lookup(presentedKey: key).failure?.reason == .unknownAPIKey)
      try await gateway.reload()
      #expect(gateway.lookup(presentedKey: key).value == record)
      #expect(try await gateway.list() == [record])

      _ = try await offline.revoke(id: record.id)
      #expect(gateway.lookup(presentedKey: key).value == record)
      try await gateway.reload()
      #expect(gateway.lookup(presentedKey: key).failure?.reason == .revokedAPIKey)

      // Revoking here what the other process revoked first applies it at once, unchanged.
      let (other, otherKey) = try await offline.create(subject: "dave", role: .traveler)
      try await gateway.reload()
      let revokedOffline = try await offline.revoke(id: other.id)
      #expect(try await gateway.revoke(id: other.id) == revokedOffline)
      #expect(gateway.lookup(presentedKey: otherKey).failure?.reason == .revokedAPIKey)

      await offline.database.close()
      await gateway.database.close()

      // And everything survives a restart.
      let restarted = try await openKeyStore(in: directory)
      #expect(restarted.lookup(presentedKey: key).failure?.reason == .revokedAPIKey)
      #expect(try await restarted.list(includeRevoked: true).map(\.id) == [record.id, other.id])
      await restarted.database.close()
    }
  }

  @Test("only the SHA-256 of a key is stored; the secret appears nowhere on disk")
  func hashOnlyStorage() async throws {
    try await withTemporaryDirectory { directory in
      let store = try await openKeyStore(in: directory)
      let (record, key) = try await store.create(subject: "erin", role: .admin, label: "ops laptop")
      _ = try await store.revoke(id: record.id)

      let stored = try await store.database.read { db in
        try String.fetchOne(db, sql: "SELECT key_sha256 FROM api_keys WHERE id = ?", arguments: [record.id])
      }
      let expected = SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
      #expect(stored == expected)

      // Every change is journaled for backups.
      let journal = try await store.database.journal(after: 0)
      #expect(journal.count == 2 && journal.allSatisfy { $0.entity == "api_keys" && $0.key == record.id })
      await store.database.close()

      let secret = String(key.suffix(43))
      var secretBytes = secret.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
      secretBytes += "="
      let rawSecret = try #require(Data(base64Encoded: secretBytes))
      let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
      #expect(files.contains { $0.lastPathComponent == "keys.sqlite" })
      for file in files {
        let bytes = try Data(contentsOf: file)
        #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file.lastPathComponent) holds the secret")
        #expect(bytes.range(of: rawSecret) == nil, "\(file.lastPathComponent) holds the secret's bytes")
      }
    }
  }

  @Test("records encode with snake_case keys for command-line output")
  func recordJSON() throws {
    let record = APIKeyRecord(
      id: "0123456789ab", subject: "alice", role: .curator, label: "x", dailyQuota: 5,
      createdAt: Date(timeIntervalSince1970: 0))
    let json = try #require(String(data: JSONEncoder().encode(record), encoding: .utf8))
    #expect(json.contains(#""daily_quota":5"#) && json.contains(#""role":"curator""#))
    #expect(try JSONDecoder().decode(APIKeyRecord.self, from: Data(json.utf8)) == record)
  }
}
