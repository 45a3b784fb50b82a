import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension S3Target {
  /// CreateMultipartUpload, UploadPart for every part (``S3Configuration/uploadConcurrency``
  /// at a time, each read from the file only when it is sent), CompleteMultipartUpload with
  /// the parts' ETags, conditional with `ifAbsent`. Any failure aborts the upload so that no
  /// orphaned parts are left to pay for. `checkFirst` makes a conditional upload fail before
  /// uploading anything when the key already exists; the conditional completion decides anyway.
  func uploadInParts(_ key: String, path: String, size: Int64, ifAbsent: Bool, checkFirst: Bool = true)
    async throws(StorageError)
  {
    if ifAbsent && checkFirst, try await head(key) != nil { throw .alreadyExists(target: name, key: key) }
    let partSize = Self.partSize(forFileOf: size, preferred: configuration.partSize)
    let partCount = Int((size + partSize - 1) / partSize)
    let uploadID = try await createMultipartUpload(key)
    do throws(StorageError) {
      let etags = try await uploadParts(key, uploadID: uploadID, path: path, size: size, partSize: partSize, count: partCount)
      try await completeMultipartUpload(key, uploadID: uploadID, etags: etags, ifAbsent: ifAbsent)
    } catch {
      await abortMultipartUpload(key, uploadID: uploadID)
      throw error
    }
  }

  /// The preferred size, or a larger multiple of 1 MiB when the file would need more than
  /// ``S3Configuration/maxPartCount`` parts.
  static func partSize(forFileOf size: Int64, preferred: Int) -> Int64 {
    let mebibyte: Int64 = 1 << 20
    let smallest = (size + Int64(S3Configuration.maxPartCount) - 1) / Int64(S3Configuration.maxPartCount)
    return max(Int64(preferred), (smallest + mebibyte - 1) / mebibyte * mebibyte)
  }

  private func createMultipartUpload(_ key: String) async throws(StorageError) -> String {
    var request = S3Request("CreateMultipartUpload", .POST, key: key, query: [(name: "uploads", value: "")])
    request.headers.add(name: "Content-Type", value: "application/octet-stream")
    // Not idempotent: a lost answer would leave an upload nobody knows about.
    return try await perform(request, retry: .onlyWhenNotApplied) { response throws(S3AttemptFailure) in
      let root = XMLElementNode.parse(try await body(of: response))
      guard let root, root.name == "InitiateMultipartUploadResult", let id = root.value("UploadId"), !id.isEmpty else {
        throw .transport("CreateMultipartUpload answered without an UploadId")
      }
      return id
    }
  }

  private func uploadParts(
    _ key: String, uploadID: String, path: String, size: Int64, partSize: Int64, count: Int
  ) async throws(StorageError) -> [String] {
    var etags = [String](repeating: "", count: count)
    let concurrency = configuration.uploadConcurrency
    let failure = await withTaskGroup(of: Result<(Int, String), StorageError>.self, returning: StorageError?.self) { group in
      var next = 1
      func start(_ number: Int) {
        let offset = Int64(number - 1) * partSize
        let length = Int(min(partSize, size - offset))
        group.addTask {
          do throws(StorageError) {
            return .success(
              (number, try await self.uploadPart(key, uploadID: uploadID, number: number, path: path, offset: offset, length: length)))
          } catch {
            return .failure(error)
          }
        }
      }
      while next <= min(concurrency, count) {
        start(next)
        next += 1
      }
      while let result = await group.next() {
        switch result {
        case .success(let (number, etag)):
          etags[number - 1] = etag
          if next <= count {
            start(next)
            next += 1
          }
        case .failure(let error):
          group.cancelAll()
          return error
        }
      }
      return nil
    }
    if let failure { throw failure }
    return etags
  }

  private func uploadPart(
    _ key: String, uploadID: String, number: Int, path: String, offset: Int64, length: Int
  ) async throws(StorageError) -> String {
    let (data, sha256) = try await BlockingIO.run { () throws(StorageError) -> (Data, String) in
      guard let file = try LocalFile.openForReading(path) else { throw .localFile(path: path, detail: "no such file to upload") }
      let data = try file.read(count: length, at: offset)
      return (data, SigV4Signer.hexSHA256(data))
    }
    var request = S3Request(
      "UploadPart", .PUT, key: key, query: [(name: "partNumber", value: String(number)), (name: "uploadId", value: uploadID)])
    request.body = ByteBuffer(bytes: data)
    request.payloadSHA256 = sha256
    return try await perform(request, retry: .idempotent) { response throws(S3AttemptFailure) in
      _ = try await body(of: response)
      guard let etag = response.headers.first(name: "ETag"), !etag.isEmpty else {
        throw .transport("UploadPart \(number) answered without an ETag")
      }
      return etag
    }
  }

  private func completeMultipartUpload(_ key: String, uploadID: String, etags: [String], ifAbsent: Bool)
    async throws(StorageError)
  {
    let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\($0.element.xmlEscaped)</ETag></Part>" }
    let document =
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\(parts.joined())</CompleteMultipartUpload>"
    var request = S3Request("CompleteMultipartUpload", .POST, key: key, query: [(name: "uploadId", value: uploadID)])
    request.headers.add(name: "Content-Type", value: "application/xml")
    if ifAbsent { request.headers.add(name: "If-None-Match", value: "*") }
    request.setBody(Data(document.utf8))
    let name = self.name
    try await perform(request, retry: ifAbsent ? .onlyWhenNotApplied : .idempotent, accepting: [412]) {
      response throws(S3AttemptFailure) in
      let data = try await body(of: response)
      if response.status == .preconditionFailed { throw .final(.alreadyExists(target: name, key: key)) }
      // S3 may answer 200 and still report a failure in the body.
      if let error = S3ErrorDocument(data) { throw .status(500, code: error.code, message: error.message) }
      // AWS names the root CompleteMultipartUploadResult, moto CompleteMultipartUploadResponse.
      guard let root = XMLElementNode.parse(data), root.name.hasPrefix("CompleteMultipartUpload") else {
        throw .transport("CompleteMultipartUpload answered with something other than a CompleteMultipartUploadResult")
      }
    }
  }

  /// Best effort: a failure is logged, and the store's lifecycle rules remain the backstop.
  private func abortMultipartUpload(_ key: String, uploadID: String) async {
    let request = S3Request("AbortMultipartUpload", .DELETE, key: key, query: [(name: "uploadId", value: uploadID)])
    do {
      try await perform(request, retry: .idempotent) { response throws(S3AttemptFailure) in _ = try await body(of: response) }
    } catch .notFound {
      // NoSuchUpload: the upload was completed after all, or is already gone.
    } catch {
      logger.warning(
        "could not abort a multipart upload",
        metadata: ["target": "\(name)", "key": "\(key)", "upload_id": "\(uploadID)", "error": "\(error)"])
    }
  }
}
