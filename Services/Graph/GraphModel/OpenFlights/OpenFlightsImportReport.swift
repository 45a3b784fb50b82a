import LoyaltyAPI
import SwiftProtobuf

/// What an OpenFlights import did with each file it was given: rows read, rows imported, and
/// the skipped rows grouped by reason with example line numbers.
public struct OpenFlightsImportReport: Sendable, Equatable, CustomStringConvertible {
  /// Rows skipped for one reason.
  public struct SkippedRows: Sendable, Equatable {
    public var reason: OpenFlightsSkipReason
    public var count: Int
    /// The first few line numbers (1-based, in the file), ascending.
    public var exampleLines: [Int]

    public static let maximumExamples = 5
  }

  public struct FileReport: Sendable, Equatable {
    public var kind: OpenFlightsFileKind
    /// Non-blank lines.
    public var rowsRead = 0
    /// Nodes (airports, airlines) or edges (routes) in the batch; always `rowsRead` minus the
    /// skipped rows.
    public var rowsImported = 0
    /// Most frequent reason first.
    public var skipped: [SkippedRows] = []

    public init(kind: OpenFlightsFileKind) {
      self.kind = kind
    }

    public var rowsSkipped: Int { skipped.reduce(0) { $0 + $1.count } }

    /// The rows skipped for `reason`, if any were.
    public subscript(_ reason: OpenFlightsSkipReason) -> SkippedRows? {
      skipped.first { $0.reason == reason }
    }

    mutating func recordSkip(_ reason: OpenFlightsSkipReason, line: Int) {
      if let index = skipped.firstIndex(where: { $0.reason == reason }) {
        skipped[index].count += 1
        if skipped[index].exampleLines.count < SkippedRows.maximumExamples {
          skipped[index].exampleLines.append(line)
        }
      } else {
        skipped.append(SkippedRows(reason: reason, count: 1, exampleLines: [line]))
      }
    }

    /// Sorts reasons and examples for presentation.
    mutating func close() {
      for index in skipped.indices { skipped[index].exampleLines.sort() }
      skipped.sort { ($0.count, $1.reason.rawValue) > ($1.count, $0.reason.rawValue) }
    }

    public var message: Loyalty_Graph_V1_FileImportReport {
      .with {
        $0.file = kind.message
        $0.rowsRead = Int64(rowsRead)
        $0.rowsImported = Int64(rowsImported)
        $0.skipped = skipped.map { group in
          .with {
            $0.reason = group.reason.rawValue
            $0.count = Int64(group.count)
            $0.exampleLines = group.exampleLines.map(Int64.init)
          }
        }
      }
    }
  }

  /// One report per file given to the importer, in import order.
  public var files: [FileReport] = []

  public init(files: [FileReport] = []) {
    self.files = files
  }

  public subscript(_ kind: OpenFlightsFileKind) -> FileReport? {
    files.first { $0.kind == kind }
  }

  /// The response with its `files`; the service fills in what it wrote and how long it took.
  public var message: Loyalty_Graph_V1_ImportOpenFlightsResponse {
    .with { $0.files = files.map(\.message) }
  }

  /// Lines for people, e.g. "airports.dat: 7698 read, 6071 imported, 1627 skipped" followed by
  /// one indented line per reason.
  public var description: String {
    var lines: [String] = []
    for file in files {
      lines.append("\(file.kind.fileName): \(file.rowsRead) read, \(file.rowsImported) imported, \(file.rowsSkipped) skipped")
      for group in file.skipped {
        let examples = group.exampleLines.map(String.init).joined(separator: ", ")
        lines.append("  \(group.count) \(group.reason.rawValue) (e.g. line\(group.exampleLines.count == 1 ? "" : "s") \(examples))")
      }
    }
    return lines.joined(separator: "\n")
  }
}
