import BackupService
import BackupStorage
import Foundation
import Logging
import LoyaltyRuntime
import Testing

@Suite struct StorageTargetSpecTests {
  func parse(_ text: String) throws(ConfigError) -> StorageTargetSpec {
    try StorageTargetSpec(parsing: text, name: "dr", key: "targets.dr", relativeTo: URL(fileURLWithPath: "/srv/loyalty"))
  }

  func error(_ text: String) -> String? {
    do {
      _ = try parse(text)
      return nil
    } catch {
      #expect(error.key == "targets.dr")
      return error.message
    }
  }

  @Test func foldersMayBeAbsoluteRelativeOrPrefixed() throws {
    #expect(try parse("/var/backups").location == .directory(URL(fileURLWithPath: "/var/backups", isDirectory: true)))
    #expect(try parse("dir:/var/backups").location == .directory(URL(fileURLWithPath: "/var/backups", isDirectory: true)))
    #expect(try parse("file:///var/backups").location == .directory(URL(fileURLWithPath: "/var/backups", isDirectory: true)))
    #expect(try parse("backups/dr").location == .directory(URL(fileURLWithPath: "/srv/loyalty/backups/dr", isDirectory: true)))
  }

  @Test func bucketsTakeEndpointRegionAndAddressing() throws {
    let moto = try parse("s3://backups?endpoint=http://127.0.0.1:5000&region=eu-west-1&path-style=true")
    #expect(moto.location == .s3(endpoint: URL(string: "http://127.0.0.1:5000")!, region: "eu-west-1", bucket: "backups", pathStyle: true))
    let aws = try parse("s3://loyalty-dr?region=us-west-2")
    #expect(aws.location == .s3(endpoint: URL(string: "https://s3.us-west-2.amazonaws.com")!, region: "us-west-2", bucket: "loyalty-dr", pathStyle: nil))
    #expect(aws.description.contains("s3://loyalty-dr"))
  }

  @Test func malformedTargetsAreRefusedWithTheReason() {
    #expect(error("")?.contains("empty") == true)
    #expect(error("s3://")?.contains("s3://BUCKET") == true)
    #expect(error("s3://bucket/prefix")?.contains("no path") == true)
    #expect(error("s3://bucket?secret=x")?.contains("unknown setting 'secret'") == true)
    #expect(error("s3://bucket?endpoint=ftp://host")?.contains("http(s)") == true)
    #expect(error("s3://bucket?path-style=maybe")?.contains("true or false") == true)
    #expect(error("gs://bucket")?.contains("neither a folder nor s3://") == true)
  }

  @Test func bucketsNeedCredentialsFromTheEnvironmentNeverFromTheSpecification() async throws {
    let spec = try parse("s3://backups?endpoint=http://127.0.0.1:5000")
    #expect(throws: ConfigError.self) { try spec.open(environment: [:], logger: Logger(label: "test")) }
    do {
      _ = try spec.open(environment: [:], logger: Logger(label: "test"))
    } catch {
      #expect(error.message.contains("AWS_ACCESS_KEY_ID"))
    }
    let target = try spec.open(
      environment: ["AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"], logger: Logger(label: "test"))
    #expect(target.name == "dr")
    try await (target as? S3Target)?.shutdown()
  }
}
