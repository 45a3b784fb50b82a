import Foundation
import NIOHTTP1
import Testing

@testable import BackupStorage

@Suite struct SigV4SignerTests {
  /// The GetObject example of AWS's "Signature Calculations for the Authorization Header"
  /// documentation, with its published signature.
  @Test func matchesAWSsDocumentedExample() throws {
    let credentials = S3Credentials(
      accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    let configuration = S3Configuration(
      endpoint: URL(string: "https://s3.amazonaws.com")!, region: "us-east-1", bucket: "examplebucket",
      credentials: credentials)
    #expect(!configuration.pathStyle, "AWS's own endpoint defaults to virtual-hosted addressing")
    let endpoint = S3Endpoint(configuration)
    #expect(endpoint.host == "examplebucket.s3.amazonaws.com")
    var headers = HTTPHeaders([("Host", endpoint.host), ("Range", "bytes=0-9")])
    SigV4Signer(credentials: credentials, region: "us-east-1").sign(
      method: "GET", encodedPath: endpoint.path(for: "test.txt"), query: [], headers: &headers,
      payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: Date(timeIntervalSince1970: 1_369_353_600))
    #expect(headers.first(name: "x-amz-date") == "20130524T000000Z")
    #expect(
      headers.first(name: "authorization")
        == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
  }

  @Test func encodesKeysOnceAndQueriesCompletely() {
    #expect(SigV4Signer.uriEncodePath("a b/ü+~x_y-z.%") == "a%20b/%C3%BC%2B~x_y-z.%25")
    #expect(
      SigV4Signer.canonicalQuery([
        (name: "prefix", value: "a/b c"), (name: "continuation-token", value: "1/x=="), (name: "uploads", value: ""),
        (name: "list-type", value: "2"),
      ]) == "continuation-token=1%2Fx%3D%3D&list-type=2&prefix=a%2Fb%20c&uploads=")
  }

  @Test(.enabled(if: PythonScripts.hasBotocore, "needs python3 with botocore (pip install boto3); .ci/run installs it"))
  func signaturesEqualBotocores() async throws {
    let timestamp = "20240229T235958Z"
    let date = try #require(ISO8601DateFormatter().date(from: "2024-02-29T23:59:58Z"))
    let specs = referenceRequests.map { $0.specification(timestamp: timestamp) }
    let input = try JSONSerialization.data(withJSONObject: ["timestamp": timestamp, "requests": specs])
    let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("sigv4-\(UUID().uuidString).json")
    try input.write(to: inputFile)
    defer { try? FileManager.default.removeItem(at: inputFile) }

    let output = try await PythonScripts.run("sigv4_reference.py", [inputFile.path])
    let expected = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: String]])
    try #require(expected.count == referenceRequests.count)

    for (request, botocore) in zip(referenceRequests, expected) {
      let ours = request.signedHeaders(date: date)
      let theirs = Dictionary(uniqueKeysWithValues: botocore.map { ($0.key.lowercased(), $0.value) })
      // botocore derives Host from the URL instead of adding it as a header.
      #expect(Set(ours.keys).subtracting(["host"]) == Set(theirs.keys), "\(request.label): header names")
      for (name, value) in theirs {
        #expect(ours[name] == value, "\(request.label): \(name)")
      }
      #expect(theirs["authorization"] != nil, "\(request.label): botocore did not sign")
    }
  }
}

/// One request of the table compared with botocore: the raw parts both sides build it from.
private struct ReferenceRequest {
  var label: String
  var method: String
  var endpoint = "http://127.0.0.1:9000"
  var pathStyle = true
  var bucket = "backup-bucket"
  var key: String?
  var query: [(name: String, value: String)] = []
  var headers: [(String, String)] = []
  var body = Data()
  var region = "us-east-1"
  var credentials = S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

  var configuration: S3Configuration {
    S3Configuration(
      endpoint: URL(string: endpoint)!, region: region, bucket: bucket, credentials: credentials, pathStyle: pathStyle)
  }

  /// Signs through the same addressing and signer that ``S3Target`` sends with.
  func signedHeaders(date: Date) -> [String: String] {
    let endpoint = S3Endpoint(configuration)
    var headers = HTTPHeaders([("Host", endpoint.host)] + self.headers)
    SigV4Signer(credentials: credentials, region: region).sign(
      method: method, encodedPath: endpoint.path(for: key), query: query, headers: &headers,
      payloadSHA256: SigV4Signer.hexSHA256(body), date: date)
    return Dictionary(headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { "\($0),\($1)" })
  }

  func specification(timestamp: String) -> [String: Any] {
    let origin = S3Endpoint(configuration).origin
    var spec: [String: Any] = [
      "method": method, "origin": origin, "params": query.map { [$0.name, $0.value] },
      "headers": Dictionary(uniqueKeysWithValues: headers), "body_base64": body.base64EncodedString(),
      "region": region, "access_key": credentials.accessKeyID, "secret_key": credentials.secretAccessKey,
    ]
    if pathStyle { spec["bucket"] = bucket }
    if let key { spec["key"] = key }
    if let token = credentials.sessionToken { spec["token"] = token }
    return spec
  }
}

private let referenceRequests: [ReferenceRequest] = [
  ReferenceRequest(
    label: "ListObjectsV2 with a continuation token", method: "GET",
    query: [
      (name: "list-type", value: "2"), (name: "prefix", value: "services/profile/"), (name: "max-keys", value: "1000"),
      (name: "continuation-token", value: "1/AbC+dEf/gh=="),
    ]),
  ReferenceRequest(
    label: "conditional PutObject", method: "PUT",
    key: "services/profile/snapshots/20250102T030405.123456Z-1a2b3c4d.snapshot",
    headers: [("Content-Type", "application/octet-stream"), ("If-None-Match", "*")],
    body: Data("sealed snapshot bytes".utf8)),
  ReferenceRequest(
    label: "PutObject of a key with spaces, unicode, '+' and '~'", method: "PUT",
    key: "backups/a b/\u{FC}mlaut+plus~tilde (1)/\u{65E5}\u{672C}.bin",
    headers: [("Content-Type", "application/octet-stream")], body: Data([0, 1, 2, 255])),
  ReferenceRequest(
    label: "GetObject of a key with every printable ASCII character", method: "GET",
    key: "odd/ !\"#$%&'()*+,-.:;<=>?@[\\]^_`{|}~"),
  ReferenceRequest(label: "HeadObject", method: "HEAD", key: "services/profile/segments/0001-0002.segment"),
  ReferenceRequest(label: "DeleteObject", method: "DELETE", key: "services/profile/segments/0001-0002.segment"),
  ReferenceRequest(
    label: "CreateMultipartUpload", method: "POST", key: "big/file.snapshot", query: [(name: "uploads", value: "")],
    headers: [("Content-Type", "application/octet-stream")]),
  ReferenceRequest(
    label: "UploadPart", method: "PUT", key: "big/file.snapshot",
    query: [(name: "partNumber", value: "1"), (name: "uploadId", value: "VXBsb2Fk/SUQ=+~.-_")],
    body: Data(repeating: 0xAB, count: 70_000)),
  ReferenceRequest(
    label: "conditional CompleteMultipartUpload", method: "POST", key: "big/file.snapshot",
    query: [(name: "uploadId", value: "VXBsb2Fk/SUQ=+~.-_")],
    headers: [("Content-Type", "application/xml"), ("If-None-Match", "*")],
    body: Data("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"abc\"</ETag></Part></CompleteMultipartUpload>".utf8)),
  ReferenceRequest(
    label: "header values with runs of spaces", method: "PUT", key: "meta/object",
    headers: [("X-Amz-Meta-Note", "  two   spaces\tand a tab  "), ("Content-Type", "text/plain")],
    body: Data("x".utf8)),
  ReferenceRequest(
    label: "virtual-hosted HTTPS with a session token in another region", method: "GET",
    endpoint: "https://s3.eu-central-1.amazonaws.com", pathStyle: false, bucket: "loyalty-dr-backups",
    key: "services/graph/snapshots/x.snapshot", region: "eu-central-1",
    credentials: S3Credentials(
      accessKeyID: "ASIAEXAMPLETEMPORARY", secretAccessKey: "temporary/secret+key", sessionToken: "FwoGZXIvYXdzE//token+/=")),
  ReferenceRequest(
    label: "ListObjectsV2 on a default port, whole bucket", method: "GET", endpoint: "http://minio.internal:80",
    query: [(name: "list-type", value: "2"), (name: "prefix", value: "")]),
]
