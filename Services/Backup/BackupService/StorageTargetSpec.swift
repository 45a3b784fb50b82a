import BackupStorage
import Foundation
import Logging
import LoyaltyRuntime

/// Where a storage target lives, as written in configuration:
///
/// - a folder: `/var/backups/loyalty`, `./backups` or `dir:/var/backups/loyalty`;
/// - an S3-compatible bucket: `s3://BUCKET?endpoint=http://127.0.0.1:9000&region=us-east-1`
///   (`endpoint` defaults to AWS's regional endpoint; `path-style=false` asks for
///   virtual-hosted addressing). Credentials come from `AWS_ACCESS_KEY_ID`,
///   `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, never from the specification.
public struct StorageTargetSpec: Sendable, Hashable, CustomStringConvertible {
  public enum Location: Sendable, Hashable {
    case directory(URL)
    case s3(endpoint: URL, region: String, bucket: String, pathStyle: Bool?)
  }

  public var name: String
  public var location: Location

  public init(name: String, location: Location) {
    self.name = name
    self.location = location
  }

  /// - Parameter key: the configuration key, named in errors (e.g. `targets.dr`).
  public init(parsing text: String, name: String, key: String, relativeTo base: URL? = nil) throws(ConfigError) {
    self.name = name
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { throw ConfigError(key: key, message: "empty target") }
    if trimmed.hasPrefix("s3://") {
      guard let components = URLComponents(string: trimmed), let bucket = components.host, !bucket.isEmpty else {
        throw ConfigError(key: key, message: "'\(trimmed)' is not s3://BUCKET?endpoint=URL&region=REGION")
      }
      guard components.path.isEmpty || components.path == "/" else {
        throw ConfigError(key: key, message: "'\(trimmed)': a bucket takes no path; objects are stored under backups/")
      }
      var query: [String: String] = [:]
      for item in components.queryItems ?? [] {
        guard ["endpoint", "region", "path-style"].contains(item.name) else {
          throw ConfigError(key: key, message: "'\(trimmed)': unknown setting '\(item.name)' (endpoint, region, path-style)")
        }
        query[item.name] = item.value ?? ""
      }
      let region = query["region"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
      let endpointText = query["endpoint"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://s3.\(region).amazonaws.com"
      guard let endpoint = URL(string: endpointText), ["http", "https"].contains(endpoint.scheme ?? ""), endpoint.host != nil else {
        throw ConfigError(key: key, message: "'\(endpointText)' is not an http(s) endpoint")
      }
      var pathStyle: Bool?
      if let text = query["path-style"] {
        guard let value = Bool(text) else { throw ConfigError(key: key, message: "path-style must be true or false, not '\(text)'") }
        pathStyle = value
      }
      location = .s3(endpoint: endpoint, region: region, bucket: bucket, pathStyle: pathStyle)
      return
    }
    var path = trimmed
    if path.hasPrefix("dir:") { path.removeFirst(4) }
    if path.hasPrefix("file://") { path.removeFirst(7) }
    guard !path.isEmpty, !path.contains("://") else {
      throw ConfigError(key: key, message: "'\(trimmed)' is neither a folder nor s3://BUCKET")
    }
    let url = path.hasPrefix("/") ? URL(fileURLWithPath: path, isDirectory: true)
      : (base ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).appendingPathComponent(path, isDirectory: true)
    location = .directory(url.standardizedFileURL)
  }

  public var description: String {
    switch location {
    case .directory(let url): "\(name) (directory \(url.path))"
    case .s3(let endpoint, let region, let bucket, _): "\(name) (s3://\(bucket) at \(endpoint.absoluteString), \(region))"
    }
  }

  /// Opens the target. S3 credentials are read from `environment` now.
  public func open(environment: [String: String], logger: Logger) throws(ConfigError) -> any StorageTarget {
    switch location {
    case .directory(let url):
      do {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
      } catch {
        throw ConfigError(key: "targets.\(name)", message: "cannot create \(url.path): \(error.localizedDescription)")
      }
      return DirectoryTarget(name: name, root: url)
    case .s3(let endpoint, let region, let bucket, let pathStyle):
      guard let accessKey = environment["AWS_ACCESS_KEY_ID"], !accessKey.isEmpty,
        let secretKey = environment["AWS_SECRET_ACCESS_KEY"], !secretKey.isEmpty
      else {
        throw ConfigError(
          key: "targets.\(name)", message: "s3://\(bucket) needs credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
      }
      let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
      let configuration = S3Configuration(
        endpoint: endpoint, region: region, bucket: bucket,
        credentials: S3Credentials(accessKeyID: accessKey, secretAccessKey: secretKey, sessionToken: token), pathStyle: pathStyle)
      do {
        return try S3Target(name: name, configuration: configuration, logger: logger)
      } catch {
        throw ConfigError(key: "targets.\(name)", message: "\(error)")
      }
    }
  }
}
