import Foundation
import GRPCCore
import IngestionCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// loyalty.ingestion.v1: the landing zone and the pipeline's runs. Curators, admins and
/// internal services only.
public struct IngestionAPIService: Loyalty_Ingestion_V1_IngestionService.SimpleServiceProtocol {
  static let allowed: Set<Role> = [.curator, .admin, .service]
  static let chunkSize = 64 * 1024
  static let maxNotesBytes = 4_096

  let store: IngestionStore
  let runner: PipelineRunner
  let events: RunEvents
  let lifecycle: LifecycleSweeper
  let maxDocumentBytes: Int
  let logger: Logger

  // MARK: Landing zone

  public func uploadDocument(
    request: RPCAsyncSequence<Loyalty_Ingestion_V1_UploadDocumentRequest, any Error>,
    context: ServerContext
  ) async throws -> Loyalty_Ingestion_V1_UploadDocumentResponse {
    let principal = try Authorization.require(Self.allowed, for: "UploadDocument")
    var header: Loyalty_Ingestion_V1_UploadHeader?
    var content = Data()
    for try await message in request {
      switch message.part {
      case .header(let received):
        guard header == nil else { throw IngestionError.invalidArgument(field: "header", reason: "sent more than once") }
        try UploadRules.check(received)
        header = received
      case .chunk(let chunk):
        guard header != nil else { throw IngestionError.invalidArgument(field: "header", reason: "must come before the content") }
        guard content.count + chunk.count <= maxDocumentBytes else { throw IngestionError.tooLarge(limit: maxDocumentBytes) }
        content.append(chunk)
      case nil:
        throw IngestionError.invalidArgument(field: "part", reason: "a message must hold a header or a chunk")
      }
    }
    guard let header else { throw IngestionError.invalidArgument(field: "header", reason: "is required") }
    guard !content.isEmpty else {
      throw IngestionError.invalidArgument(field: "chunk", reason: "the file is empty")
    }
    let type: DocumentType
    do {
      type = try DocumentInspector.inspect(
        content, declaredContentType: header.contentType.isEmpty ? nil : header.contentType,
        fileName: header.fileName.isEmpty ? nil : header.fileName)
    } catch {
      throw IngestionError.invalidArgument(field: "chunk", reason: error.description)
    }
    let stored = try await run {
      try await store.store(
        .init(
          key: header.key, content: content, type: type, sourceURL: header.sourceURL, notes: header.notes,
          uploadedBy: principal.subject))
    }
    runner.wake()
    events.publish(stored.run)
    logger.withCurrentRequest.notice(
      "document uploaded",
      metadata: [
        "key": "\(header.key)", "version": "\(stored.version.versionID)", "bytes": "\(content.count)", "type": "\(type.rawValue)",
        "deduplicated": "\(stored.deduplicated)", "run": "\(stored.run.runID)",
      ])
    return .with {
      $0.version = stored.version.message(isCurrent: true)
      $0.deduplicated = stored.deduplicated
      $0.run = stored.run.message
    }
  }

  public func listVersions(
    request: Loyalty_Ingestion_V1_ListVersionsRequest, context: ServerContext
  ) async throws -> Loyalty_Ingestion_V1_ListVersionsResponse {
    try Authorization.require(Self.allowed, for: "ListVersions")
    try UploadRules.checkKey(request.key, allowingStageOutputs: true)
    let versions = try await run { try await store.versions(of: request.key) }
    guard !versions.isEmpty else { throw IngestionError.documentNotFound(key: request.key, versionID: nil) }
    return .with { $0.versions = versions.enumerated().map { $1.message(isCurrent: $0 == 0) } }
  }

  public func listDocuments(
    request: Loyalty_Ingestion_V1_ListDocumentsRequest, context: ServerContext
  ) async throws -> Loyalty_Ingestion_V1_ListDocumentsResponse {
    try Authorization.require(Self.allowed, for: "ListDocuments")
    let limit = try Self.pageSize(request.pageSize)
    let documents = try await run {
      try await store.currentVersions(
        prefix: request.prefix, includeDeleted: request.includeDeleted, includeStageOutputs: request.includeStageOutputs,
        afterKey: request.pageToken, limit: limit + 1)
    }
    return .with {
      $0.documents = documents.prefix(limit).map { $0.message(isCurrent: true) }
      if documents.count > limit, let last = documents.prefix(limit).last { $0.nextPageToken = last.key }
    }
  }

  public func getDocument(
    request: Loyalty_Ingestion_V1_GetDocumentRequest, response: RPCWriter<Loyalty_Ingestion_V1_GetDocumentResponse>,
    context: ServerContext
  ) async throws {
    try Authorization.require(Self.allowed, for: "GetDocument")
    try UploadRules.checkKey(request.key, allowingStageOutputs: true)
    let (version, content) = try await run {
      try await store.document(key: request.key, versionID: request.versionID.isEmpty ? nil : request.versionID)
    }
    let current = try await run { try await store.versions(of: request.key).first?.versionID }
    try await response.write(.with { $0.version = version.message(isCurrent: current == version.versionID) })
    var offset = 0
    while offset < content.count {
      let end = min(offset + Self.chunkSize, content.count)
      try await response.write(.with { $0.chunk = content.subdata(in: offset..<end) })
      offset = end
    }
  }

  public func deleteDocument(
    request: Loyalty_Ingestion_V1_DeleteDocumentRequest, context: ServerContext
  ) async throws -> Loyalty_Ingestion_V1_DeleteDocumentResponse {
    let principal = try Authorization.require(Self.allowed, for: "DeleteDocument")
    try UploadRules.checkKey(request.key, allowingStageOutputs: false)
    let marker = try await run { try await store.delete(key: request.key, by: principal.subject) }
    return .with { $0.deleteMarker = marker.message(isCurrent: true) }
  }

  public func getLifecycle(
    request: Loyalty_Ingestion_V1_GetLifecycleRequest, context: ServerContext
  ) async throws -> Loyalty_Ingestion_V1_GetLifecycleResponse {
    try Authorization.require(Self.allowed, for: "GetLifecycle")
    let rules = lifecycle.rules
    return .with {
      $0.rules = .with {
        $0.keepNoncurrentVersions = Int32(clamping: rules.keepNoncurrentVersions)
        $0.noncurrentExpirationDays = Int32(clamping: rules.noncurrentExpirationDays)
        $0.intervalSeconds = rules.interval.components.seconds
      }
      if let sweep = lifecycle.lastSweep { $0.lastSweep = sweep.message }
    }
  }

  public func runLifecycle(
    request: Loyalty_Ingestion_V1_RunLifecycleRequest, context: ServerContext
  ) async throws -> Loyalty_Ingestion_V1_RunLifecycleResponse {
    try Authorization.require([.admin, .curator, .service], for: "RunLifecycle")
    let sweep = try await run { try await lifecycle.sweep() }
    return .with { $0.sweep = sweep.message }
  }

  // MARK: Runs

  public func getRun(request: Loyalty_Ingestion_V1_GetRunRequest, context: ServerContext) async throws -> Loyalty_Ingestion_V1_Run {
    try Authorization.require(Self.allowed, for: "GetRun")
    return try await run { try await store.run(request.runID) }.message
  }

  public func listRuns(
    request: Loyalty_Ingestion_V1_ListRunsRequest, context: ServerContext
  ) async throws -> Loyalty_Ingestion_V1_ListRunsResponse {
    try Authorization.require(Self.allowed, for: "ListRuns")
    let limit = try Self.pageSize(request.pageSize)
    var state: RunState?
    if request.state != .unspecified {
      guard let known = RunState(request.state) else {
        throw IngestionError.invalidArgument(field: "state", reason: "\(request.state) is not a run state")
      }
      state = known
    }
    let runs = try await run {
      try await store.runs(
        state: state, documentKey: request.documentKey.isEmpty ? nil : request.documentKey,
        beforeRunID: request.pageToken.isEmpty ? nil : request.pageToken, limit: limit + 1)
    }
    return .with {
      $0.runs = runs.prefix(limit).map(\.message)
      if runs.count > limit, let last = runs.prefix(limit).last { $0.nextPageToken = last.runID }
    }
  }

  public func watchRuns(
    request: Loyalty_Ingestion_V1_WatchRunsRequest, response: RPCWriter<Loyalty_Ingestion_V1_Run>, context: ServerContext
  ) async throws {
    try Authorization.require(Self.allowed, for: "WatchRuns")
    let runID = request.runID.isEmpty ? nil : request.runID
    // Subscribe before reading, so no change between the read and the stream is lost.
    let changes = events.subscribe(runID: runID)
    let store = self.store
    try await untilRPCCancelled {
      var lastSent: [String: Int64] = [:]
      if let runID {
        let current = try await store.run(runID)
        try await response.write(current.message)
        if current.state.isFinal { return }
        lastSent[runID] = current.updatedAtMicros
      }
      for await change in changes {
        // A change read before the first write may arrive again; skip what was already sent.
        if let sent = lastSent[change.runID], sent >= change.updatedAtMicros { continue }
        lastSent[change.runID] = change.updatedAtMicros
        try await response.write(change.message)
        if runID != nil, change.state.isFinal { return }
      }
    }
  }

  public func approveRun(
    request: Loyalty_Ingestion_V1_ApproveRunRequest, context: ServerContext
  ) async throws -> Loyalty_Ingestion_V1_Run {
    let principal = try Authorization.require(Self.allowed, for: "ApproveRun")
    let comment = request.comment
    let approved = try await run {
      try await store.update(request.runID) { run in
        guard run.state == .needsReview else {
          throw IngestionError.wrongState(runID: run.runID, state: run.state, action: "approval", allowed: "needs_review")
        }
        run.state = .approved
        run.stage = .transform
        run.reviewedBy = principal.subject
        run.reason = comment.isEmpty ? "approved by \(principal.subject)" : "approved by \(principal.subject): \(comment)"
        run.nextAttemptAtMicros = IngestionStore.nowMicros()
      }
    }
    events.publish(approved)
    runner.wake()
    return approved.message
  }

  public func rejectRun(
    request: Loyalty_Ingestion_V1_RejectRunRequest, context: ServerContext
  ) async throws -> Loyalty_Ingestion_V1_Run {
    let principal = try Authorization.require(Self.allowed, for: "RejectRun")
    let comment = request.comment
    let rejected = try await run {
      try await store.update(request.runID) { run in
        guard run.state == .needsReview else {
          throw IngestionError.wrongState(runID: run.runID, state: run.state, action: "rejection", allowed: "needs_review")
        }
        run.state = .rejected
        run.reviewedBy = principal.subject
        run.reason = comment.isEmpty ? "rejected by \(principal.subject)" : "rejected by \(principal.subject): \(comment)"
      }
    }
    events.publish(rejected)
    return rejected.message
  }

  public func retryRun(
    request: Loyalty_Ingestion_V1_RetryRunRequest, context: ServerContext
  ) async throws -> Loyalty_Ingestion_V1_Run {
    let principal = try Authorization.require(Self.allowed, for: "RetryRun")
    var requestedStage: PipelineStage?
    if request.fromStage != .unspecified {
      guard let stage = PipelineStage(request.fromStage) else {
        throw IngestionError.invalidArgument(field: "from_stage", reason: "\(request.fromStage) is not a stage")
      }
      requestedStage = stage
    }
    let fromStage = requestedStage
    let retried = try await run {
      try await store.update(request.runID) { run in
        let stage: PipelineStage
        if let fromStage {
          guard run.state.isFinal || run.state == .needsReview else {
            throw IngestionError.wrongState(
              runID: run.runID, state: run.state, action: "a re-run", allowed: "done, failed, rejected or needs_review")
          }
          stage = fromStage
        } else {
          guard run.state == .failed else {
            throw IngestionError.wrongState(runID: run.runID, state: run.state, action: "a retry", allowed: "failed (or give from_stage)")
          }
          stage = run.stage
        }
        run.state = stage == .transform && !run.reviewedBy.isEmpty ? .approved : stage.entryState
        if stage <= .validate { run.reviewedBy = "" }
        run.stage = stage
        run.attempts = 0
        run.reason = "retried from \(stage.rawValue) by \(principal.subject)"
        run.nextAttemptAtMicros = IngestionStore.nowMicros()
      }
    }
    events.publish(retried)
    runner.wake()
    return retried.message
  }

  // MARK: Helpers

  static func pageSize(_ requested: Int32) throws(IngestionError) -> Int {
    guard requested >= 0 else { throw .invalidArgument(field: "page_size", reason: "must not be negative") }
    return requested == 0 ? 100 : min(Int(requested), 1_000)
  }

  private func run<T>(_ operation: () async throws -> T) async throws -> T {
    do {
      return try await operation()
    } catch let error as IngestionError {
      throw error
    } catch let error as RPCError {
      throw error
    } catch {
      let mapped = RPCError(storageError: error)
      if mapped.code == .internalError {
        logger.withCurrentRequest.error("ingestion storage failure", metadata: ["error": "\(error)"])
      }
      throw mapped
    }
  }
}

extension LifecycleSweepResult {
  var message: Loyalty_Ingestion_V1_LifecycleSweep {
    .with {
      $0.time = .init(micros: timeMicros)
      $0.versionsExpired = Int32(clamping: versionsExpired)
      $0.blobsDeleted = Int32(clamping: blobsDeleted)
    }
  }
}
