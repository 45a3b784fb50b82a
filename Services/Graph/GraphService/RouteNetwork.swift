import GraphModel

/// The airports and ROUTE edges of one snapshot as compact arrays, for shortest-route
/// queries: airports by integer index, one adjacency entry per directed airport pair with
/// its great-circle distance and the airlines flying it.
public struct RouteNetwork: Sendable {
  /// One flight of a route.
  public struct Segment: Sendable, Hashable {
    public var origin: String
    public var destination: String
    /// Great-circle statute miles, rounded to whole miles.
    public var distanceMiles: Int
    /// IATA codes of the airlines flying the pair (only the requested ones when filtered),
    /// sorted.
    public var airlines: [String]

    public init(origin: String, destination: String, distanceMiles: Int, airlines: [String]) {
      self.origin = origin
      self.destination = destination
      self.distanceMiles = distanceMiles
      self.airlines = airlines
    }
  }

  /// A route found between two airports.
  public struct Route: Sendable, Hashable {
    public var segments: [Segment]

    public init(segments: [Segment]) {
      self.segments = segments
    }

    /// Sum of the segments' rounded distances.
    public var totalDistanceMiles: Int { segments.reduce(0) { $0 + $1.distanceMiles } }
  }

  public static let defaultMaxSegments = 4
  public static let maxSegmentsLimit = 6

  /// IATA codes of the airports, sorted; an airport's index is its position here.
  public let airportCodes: [String]
  private let airportIndex: [String: Int32]
  /// IATA codes of the airlines that fly some route, sorted.
  public let airlineCodes: [String]
  private let airlineIndex: [String: Int32]
  /// Adjacency in compressed rows: the pairs leaving airport `a` are
  /// `pairStart[a] ..< pairStart[a + 1]`.
  private let pairStart: [Int32]
  private let pairTarget: [Int32]
  private let pairMiles: [Double]
  /// Airlines of pair `p`: `pairAirlines[pairAirlineStart[p] ..< pairAirlineStart[p + 1]]`.
  private let pairAirlineStart: [Int32]
  private let pairAirlines: [Int32]

  /// Number of directed airport pairs with at least one route.
  public var pairCount: Int { pairTarget.count }

  /// Builds the network from the snapshot's Airport nodes (with coordinates) and ROUTE
  /// edges; routes between airports it does not know are left out.
  public init(snapshot: GraphSnapshot) {
    var coordinates: [String: (latitude: Double, longitude: Double)] = [:]
    var codeByNodeID: [String: String] = [:]
    for node in snapshot.nodes(labeled: .airport) {
      guard let code = node["iata"]?.stringValue, let latitude = node["latitude"]?.numberValue,
        let longitude = node["longitude"]?.numberValue
      else { continue }
      coordinates[code] = (latitude, longitude)
      codeByNodeID[node.id] = code
    }
    let airportCodes = coordinates.keys.sorted()
    var airportIndex: [String: Int32] = Dictionary(minimumCapacity: airportCodes.count)
    for (index, code) in airportCodes.enumerated() { airportIndex[code] = Int32(index) }

    var airlinesByPair: [Int64: Set<String>] = [:]
    for edge in snapshot.edges(ofType: .route) {
      guard let from = codeByNodeID[edge.fromID].flatMap({ airportIndex[$0] }),
        let to = codeByNodeID[edge.toID].flatMap({ airportIndex[$0] }), from != to
      else { continue }
      let airline = edge["airline"]?.stringValue ?? edge.key
      airlinesByPair[Int64(from) << 32 | Int64(to), default: []].insert(airline)
    }
    let airlineCodes = Set(airlinesByPair.values.joined()).sorted()
    var airlineIndex: [String: Int32] = [:]
    for (index, code) in airlineCodes.enumerated() { airlineIndex[code] = Int32(index) }

    // Sorted by (origin, destination) index, so each origin's pairs are contiguous.
    let pairs = airlinesByPair.keys.sorted()
    var pairStart = [Int32](repeating: 0, count: airportCodes.count + 1)
    var pairTarget: [Int32] = []
    var pairMiles: [Double] = []
    var pairAirlineStart: [Int32] = [0]
    var pairAirlines: [Int32] = []
    pairTarget.reserveCapacity(pairs.count)
    pairMiles.reserveCapacity(pairs.count)
    for pair in pairs {
      let from = Int(pair >> 32)
      let to = Int(pair & 0xFFFF_FFFF)
      pairStart[from + 1] += 1
      pairTarget.append(Int32(to))
      let a = coordinates[airportCodes[from]]!
      let b = coordinates[airportCodes[to]]!
      pairMiles.append(GreatCircle.miles(fromLatitude: a.latitude, longitude: a.longitude, toLatitude: b.latitude, longitude: b.longitude))
      pairAirlines += airlinesByPair[pair]!.map { airlineIndex[$0]! }.sorted()
      pairAirlineStart.append(Int32(pairAirlines.count))
    }
    for index in 0..<airportCodes.count { pairStart[index + 1] += pairStart[index] }

    self.airportCodes = airportCodes
    self.airportIndex = airportIndex
    self.airlineCodes = airlineCodes
    self.airlineIndex = airlineIndex
    self.pairStart = pairStart
    self.pairTarget = pairTarget
    self.pairMiles = pairMiles
    self.pairAirlineStart = pairAirlineStart
    self.pairAirlines = pairAirlines
  }

  public func contains(airport code: String) -> Bool { airportIndex[code] != nil }
  public func contains(airline code: String) -> Bool { airlineIndex[code] != nil }

  /// The route from `origin` to `destination` (IATA codes of airports in the network) with
  /// the fewest segments and, among those, the least total great-circle distance; nil when
  /// none has at most `maxSegments` segments. When `airlines` is given, only pairs one of
  /// them flies are used.
  ///
  /// Breadth-first by layers: a best route to an airport first reached in layer k extends a
  /// best route to an airport of layer k − 1, so each layer relaxes distances from the
  /// previous one only.
  public func shortestRoute(from origin: String, to destination: String, maxSegments: Int, airlines: Set<String>? = nil) -> Route? {
    guard let source = airportIndex[origin], let target = airportIndex[destination], maxSegments > 0 else { return nil }
    guard source != target else { return Route(segments: []) }
    var allowed: [Bool]? = nil
    if let airlines {
      var flags = [Bool](repeating: false, count: airlineCodes.count)
      for code in airlines { if let index = airlineIndex[code] { flags[Int(index)] = true } }
      allowed = flags
    }
    let count = airportCodes.count
    var layer = [Int8](repeating: -1, count: count)
    var miles = [Double](repeating: .infinity, count: count)
    var viaPair = [Int32](repeating: -1, count: count)
    layer[Int(source)] = 0
    miles[Int(source)] = 0
    var frontier: [Int32] = [source]
    var next: [Int32] = []
    var depth: Int8 = 0
    while !frontier.isEmpty, Int(depth) < maxSegments, layer[Int(target)] < 0 {
      depth += 1
      next.removeAll(keepingCapacity: true)
      for from in frontier {
        let base = miles[Int(from)]
        for pair in Int(pairStart[Int(from)])..<Int(pairStart[Int(from) + 1]) {
          if let allowed, !flies(pair, allowed) { continue }
          let to = Int(pairTarget[pair])
          let total = base + pairMiles[pair]
          if layer[to] < 0 {
            layer[to] = depth
            miles[to] = total
            viaPair[to] = Int32(pair)
            next.append(Int32(to))
          } else if layer[to] == depth, total < miles[to] {
            miles[to] = total
            viaPair[to] = Int32(pair)
          }
        }
      }
      swap(&frontier, &next)
    }
    guard layer[Int(target)] > 0 else { return nil }
    var pairs: [Int] = []
    var at = Int(target)
    while at != Int(source) {
      let pair = Int(viaPair[at])
      pairs.append(pair)
      at = sourceAirport(ofPair: pair)
    }
    return Route(segments: pairs.reversed().map { segment($0, allowed: allowed) })
  }

  private func flies(_ pair: Int, _ allowed: [Bool]) -> Bool {
    for index in Int(pairAirlineStart[pair])..<Int(pairAirlineStart[pair + 1]) where allowed[Int(pairAirlines[index])] {
      return true
    }
    return false
  }

  /// The origin airport of a pair: the row whose range holds it.
  private func sourceAirport(ofPair pair: Int) -> Int {
    var low = 0
    var high = airportCodes.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if Int(pairStart[middle]) <= pair { low = middle } else { high = middle - 1 }
    }
    return low
  }

  private func segment(_ pair: Int, allowed: [Bool]?) -> Segment {
    let airlines = pairAirlines[Int(pairAirlineStart[pair])..<Int(pairAirlineStart[pair + 1])]
      .filter { allowed?[Int($0)] ?? true }
      .map { airlineCodes[Int($0)] }
    return Segment(
      origin: airportCodes[sourceAirport(ofPair: pair)], destination: airportCodes[Int(pairTarget[pair])],
      distanceMiles: Int(pairMiles[pair].rounded()), airlines: airlines)
  }
}
