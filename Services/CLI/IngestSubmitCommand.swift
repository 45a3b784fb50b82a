import ArgumentParser
import Foundation
import GRPCCore
import LoyaltyAPI
import SwiftProtobuf

/// Uploads files to the landing zone: per file, an `UploadHeader` and then the content in
/// 64 KiB chunks, so no message comes near the gateway's per-message limit whatever the
/// document's size. Each upload is a new version of its key and starts a pipeline run.
struct IngestSubmitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "submit",
    abstract: "Uploads pages (HTML, plain text or PDF); each upload is a new version of its key and starts a pipeline run.",
    discussion: """
      One file is stored under --key, or under its file name; several files need --key PREFIX/ and are \
      stored under PREFIX/<file name>. Each file goes up as a header and 64 KiB chunks.

      With --wait, follows each run until it is done, failed, rejected or needs review, and exits 1 when \
      an upload or a run failed or a run was rejected, 2 when a run needs review.
      """)

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The files to upload.")
  var files: [String]

  @Option(help: "The landing-zone key (letters, digits and . _ - /), or a prefix ending in / (required for several files).")
  var key: String?

  @Option(help: "The page's address on the web, cited by the graph; found in the page when omitted.")
  var url: String?

  @Option(help: "A note kept with the version.")
  var notes: String?

  @Option(help: "The declared media type: text/html, text/plain or application/pdf; by default the content decides.")
  var contentType: String?

  @Flag(help: "Follow each run until it is done, failed, rejected or needs review.")
  var wait = false

  static let chunkBytes = 64 * 1024
  /// What an upload may take at least, whatever --timeout says.
  static let uploadSeconds: Double = 120

  /// One file and the key it is stored under.
  struct Upload: Sendable, Equatable {
    var path: String
    var key: String
  }

  func validate() throws {
    _ = try Self.plan(files: files, key: key)
  }

  func run() async throws {
    let uploads = try Self.plan(files: files, key: key)
    let options = connection.callOptions(atLeast: Self.uploadSeconds)
    let json = connection.json
    let header = Loyalty_Ingestion_V1_UploadHeader.with {
      $0.sourceURL = url ?? ""
      $0.notes = notes ?? ""
      $0.contentType = contentType ?? ""
    }
    let code = try await connection.withIngestion { ingestion, metadata, _ in
      var runIDs: [String] = []
      var uploadFailed = false
      for upload in uploads {
        do {
          let response = try await Self.send(upload, header: header, ingestion: ingestion, metadata: metadata, options: options)
          if json { try ProfileOutput.printJSON(response) } else { IngestOutput.printUpload(file: upload.path, response) }
          if response.hasRun { runIDs.append(response.run.runID) }
        } catch let error as RPCError where error.code != .unavailable {
          // The next file may still go in; an unreachable gateway or service ends the command.
          printError("\(upload.path): \(error.code): \(error.message)")
          uploadFailed = true
        }
      }
      guard wait else { return Int32(uploadFailed ? 1 : 0) }
      var finals: [Loyalty_Ingestion_V1_Run?] = []
      for runID in runIDs {
        do {
          finals.append(try await RunWatcher.follow(runID, untilReview: true, json: json, ingestion: ingestion, metadata: metadata))
        } catch let error as RPCError {
          printError("watching run \(runID): \(error.code): \(error.message)")
          finals.append(nil)
        }
      }
      let code = RunWatcher.exitCode(finals)
      return uploadFailed ? 1 : code
    }
    if code != 0 { throw ExitCode(code) }
  }

  static func send(
    _ upload: Upload, header: Loyalty_Ingestion_V1_UploadHeader, ingestion: IngestionClient, metadata: Metadata,
    options: CallOptions
  ) async throws -> Loyalty_Ingestion_V1_UploadDocumentResponse {
    var header = header
    header.key = upload.key
    header.fileName = URL(fileURLWithPath: upload.path).lastPathComponent
    let first = Loyalty_Ingestion_V1_UploadDocumentRequest.with { $0.header = header }
    let path = upload.path
    let chunkBytes = Self.chunkBytes
    return try await ingestion.uploadDocument(
      metadata: metadata, options: options,
      requestProducer: { writer in
        try await writer.write(first)
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        while let data = try handle.read(upToCount: chunkBytes), !data.isEmpty {
          try await writer.write(.with { $0.chunk = data })
        }
      })
  }

  // MARK: Checks before any call

  /// The key of every file; refuses missing, unreadable or empty files, several files without
  /// a prefix key, keys the landing zone would refuse, and two files under one key.
  static func plan(files: [String], key: String?) throws -> [Upload] {
    guard !files.isEmpty else { throw ValidationError("name at least one file to upload") }
    for path in files {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw ValidationError("\(path): no such file")
      }
      guard !isDirectory.boolValue else { throw ValidationError("\(path) is a folder; name the files in it") }
      guard FileManager.default.isReadableFile(atPath: path), let handle = FileHandle(forReadingAtPath: path) else {
        throw ValidationError("\(path): cannot read the file")
      }
      try? handle.close()
      let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
      guard size > 0 else { throw ValidationError("\(path) is empty") }
    }
    if files.count > 1 {
      guard let key else {
        throw ValidationError("several files need --key PREFIX/ (each is stored under PREFIX/<file name>)")
      }
      guard key.hasSuffix("/") else {
        throw ValidationError("--key '\(key)' must end in / when uploading several files: it is the prefix of each file's key")
      }
    }
    let uploads = files.map { path in
      let name = URL(fileURLWithPath: path).lastPathComponent
      let fileKey: String =
        switch key {
        case nil: name
        case let prefix? where prefix.hasSuffix("/"): prefix + name
        case let whole?: whole
        }
      return Upload(path: path, key: fileKey)
    }
    var seen: [String: String] = [:]
    for upload in uploads {
      try checkKey(upload.key, file: upload.path)
      if let other = seen.updateValue(upload.path, forKey: upload.key) {
        throw ValidationError("\(other) and \(upload.path) would both be stored under '\(upload.key)'")
      }
    }
    return uploads
  }

  /// The landing zone's key rule: 1–512 bytes of letters, digits and . _ - /, no leading /,
  /// no `..` segment.
  static func checkKey(_ key: String, file: String) throws {
    let allowed = key.unicodeScalars.allSatisfy {
      $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-/".unicodeScalars.contains($0))
    }
    guard (1...512).contains(key.utf8.count), allowed, !key.hasPrefix("/"),
      !key.split(separator: "/", omittingEmptySubsequences: false).contains("..")
    else {
      throw ValidationError(
        "\(file): '\(key)' is not a valid key (1–512 letters, digits and . _ - /, no leading / or ..); pass --key")
    }
  }
}
