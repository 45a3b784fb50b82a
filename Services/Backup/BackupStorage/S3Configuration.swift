import Foundation

/// The access key an S3 request is signed with.
public struct S3Credentials: Sendable, Hashable {
  public var accessKeyID: String
  public var secretAccessKey: String
  /// Set with temporary credentials (STS); sent as `X-Amz-Security-Token`.
  public var sessionToken: String?

  public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
    self.accessKeyID = accessKeyID
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
  }
}

/// Where and how ``S3Target`` reaches its bucket.
public struct S3Configuration: Sendable {
  /// `http(s)://host[:port]` of the store, e.g. `https://s3.eu-west-1.amazonaws.com` or
  /// `http://127.0.0.1:9000` (MinIO, Ceph RGW, moto). No path, query or user.
  public var endpoint: URL
  public var region: String
  public var bucket: String
  public var credentials: S3Credentials
  /// `http://host/bucket/key` when true, `http://bucket.host/key` (virtual-hosted) when false.
  public var pathStyle: Bool
  /// `putFile` uploads files larger than this in parts.
  public var multipartThreshold: Int
  /// The size of each part (the last is smaller); raised automatically when a file would need
  /// more than ``maxPartCount`` parts. S3 requires 5 MiB to 5 GiB.
  public var partSize: Int
  /// How many parts of one file are uploaded at the same time (each holds a part in memory).
  public var uploadConcurrency: Int
  /// How many keys one ListObjectsV2 request asks for (1–1000); `list` follows the
  /// continuation tokens until it has them all.
  public var listPageSize: Int
  /// How long establishing a connection may take.
  public var connectTimeout: Duration
  /// How long the store may stay silent while a request or response is in flight.
  public var idleTimeout: Duration
  /// How many times a failed idempotent request is retried (with exponential backoff) while
  /// the store is unavailable (connection failure, timeout, HTTP 5xx).
  public var maxRetries: Int
  /// The first retry waits this long; each further one twice as long (with jitter).
  public var retryBaseDelay: Duration

  public static let minimumPartSize = 5 << 20
  public static let maximumPartSize = 5 << 30
  public static let maxPartCount = 10_000

  /// Every other setting starts at its default: path-style addressing unless the endpoint is
  /// AWS's own (`*.amazonaws.com`), 8 MiB parts above an 8 MiB threshold, 4 parts at a time,
  /// 1000 keys per listing page, 10 s to connect, 60 s idle, 3 retries starting at 200 ms.
  public init(
    endpoint: URL, region: String, bucket: String, credentials: S3Credentials, pathStyle: Bool? = nil
  ) {
    self.endpoint = endpoint
    self.region = region
    self.bucket = bucket
    self.credentials = credentials
    self.pathStyle = pathStyle ?? !(endpoint.host?.lowercased().hasSuffix(".amazonaws.com") ?? false)
    self.multipartThreshold = 8 << 20
    self.partSize = 8 << 20
    self.uploadConcurrency = 4
    self.listPageSize = 1000
    self.connectTimeout = .seconds(10)
    self.idleTimeout = .seconds(60)
    self.maxRetries = 3
    self.retryBaseDelay = .milliseconds(200)
  }

  /// AWS S3 in `region`, virtual-hosted addressing.
  public static func aws(region: String, bucket: String, credentials: S3Credentials) -> S3Configuration {
    S3Configuration(
      endpoint: URL(string: "https://s3.\(region).amazonaws.com")!, region: region, bucket: bucket,
      credentials: credentials, pathStyle: false)
  }

  /// Throws naming the first setting that cannot work.
  public func validate() throws(S3ConfigurationError) {
    guard let scheme = endpoint.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
      throw S3ConfigurationError("endpoint '\(endpoint.absoluteString)' must start with http:// or https://")
    }
    guard let host = endpoint.host, !host.isEmpty else {
      throw S3ConfigurationError("endpoint '\(endpoint.absoluteString)' has no host")
    }
    if !(endpoint.path.isEmpty || endpoint.path == "/") || endpoint.query != nil || endpoint.user != nil {
      throw S3ConfigurationError("endpoint '\(endpoint.absoluteString)' must be scheme://host[:port] only")
    }
    if region.isEmpty { throw S3ConfigurationError("region is empty") }
    if !Self.isValidBucketName(bucket) {
      throw S3ConfigurationError(
        "bucket '\(bucket)' is not a valid bucket name (3-63 characters: lowercase letters, digits, '.', '-')")
    }
    if !pathStyle && bucket.contains(".") && scheme == "https" {
      throw S3ConfigurationError(
        "bucket '\(bucket)' contains '.', which breaks TLS with virtual-hosted addressing; use path style")
    }
    if credentials.accessKeyID.isEmpty || credentials.secretAccessKey.isEmpty {
      throw S3ConfigurationError("the access key id and the secret access key must both be set")
    }
    if !(Self.minimumPartSize...Self.maximumPartSize).contains(partSize) {
      throw S3ConfigurationError("partSize \(partSize) is outside 5 MiB...5 GiB")
    }
    if multipartThreshold < 1 { throw S3ConfigurationError("multipartThreshold must be positive") }
    if multipartThreshold > Self.maximumPartSize {
      throw S3ConfigurationError("multipartThreshold \(multipartThreshold) is above 5 GiB, the largest single upload")
    }
    if uploadConcurrency < 1 { throw S3ConfigurationError("uploadConcurrency must be at least 1") }
    if !(1...1000).contains(listPageSize) { throw S3ConfigurationError("listPageSize \(listPageSize) is outside 1...1000") }
    if maxRetries < 0 { throw S3ConfigurationError("maxRetries must not be negative") }
    if connectTimeout <= .zero || idleTimeout <= .zero {
      throw S3ConfigurationError("connectTimeout and idleTimeout must be positive")
    }
  }

  static func isValidBucketName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard (3...63).contains(bytes.count) else { return false }
    let allowed = bytes.allSatisfy {
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
        || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
    }
    let edgesAlphanumeric = [bytes.first!, bytes.last!].allSatisfy { $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "-") }
    return allowed && edgesAlphanumeric && !name.contains("..")
  }
}

/// A setting of ``S3Configuration`` that cannot work, with what is wrong.
public struct S3ConfigurationError: Error, CustomStringConvertible, Equatable {
  public var description: String
  public init(_ description: String) { self.description = description }
}
