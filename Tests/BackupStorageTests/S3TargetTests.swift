import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

@testable import BackupStorage

@Suite struct S3TargetTests {
  static let motoMissing = "needs moto's server mode and boto3 (pip install 'moto[server]' boto3); .ci/run installs them"

  @Test func addressesPathStyleAndVirtualHostedBuckets() {
    let credentials = S3Credentials(accessKeyID: "a", secretAccessKey: "s")
    let local = S3Endpoint(
      S3Configuration(endpoint: URL(string: "http://127.0.0.1:9000")!, region: "r", bucket: "bkt", credentials: credentials))
    #expect(local.pathStyle, "a custom endpoint defaults to path-style addressing")
    #expect(local.host == "127.0.0.1:9000")
    #expect(local.path(for: "a b/c+d") == "/bkt/a%20b/c%2Bd")
    #expect(local.path(for: nil) == "/bkt")
    #expect(
      local.url(path: "/bkt/k", query: [(name: "uploads", value: "")]) == "http://127.0.0.1:9000/bkt/k?uploads")
    #expect(
      local.url(path: "/bkt", query: [(name: "prefix", value: "a/b"), (name: "list-type", value: "2")])
        == "http://127.0.0.1:9000/bkt?prefix=a%2Fb&list-type=2")

    let aws = S3Endpoint(.aws(region: "eu-west-1", bucket: "bkt", credentials: credentials))
    #expect(aws.host == "bkt.s3.eu-west-1.amazonaws.com")
    #expect(aws.path(for: "k") == "/k")
    #expect(aws.path(for: nil) == "/")

    let defaultPort = S3Endpoint(
      S3Configuration(endpoint: URL(string: "HTTPS://Store.Example:443")!, region: "r", bucket: "bkt", credentials: credentials))
    #expect(defaultPort.host == "store.example")
    #expect(defaultPort.origin == "https://store.example")
  }

  @Test func refusesConfigurationsThatCannotWork() {
    let credentials = S3Credentials(accessKeyID: "a", secretAccessKey: "s")
    func problem(_ change: (inout S3Configuration) -> Void) -> String? {
      var configuration = S3Configuration(
        endpoint: URL(string: "http://127.0.0.1:9000")!, region: "us-east-1", bucket: "backups", credentials: credentials)
      change(&configuration)
      do {
        try configuration.validate()
        return nil
      } catch {
        return error.description
      }
    }
    #expect(problem { _ in } == nil)
    #expect(problem { $0.endpoint = URL(string: "ftp://host")! }?.contains("http:// or https://") == true)
    #expect(problem { $0.endpoint = URL(string: "http://host/prefix")! }?.contains("scheme://host[:port] only") == true)
    #expect(problem { $0.bucket = "Upper_Case" }?.contains("not a valid bucket name") == true)
    #expect(problem { $0.bucket = "ab" }?.contains("not a valid bucket name") == true)
    #expect(problem { $0.partSize = 1 << 20 }?.contains("partSize") == true)
    #expect(problem { $0.credentials = S3Credentials(accessKeyID: "", secretAccessKey: "s") }?.contains("access key") == true)
    #expect(problem { $0.listPageSize = 0 }?.contains("listPageSize") == true)
    #expect(throws: S3ConfigurationError.self) {
      let configuration = S3Configuration(
        endpoint: URL(string: "http://127.0.0.1:9000")!, region: "", bucket: "backups", credentials: credentials)
      _ = try S3Target(name: "bad", configuration: configuration)
    }
  }

  @Test func partsGrowWhenAFileWouldNeedTooMany() {
    #expect(S3Target.partSize(forFileOf: 100 << 20, preferred: 8 << 20) == 8 << 20)
    let huge: Int64 = 200 << 30  // 200 GiB at 8 MiB would be 25 600 parts
    let size = S3Target.partSize(forFileOf: huge, preferred: 8 << 20)
    #expect((huge + size - 1) / size <= Int64(S3Configuration.maxPartCount))
    #expect(size % (1 << 20) == 0)
  }

  @Test func anUnreachableStoreIsUnavailableAfterBoundedRetries() async throws {
    // A port nothing listens on: connections are refused at once.
    var configuration = S3Configuration(
      endpoint: URL(string: "http://127.0.0.1:\(try freeLoopbackPort())")!, region: "us-east-1", bucket: "backups",
      credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "s"))
    configuration.maxRetries = 2
    configuration.retryBaseDelay = .milliseconds(10)
    configuration.connectTimeout = .seconds(2)
    let log = RecordingLogHandler.Records()
    var logger = Logger(label: "test") { _ in RecordingLogHandler(records: log) }
    logger.logLevel = .debug
    let started = ContinuousClock.now
    try await withS3Target(configuration, name: "unreachable", logger: logger) { target in
      // Idempotent requests are retried maxRetries times; a conditional write is not, since a
      // lost answer could hide its success.
      let operations: [(String, Int, () async throws(StorageError) -> Void)] = [
        ("GetObject", 2, { () async throws(StorageError) in _ = try await target.get("k") }),
        ("HeadObject", 2, { () async throws(StorageError) in _ = try await target.head("k") }),
        ("ListObjectsV2", 2, { () async throws(StorageError) in _ = try await target.list(prefix: "") }),
        ("DeleteObject", 2, { () async throws(StorageError) in try await target.delete("k") }),
        ("PutObject", 0, { () async throws(StorageError) in try await target.put("k", data: Data(), ifAbsent: true) }),
      ]
      for (operation, retries, call) in operations {
        do throws(StorageError) {
          try await call()
          Issue.record("\(operation) reached a store that does not exist")
        } catch {
          guard case .unavailable(let name, let detail) = error else {
            Issue.record("\(operation): expected unavailable, got \(error)")
            continue
          }
          #expect(name == "unreachable")
          #expect(detail.contains(operation), "\(detail)")
        }
        #expect(log.retries(of: operation) == retries, "\(operation) retries")
      }
    }
    // Bounded: retries end long before a client would give up, even on a busy machine.
    #expect(ContinuousClock.now - started < .seconds(45))
  }

  @Test(.enabled(if: PythonScripts.hasMoto, .init(rawValue: motoMissing)))
  func keepsEveryStorageTargetPromiseAgainstMoto() async throws {
    try await withMotoServer { moto in
      var configuration = moto.configuration()
      configuration.listPageSize = 2  // every listing follows continuation tokens
      try await withS3Target(configuration) { target in
        try await withScratchFolder { scratch in
          try await StorageTargetChecks.all(target, scratch: scratch)
        }
      }
      try await withS3Target(moto.configuration(bucket: "no-such-bucket")) { target in
        do throws(StorageError) {
          _ = try await target.get("k")
          Issue.record("read from a missing bucket")
        } catch {
          guard case .refused(_, 404, let detail) = error else { throw error }
          #expect(detail.contains("NoSuchBucket"), "\(detail)")
        }
      }
    }
  }

  @Test(.enabled(if: PythonScripts.hasMoto, .init(rawValue: motoMissing)))
  func uploadsLargeFilesInPartsAgainstMoto() async throws {
    try await withMotoServer { moto in
      var configuration = moto.configuration()
      configuration.partSize = S3Configuration.minimumPartSize
      configuration.multipartThreshold = S3Configuration.minimumPartSize
      configuration.uploadConcurrency = 2
      try await withS3Target(configuration) { target in
        try await withScratchFolder { scratch in
          let size = 2 * S3Configuration.minimumPartSize + 12_345
          try await StorageTargetChecks.streamsFiles(target, scratch: scratch, size: size)
          let key = "files/upload-\(size).bin"
          let source = scratch.appendingPathComponent("upload-\(size).bin")

          // S3 marks a multipart object's ETag with its number of parts.
          let etag = try await rawHead(target, key).first(name: "ETag")
          #expect(etag?.hasSuffix("-3\"") == true, "ETag \(etag ?? "none") is not that of a 3-part upload")
          #expect(try await target.get(key) == Data(contentsOf: source))
          #expect(try await target.list(prefix: "files/").map(\.size) == [Int64(size)])

          // The completion itself is conditional, even when the early check is skipped.
          await #expect(throws: StorageError.alreadyExists(target: target.name, key: key)) {
            try await target.uploadInParts(key, path: source.path, size: Int64(size), ifAbsent: true, checkFirst: false)
          }
          #expect(try await openUploads(target) == 0, "the refused upload was not aborted")
          #expect(try await target.get(key) == Data(contentsOf: source))

          try await target.putFile(key, from: source, ifAbsent: false)
          #expect(try await target.head(key)?.size == Int64(size), "a plain multipart upload replaces the object")
        }
      }
    }
  }

  @Test(.enabled(if: PythonScripts.hasMoto, .init(rawValue: motoMissing)))
  func motoAcceptsTheSignaturesAndRefusesAWrongSecret() async throws {
    try await withMotoServer(authenticated: true) { moto in
      var configuration = moto.configuration()
      configuration.partSize = S3Configuration.minimumPartSize
      configuration.multipartThreshold = S3Configuration.minimumPartSize
      try await withS3Target(configuration) { target in
        try await withScratchFolder { scratch in
          try await target.put("signed/small object", data: Data("signed".utf8), ifAbsent: true)
          #expect(try await target.get("signed/small object") == Data("signed".utf8))
          #expect(try await target.head("signed/small object")?.size == 6)
          await #expect(throws: StorageError.alreadyExists(target: target.name, key: "signed/small object")) {
            try await target.put("signed/small object", data: Data(), ifAbsent: true)
          }
          let file = scratch.appendingPathComponent("large")
          try randomData(S3Configuration.minimumPartSize + 1).write(to: file)
          try await target.putFile("signed/large", from: file, ifAbsent: true)
          #expect(try await target.list(prefix: "signed").map(\.key) == ["signed/large", "signed/small object"])
          try await target.delete("signed/large")
          #expect(try await target.head("signed/large") == nil)
        }
      }

      var wrongSecret = moto.configuration()
      wrongSecret.credentials.secretAccessKey += "x"
      var unknownKey = moto.configuration()
      unknownKey.credentials = S3Credentials(accessKeyID: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: "whatever")
      for (configuration, code) in [(wrongSecret, "SignatureDoesNotMatch"), (unknownKey, "InvalidAccessKeyId")] {
        try await withS3Target(configuration) { target in
          do throws(StorageError) {
            try await target.put("signed/forged", data: Data("x".utf8), ifAbsent: false)
            Issue.record("a request signed with the wrong key was accepted")
          } catch {
            guard case .refused(_, 403, let detail) = error else {
              Issue.record("expected a 403 refusal, got \(error)")
              return
            }
            #expect(detail.contains(code), "\(detail)")
          }
        }
      }
    }
  }

  private func rawHead(_ target: S3Target, _ key: String) async throws -> HTTPHeaders {
    try await target.perform(S3Request("HeadObject", .HEAD, key: key), retry: .idempotent) {
      response throws(S3AttemptFailure) in response.headers
    }
  }

  /// How many multipart uploads of the bucket are started and neither completed nor aborted.
  private func openUploads(_ target: S3Target) async throws -> Int {
    let request = S3Request("ListMultipartUploads", .GET, key: nil, query: [(name: "uploads", value: "")])
    let data = try await target.perform(request, retry: .idempotent) { response throws(S3AttemptFailure) in
      try await target.body(of: response)
    }
    let root = try #require(XMLElementNode.parse(data))
    #expect(root.name == "ListMultipartUploadsResult")
    return root.children(named: "Upload").count
  }
}

/// Keeps every log message, to count what the target did.
private struct RecordingLogHandler: LogHandler {
  final class Records: Sendable {
    let entries = Mutex<[(message: String, metadata: Logger.Metadata)]>([])

    /// How many "retrying" messages name `operation`.
    func retries(of operation: String) -> Int {
      entries.withLock { entries in
        entries.filter { $0.message == "retrying S3 request" && $0.metadata["operation"] == "\(operation)" }.count
      }
    }
  }

  let records: Records
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    let merged = metadata.merging(event.metadata ?? [:]) { $1 }
    records.entries.withLock { $0.append((event.message.description, merged)) }
  }
}
