import BackupCore
import BackupStorage
import Crypto
import Foundation
import LoyaltyRuntime
import TestSupport
import Testing

@Suite struct ObjectSealerTests {
  @Test(arguments: [0, 1, 100, 70_000])
  func smallObjectsRoundTrip(size: Int) throws {
    let sealer = makeSealer()
    let plaintext = randomData(size)
    let sealed = try sealer.seal(plaintext)
    #expect(sealed.sha256 == SHA256.hash(data: sealed.bytes).hexString)
    #expect(try sealer.open(sealed.bytes, expectedSHA256: sealed.sha256, object: "x") == plaintext)
    #expect(try sealer.open(sealed.bytes, expectedSHA256: nil, object: "x") == plaintext)
    // Sealing twice gives different bytes: every object has its own nonce.
    #expect(try sealer.seal(plaintext).bytes != sealed.bytes)
  }

  @Test(arguments: [
    (3 * (1 << 20) + 12345, 1 << 20),
    (4 * 4096, 4096),
    (0, 4096),
    (1, 4096),
  ])
  func filesRoundTripInChunks(size: Int, chunkSize: Int) async throws {
    try await withTemporaryDirectory { directory in
      let sealer = makeSealer(chunkSize: chunkSize)
      let source = directory.appendingPathComponent("plain")
      let plaintext = randomData(size)
      try plaintext.write(to: source)
      let sealedURL = directory.appendingPathComponent("sealed")
      let sealed = try sealer.sealFile(source, to: sealedURL)
      let sealedBytes = try Data(contentsOf: sealedURL)
      let chunks = max(1, (size + chunkSize - 1) / chunkSize)
      #expect(sealed.plaintextSize == Int64(size))
      #expect(sealed.sealedSize == Int64(sealedBytes.count))
      #expect(sealedBytes.count == 26 + size + 16 * chunks)
      #expect(sealed.sha256 == SHA256.hash(data: sealedBytes).hexString)

      let restored = directory.appendingPathComponent("restored")
      try sealer.openFile(sealedURL, expectedSHA256: sealed.sha256, object: "snap", to: restored)
      #expect(try Data(contentsOf: restored) == plaintext)
      // A chunked object also opens in memory.
      #expect(try sealer.open(sealedBytes, expectedSHA256: sealed.sha256, object: "snap") == plaintext)
    }
  }

  @Test func wholeObjectsAlsoOpenAsFiles() async throws {
    try await withTemporaryDirectory { directory in
      let sealer = makeSealer()
      let sealed = try sealer.seal(Data("segment".utf8))
      let file = directory.appendingPathComponent("sealed")
      try sealed.bytes.write(to: file)
      let out = directory.appendingPathComponent("out")
      try sealer.openFile(file, expectedSHA256: sealed.sha256, object: "seg", to: out)
      #expect(try Data(contentsOf: out) == Data("segment".utf8))
    }
  }

  @Test func aWrongKeyFailsNamingBothKeys() async throws {
    let writer = makeSealer()
    let reader = makeSealer()
    let sealed = try writer.seal(Data("secret".utf8))
    #expect {
      try reader.open(sealed.bytes, expectedSHA256: sealed.sha256, object: "primary:services/p/x")
    } throws: { error in
      guard let error = error as? BackupKeyError,
        case .wrongKey(let object, let sealedWith, let configured) = error
      else { return false }
      return object == "primary:services/p/x" && sealedWith == writer.key.id && configured == reader.key.id
        && error.description.contains(writer.key.id) && error.description.contains(reader.key.id)
    }

    try await withTemporaryDirectory { directory in
      let source = directory.appendingPathComponent("plain")
      try randomData(10_000).write(to: source)
      let sealedFile = try makeSealer(chunkSize: 4096).sealFile(source, to: directory.appendingPathComponent("sealed"))
      let out = directory.appendingPathComponent("out")
      #expect(throws: BackupKeyError.self) {
        try reader.openFile(sealedFile.url, expectedSHA256: sealedFile.sha256, object: "snap", to: out)
      }
      #expect(!FileManager.default.fileExists(atPath: out.path))
    }
  }

  @Test func aFlippedByteIsAnIntegrityErrorNamingTheObject() throws {
    let sealer = makeSealer()
    let sealed = try sealer.seal(randomData(1000))
    var damaged = sealed.bytes
    damaged[500] ^= 0x01
    #expect {
      try sealer.open(damaged, expectedSHA256: sealed.sha256, object: "primary:services/p/seg")
    } throws: { error in
      guard let error = error as? BackupIntegrityError, case .checksumMismatch = error else { return false }
      return error.object == "primary:services/p/seg" && error.description.contains("primary:services/p/seg")
    }
    // Without a recorded checksum, authentication still catches it.
    #expect {
      try sealer.open(damaged, expectedSHA256: nil, object: "m")
    } throws: { error in
      guard case BackupIntegrityError.authenticationFailed(let object, _) = error else { return false }
      return object == "m"
    }
    // The header is authenticated too.
    var header = sealed.bytes
    header[25] ^= 0x80
    #expect(throws: BackupIntegrityError.self) { try sealer.open(header, expectedSHA256: nil, object: "m") }
  }

  @Test func aFlippedByteInAStreamedFileIsCaughtAndNothingIsLeft() async throws {
    try await withTemporaryDirectory { directory in
      let sealer = makeSealer(chunkSize: 4096)
      let source = directory.appendingPathComponent("plain")
      try randomData(20_000).write(to: source)
      let sealed = try sealer.sealFile(source, to: directory.appendingPathComponent("sealed"))
      var bytes = try Data(contentsOf: sealed.url)
      bytes[9000] ^= 0x04
      try bytes.write(to: sealed.url)
      let out = directory.appendingPathComponent("out")
      #expect {
        try sealer.openFile(sealed.url, expectedSHA256: sealed.sha256, object: "snap-1", to: out)
      } throws: { error in
        guard case BackupIntegrityError.checksumMismatch(let object, let expected, _) = error else { return false }
        return object == "snap-1" && expected == sealed.sha256
      }
      #expect(!FileManager.default.fileExists(atPath: out.path))
      #expect {
        try sealer.openFile(sealed.url, expectedSHA256: nil, object: "snap-1", to: out)
      } throws: { error in
        guard case BackupIntegrityError.authenticationFailed(_, let detail) = error else { return false }
        return detail.contains("chunk 2")
      }
    }
  }

  @Test func truncationIsDetected() async throws {
    try await withTemporaryDirectory { directory in
      let chunk = 4096
      let sealer = makeSealer(chunkSize: chunk)
      let source = directory.appendingPathComponent("plain")
      try randomData(3 * chunk + 100).write(to: source)
      let sealed = try sealer.sealFile(source, to: directory.appendingPathComponent("sealed"))
      let bytes = try Data(contentsOf: sealed.url)
      let sealedChunk = chunk + 16

      // Whole chunks dropped from the end: every remaining chunk authenticates, yet the
      // final-chunk flag tells that the end is missing.
      let withoutLastChunk = bytes.prefix(26 + 3 * sealedChunk)
      #expect {
        try sealer.open(Data(withoutLastChunk), expectedSHA256: nil, object: "snap")
      } throws: { error in
        guard case BackupIntegrityError.truncated(let object, _) = error else { return false }
        return object == "snap"
      }
      let truncatedFile = directory.appendingPathComponent("truncated")
      try Data(bytes.prefix(26 + 2 * sealedChunk)).write(to: truncatedFile)
      #expect(throws: BackupIntegrityError.truncated(object: "snap", detail: "it ends after chunk 1, which is not its final chunk")) {
        try sealer.openFile(truncatedFile, expectedSHA256: nil, object: "snap", to: directory.appendingPathComponent("out"))
      }
      // Cut inside a chunk, or down to the bare header.
      for length in [26 + sealedChunk + 100, 26, 10] {
        #expect(throws: BackupIntegrityError.self) {
          try sealer.open(Data(bytes.prefix(length)), expectedSHA256: nil, object: "snap")
        }
      }
      // With the recorded checksum, any truncation is a checksum mismatch first.
      #expect(throws: BackupIntegrityError.self) {
        try sealer.open(Data(withoutLastChunk), expectedSHA256: sealed.sha256, object: "snap")
      }
      // Chunks swapped.
      var swapped = bytes.prefix(26)
      swapped.append(bytes[(26 + sealedChunk)..<(26 + 2 * sealedChunk)])
      swapped.append(bytes[26..<(26 + sealedChunk)])
      swapped.append(bytes[(26 + 2 * sealedChunk)...])
      #expect {
        try sealer.open(Data(swapped), expectedSHA256: nil, object: "snap")
      } throws: { error in
        guard case BackupIntegrityError.authenticationFailed = error else { return false }
        return true
      }
    }
  }

  @Test func noPlaintextAppearsInSealedBytes() async throws {
    let canary = "CANARY-\(UUID().uuidString)"
    let plaintext = Data(String(repeating: "row \(canary) ", count: 2000).utf8)
    let sealer = makeSealer(chunkSize: 4096)
    let sealed = try sealer.seal(plaintext)
    #expect(!sealed.bytes.contains(Data(canary.utf8)))
    try await withTemporaryDirectory { directory in
      let source = directory.appendingPathComponent("plain")
      try plaintext.write(to: source)
      let file = try sealer.sealFile(source, to: directory.appendingPathComponent("sealed"))
      #expect(!(try Data(contentsOf: file.url)).contains(Data(canary.utf8)))
    }
  }

  @Test func keysLoadFromFilesAndHaveStableIDs() async throws {
    try await withTemporaryDirectory { directory in
      let raw = randomData(32)
      let file = directory.appendingPathComponent("backup.key")
      try (raw.base64EncodedString() + "\n").write(to: file, atomically: true, encoding: .utf8)
      let key = try BackupKey(contentsOf: file)
      #expect(key.id == String(SHA256.hash(data: raw).hexString.prefix(8)))
      #expect(key.base64 == raw.base64EncodedString())
      #expect(try BackupKey(base64: key.base64).id == key.id)

      try randomData(16).base64EncodedString().write(to: file, atomically: true, encoding: .utf8)
      #expect {
        try BackupKey(contentsOf: file)
      } throws: { error in
        guard case BackupKeyError.invalid(let source, let detail) = error else { return false }
        return source == file.path && detail.contains("16")
      }
      #expect(throws: BackupKeyError.self) { try BackupKey(base64: "not base64!") }
      #expect {
        try BackupKey(contentsOf: directory.appendingPathComponent("missing.key"))
      } throws: { error in
        guard case BackupKeyError.unreadable = error else { return false }
        return true
      }
    }
  }
}
