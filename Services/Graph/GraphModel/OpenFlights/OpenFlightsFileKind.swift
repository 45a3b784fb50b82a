import LoyaltyAPI

/// The three OpenFlights files, in the order an import takes them. Raw values are those of
/// `Loyalty_Graph_V1_OpenFlightsFile`.
public enum OpenFlightsFileKind: Int, Sendable, CaseIterable, CustomStringConvertible {
  case airports = 1
  case airlines = 2
  case routes = 3

  /// The kind a request names; `.unspecified` or an unknown value is an error naming `file`.
  public init(_ file: Loyalty_Graph_V1_OpenFlightsFile) throws(OpenFlightsImportError) {
    switch file {
    case .airports: self = .airports
    case .airlines: self = .airlines
    case .routes: self = .routes
    case .unspecified:
      throw OpenFlightsImportError(
        message: "file: unspecified; each chunk must say which file it belongs to (airports, airlines or routes)")
    case .UNRECOGNIZED(let value):
      throw OpenFlightsImportError(message: "file: \(value) is not a known OpenFlights file (1 airports, 2 airlines, 3 routes)")
    }
  }

  public var message: Loyalty_Graph_V1_OpenFlightsFile {
    switch self {
    case .airports: .airports
    case .airlines: .airlines
    case .routes: .routes
    }
  }

  /// The file's name in the OpenFlights data folder, e.g. "airports.dat".
  public var fileName: String { "\(self).dat" }

  public var description: String {
    switch self {
    case .airports: "airports"
    case .airlines: "airlines"
    case .routes: "routes"
    }
  }
}

/// An import that cannot go on: files out of order, an unknown file kind, or data after the
/// import finished. Bad rows are never errors; they are skipped and reported.
public struct OpenFlightsImportError: Error, Equatable, CustomStringConvertible {
  public var message: String

  public init(message: String) {
    self.message = message
  }

  public var description: String { message }
}
