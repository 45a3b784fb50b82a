import Foundation

/// Where the requests for one bucket go: the URL prefix, the `Host` header and the path of
/// each object, in path-style (`host/bucket/key`) or virtual-hosted (`bucket.host/key`) form.
struct S3Endpoint: Sendable {
  /// `scheme://host[:port]`, without a trailing slash.
  let origin: String
  /// The `Host` header: host and port, the port only when it is not the scheme's default.
  let host: String
  let bucket: String
  let pathStyle: Bool

  init(_ configuration: S3Configuration) {
    let scheme = (configuration.endpoint.scheme ?? "https").lowercased()
    var host = (configuration.endpoint.host ?? "").lowercased()
    if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }  // IPv6 literal
    if !configuration.pathStyle { host = "\(configuration.bucket).\(host)" }
    if let port = configuration.endpoint.port, port != (scheme == "https" ? 443 : 80) { host += ":\(port)" }
    self.origin = "\(scheme)://\(host)"
    self.host = host
    self.bucket = configuration.bucket
    self.pathStyle = configuration.pathStyle
  }

  /// The encoded path of an object, or of the bucket itself when `key` is nil.
  func path(for key: String?) -> String {
    let bucketPath = pathStyle ? "/\(bucket)" : ""
    guard let key else { return pathStyle ? bucketPath : "/" }
    return "\(bucketPath)/\(SigV4Signer.uriEncodePath(key))"
  }

  /// The full URL as sent: a parameter without value is written as its bare name (`?uploads`).
  func url(path: String, query: [(name: String, value: String)]) -> String {
    guard !query.isEmpty else { return origin + path }
    let parameters = query.map {
      let name = SigV4Signer.uriEncode($0.name, encodeSlash: true)
      return $0.value.isEmpty ? name : "\(name)=\(SigV4Signer.uriEncode($0.value, encodeSlash: true))"
    }
    return "\(origin)\(path)?\(parameters.joined(separator: "&"))"
  }
}
