import Foundation

/// The kinds of document curators upload, as decided from their content (`DocumentInspector`).
public enum DocumentType: String, Sendable, CaseIterable {
  case html
  case text
  case pdf

  /// How messages name the type.
  var displayName: String {
    switch self {
    case .html: "HTML"
    case .text: "plain text"
    case .pdf: "a PDF"
    }
  }
}

/// Why a document cannot be turned into text, worded for the curator who uploaded it.
public struct DocumentInputError: Error, Equatable, CustomStringConvertible {
  public enum Kind: Sendable {
    /// The document itself is at fault (empty, binary, undecodable, mislabelled): the
    /// request's INVALID_ARGUMENT.
    case invalid
    /// The document may be fine but this installation cannot read it (pdftotext missing):
    /// FAILED_PRECONDITION.
    case unsupported
  }

  public var kind: Kind
  public var message: String

  public init(kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  public static func invalid(_ message: String) -> Self { Self(kind: .invalid, message) }
  public static func unsupported(_ message: String) -> Self { Self(kind: .unsupported, message) }

  public var description: String { message }
}
