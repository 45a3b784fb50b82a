import Crypto
import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// Takes a snapshot of one service through its Snapshot RPC: the streamed copy is written to a
/// scratch file while it is hashed, checked against the stream's trailer (SHA-256) and header
/// (size, service), then sealed and stored through the archive and recorded in the catalog.
/// The scratch file is always deleted.
public struct SnapshotTaker: Sendable {
  public let archive: BackupArchive
  public let catalog: BackupCatalog
  private let logger: Logger

  public init(archive: BackupArchive, catalog: BackupCatalog, logger: Logger) {
    self.archive = archive
    self.catalog = catalog
    self.logger = logger
  }

  /// Snapshots `source`'s database and returns the stored entry, already in the catalog.
  /// `kind` decides retention: automated snapshots expire, manual ones are kept until deleted.
  public func take(from source: some ReplicationSource, kind: SnapshotKind) async throws -> SnapshotEntry {
    let started = ContinuousClock.now
    let file = try scratchFile()
    defer {
      for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) }
    }
    let takenAtMicros = try await source.snapshot { chunks in try await Self.receive(chunks, service: source.service, into: file) }
    let entry = try await archive.storeSnapshot(file: file, service: source.service, kind: kind, takenAtMicros: takenAtMicros)
    try await catalog.add(entry)
    logger.info(
      "stored snapshot",
      metadata: [
        "service": "\(source.service)", "snapshot": "\(entry.id)", "kind": "\(kind.rawValue)", "seq": "\(entry.lastSeq)",
        "bytes": "\(entry.sizeBytes)", "elapsed": "\(ContinuousClock.now - started)",
      ])
    return entry
  }

  /// Writes the streamed copy to `file` and verifies it; returns when it was taken (µs).
  private static func receive(
    _ chunks: RPCAsyncSequence<Loyalty_Replication_V1_SnapshotChunk, any Error>, service: String, into file: URL
  ) async throws -> Int64 {
    guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
      throw SnapshotTakerError.scratchFile(path: file.path, detail: "cannot create it")
    }
    let handle = try FileHandle(forWritingTo: file)
    defer { try? handle.close() }
    var header: Loyalty_Replication_V1_SnapshotHeader?
    var trailer: Loyalty_Replication_V1_SnapshotTrailer?
    var hasher = SHA256()
    var size: Int64 = 0
    for try await chunk in chunks {
      guard trailer == nil else { throw SnapshotTakerError.malformedStream(service: service, detail: "a message follows the trailer") }
      switch chunk.part {
      case .header(let received):
        guard header == nil else { throw SnapshotTakerError.malformedStream(service: service, detail: "a second header") }
        guard received.service == service else {
          throw SnapshotTakerError.wrongService(expected: service, received: received.service)
        }
        header = received
      case .data(let data):
        guard header != nil else { throw SnapshotTakerError.malformedStream(service: service, detail: "data before the header") }
        hasher.update(data: data)
        size += Int64(data.count)
        try handle.write(contentsOf: data)
      case .trailer(let received):
        guard header != nil else { throw SnapshotTakerError.malformedStream(service: service, detail: "trailer before the header") }
        trailer = received
      case nil:
        throw SnapshotTakerError.malformedStream(service: service, detail: "a message with no part set")
      }
    }
    guard let header else { throw SnapshotTakerError.malformedStream(service: service, detail: "the stream ended without a header") }
    guard let trailer else {
      throw SnapshotTakerError.malformedStream(service: service, detail: "the stream ended without a trailer after \(size) bytes")
    }
    guard size == header.sizeBytes else {
      throw SnapshotTakerError.sizeMismatch(service: service, expected: header.sizeBytes, received: size)
    }
    let digest = hasher.finalize().hexString
    guard digest == trailer.sha256.lowercased() else {
      throw SnapshotTakerError.checksumMismatch(service: service, expected: trailer.sha256, received: digest)
    }
    return header.hasTakenAt ? header.takenAt.micros : Int64(Date().timeIntervalSince1970 * 1_000_000)
  }

  private func scratchFile() throws -> URL {
    let directory = archive.scratchDirectory
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw SnapshotTakerError.scratchFile(path: directory.path, detail: "cannot create the folder: \(error.localizedDescription)")
    }
    return directory.appendingPathComponent("snapshot-\(UUID().uuidString).sqlite")
  }
}

public enum SnapshotTakerError: Error, Equatable, CustomStringConvertible {
  /// The stream is not header, data…, trailer.
  case malformedStream(service: String, detail: String)
  /// The header names another service than the one asked.
  case wrongService(expected: String, received: String)
  case sizeMismatch(service: String, expected: Int64, received: Int64)
  case checksumMismatch(service: String, expected: String, received: String)
  case scratchFile(path: String, detail: String)

  public var description: String {
    switch self {
    case .malformedStream(let service, let detail): "\(service)'s snapshot stream is malformed: \(detail)"
    case .wrongService(let expected, let received): "asked \(expected) for a snapshot, received one of '\(received)'"
    case .sizeMismatch(let service, let expected, let received):
      "\(service)'s snapshot is \(received) bytes, its header announced \(expected)"
    case .checksumMismatch(let service, let expected, let received):
      "\(service)'s snapshot hashes to SHA-256 \(received), its trailer says \(expected)"
    case .scratchFile(let path, let detail): "scratch file \(path): \(detail)"
    }
  }
}
