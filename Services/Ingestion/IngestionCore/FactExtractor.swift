import Foundation

/// What an extractor knows about the document besides its text.
public struct ExtractionContext: Sendable, Equatable {
  /// The landing-zone key, e.g. "programs/ac/earning-united.html".
  public var documentKey: String
  /// The page's address on the web, when known.
  public var sourceURL: String?
  /// The day the curator saved the page (YYYY-MM-DD): facts without a date of their own
  /// take effect from it.
  public var retrievedDate: String

  public init(documentKey: String, sourceURL: String? = nil, retrievedDate: String) {
    self.documentKey = documentKey
    self.sourceURL = sourceURL
    self.retrievedDate = retrievedDate
  }
}

/// Turns a document's processed text into facts of the one schema (`ExtractedFacts`).
/// Implementations never load anything: their output is validated (`FactValidator`) before
/// the pipeline transforms it.
public protocol FactExtractor: Sendable {
  /// Recorded with each run, e.g. "offline-v1" or "llm:gpt-4o-mini".
  var name: String { get }
  func extract(from text: ProcessedText, context: ExtractionContext) async throws -> ExtractedFacts
}
