import ArgumentParser
import Foundation
import GRPCCore
import LoyaltyAPI
import SwiftProtobuf

/// `loyalty ingest versions|documents|get|delete|lifecycle`: the versioned landing zone.
struct IngestVersionsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "versions", abstract: "Lists the versions of a key, newest first, delete markers included.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The landing-zone key, e.g. programs/aa/partners.html.")
  var key: String

  func run() async throws {
    let response = try await connection.withIngestion { ingestion, metadata, options in
      try await ingestion.listVersions(.with { $0.key = key }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(response) }
    IngestOutput.printVersions(response.versions)
  }
}

struct IngestDocumentsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "documents", abstract: "Lists keys with their current version, in key order.")

  @OptionGroup var connection: GatewayConnection

  @Option(help: "Only keys starting with this.")
  var prefix: String = ""

  @Flag(help: "Include keys whose current version is a delete marker.")
  var deleted = false

  @Flag(help: "Include the pipeline's stage outputs (keys under runs/).")
  var stageOutputs = false

  func run() async throws {
    let documents = try await connection.withIngestion { ingestion, metadata, options in
      var documents: [Loyalty_Ingestion_V1_DocumentVersion] = []
      var token = ""
      repeat {
        let page = try await ingestion.listDocuments(
          .with {
            $0.prefix = prefix
            $0.includeDeleted = deleted
            $0.includeStageOutputs = stageOutputs
            $0.pageToken = token
          }, metadata: metadata, options: options)
        documents += page.documents
        token = page.nextPageToken
      } while !token.isEmpty
      return documents
    }
    if connection.json { return try ProfileOutput.printJSON(Loyalty_Ingestion_V1_ListDocumentsResponse.with { $0.documents = documents }) }
    IngestOutput.printDocuments(documents)
  }
}

struct IngestGetCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "get", abstract: "Writes a version's content to standard output or a file (the current version by default).")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The landing-zone key.")
  var key: String

  @Option(help: "The version id (see 'loyalty ingest versions KEY').")
  var version: String?

  @Option(help: "Write to this file instead of standard output; it appears only once complete.")
  var output: String?

  /// What a download may take at least, whatever --timeout says.
  static let downloadSeconds: Double = 120

  func validate() throws {
    guard let output else { return }
    var isDirectory: ObjCBool = false
    let folder = URL(fileURLWithPath: output).deletingLastPathComponent()
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw ValidationError("--output: the folder \(folder.path) does not exist")
    }
  }

  func run() async throws {
    let destination = output.map { URL(fileURLWithPath: $0) }
    // Written beside the destination and moved into place once complete.
    let partial = destination.map {
      $0.deletingLastPathComponent().appendingPathComponent(".\($0.lastPathComponent).\(getpid()).partial")
    }
    let options = connection.callOptions(atLeast: Self.downloadSeconds)
    let request = Loyalty_Ingestion_V1_GetDocumentRequest.with {
      $0.key = key
      $0.versionID = version ?? ""
    }
    let received: (Loyalty_Ingestion_V1_DocumentVersion?, Int)
    do {
      received = try await connection.withIngestion { ingestion, metadata, _ in
        try await ingestion.getDocument(request, metadata: metadata, options: options) { response in
          var handle = FileHandle.standardOutput
          if let partial {
            guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
              throw ValidationError("cannot create \(partial.path)")
            }
            handle = try FileHandle(forWritingTo: partial)
          }
          defer { if partial != nil { try? handle.close() } }
          var version: Loyalty_Ingestion_V1_DocumentVersion?
          var written = 0
          for try await message in response.messages {
            switch message.part {
            case .version(let found): version = found
            case .chunk(let data):
              try handle.write(contentsOf: data)
              written += data.count
            case nil: break
            }
          }
          return (version, written)
        }
      }
    } catch {
      if let partial { try? FileManager.default.removeItem(at: partial) }
      throw error
    }
    guard let destination, let partial else { return }
    guard rename(partial.path, destination.path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: partial)
      throw ValidationError("cannot write \(destination.path): \(reason)")
    }
    let (found, written) = received
    if connection.json, let found { return try ProfileOutput.printJSON(found) }
    let what = found.map { "\($0.key) version \($0.versionID)" } ?? key
    print("wrote \(written) bytes of \(what) to \(destination.path)")
  }
}

struct IngestDeleteCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "delete", abstract: "Makes a delete marker the current version of a key; older versions stay readable.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The landing-zone key.")
  var key: String

  func run() async throws {
    let response = try await connection.withIngestion { ingestion, metadata, options in
      try await ingestion.deleteDocument(.with { $0.key = key }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(response) }
    print("deleted \(key): delete marker \(response.deleteMarker.versionID); older versions stay readable ('loyalty ingest versions \(key)')")
  }
}

struct IngestLifecycleCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lifecycle", abstract: "Shows the landing zone's lifecycle rules and their last sweep; --run applies them now.")

  @OptionGroup var connection: GatewayConnection

  @Flag(name: .customLong("run"), help: "Apply the rules now instead of waiting for the schedule.")
  var runNow = false

  /// What a sweep may take at least, whatever --timeout says.
  static let sweepSeconds: Double = 300

  func run() async throws {
    if runNow {
      let options = connection.callOptions(atLeast: Self.sweepSeconds)
      let response = try await connection.withIngestion { ingestion, metadata, _ in
        try await ingestion.runLifecycle(.init(), metadata: metadata, options: options)
      }
      if connection.json { return try ProfileOutput.printJSON(response) }
      print("swept \(IngestOutput.sweep(response.sweep))")
      return
    }
    let response = try await connection.withIngestion { ingestion, metadata, options in
      try await ingestion.getLifecycle(.init(), metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(response) }
    IngestOutput.printLifecycle(response)
  }
}
