import BackupStorage
import Foundation
import Logging
import TestSupport
import Testing


/// moto's server mode with one bucket, for the S3 target tests.
///
/// Unauthenticated, moto accepts any signature. Authenticated, it recomputes each request's
/// signature with botocore and refuses mismatches; but it recomputes from the decoded path and
/// query, so it also refuses correct signatures of keys with `+` or non-ASCII characters and
/// of prefixes with `/` (boto3's own requests included). Requests meant to prove signatures
/// against it must avoid those.
final class MotoServer {
  let moto: MotoProcess
  let bucket: String
  let credentials: S3Credentials

  var port: Int { moto.port }
  var endpoint: URL { moto.endpoint }

  private init(moto: MotoProcess, bucket: String, credentials: S3Credentials) {
    self.moto = moto
    self.bucket = bucket
    self.credentials = credentials
  }

  /// A configuration for the bucket with small parts and pages, and quick retries.
  func configuration(credentials: S3Credentials? = nil, bucket: String? = nil) -> S3Configuration {
    var configuration = S3Configuration(
      endpoint: endpoint, region: "us-east-1", bucket: bucket ?? self.bucket, credentials: credentials ?? self.credentials)
    configuration.retryBaseDelay = .milliseconds(20)
    configuration.connectTimeout = .seconds(5)
    configuration.idleTimeout = .seconds(30)
    return configuration
  }

  /// Starts moto and creates the bucket; `authenticated` also creates an IAM user allowed
  /// everything in S3 and turns signature checks on, and the server's credentials are that
  /// user's.
  static func start(authenticated: Bool, bucket: String = "backup-tests") async throws -> MotoServer {
    let moto = try await MotoProcess.start()
    do {
      let credentials = try await setUp(endpoint: moto.endpoint.absoluteString, bucket: bucket, authenticated: authenticated)
      return MotoServer(moto: moto, bucket: bucket, credentials: credentials)
    } catch {
      moto.stop()
      throw error
    }
  }

  func stop() {
    moto.stop()
  }

  private static func setUp(endpoint: String, bucket: String, authenticated: Bool) async throws -> S3Credentials {
    guard authenticated else {
      _ = try await PythonScripts.run("moto_s3_setup.py", [endpoint, bucket])
      return S3Credentials(accessKeyID: "AKIAMOTOEXAMPLE00000", secretAccessKey: "not-checked-without-authentication")
    }
    let output = try await PythonScripts.run("moto_s3_setup.py", [endpoint, bucket, "--authenticate"])
    let keys = try JSONDecoder().decode([String: String].self, from: output)
    return S3Credentials(accessKeyID: keys["access_key_id"] ?? "", secretAccessKey: keys["secret_access_key"] ?? "")
  }
}

/// Runs `body` with a fresh moto server, which is stopped afterwards whatever happens.
func withMotoServer<Value>(
  authenticated: Bool = false, _ body: (MotoServer) async throws -> Value
) async throws -> Value {
  let server = try await MotoServer.start(authenticated: authenticated)
  do {
    let value = try await body(server)
    server.stop()
    return value
  } catch {
    server.stop()
    throw error
  }
}

/// Runs `body` with an S3 target for the server's bucket, shut down afterwards.
func withS3Target<Value>(
  _ configuration: S3Configuration, name: String = "moto", logger: Logger = Logger(label: "test"),
  _ body: (S3Target) async throws -> Value
) async throws -> Value {
  let target = try S3Target(name: name, configuration: configuration, logger: logger)
  do {
    let value = try await body(target)
    try await target.shutdown()
    return value
  } catch {
    try? await target.shutdown()
    throw error
  }
}
