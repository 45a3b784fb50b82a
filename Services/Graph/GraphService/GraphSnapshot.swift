import Foundation
import GRDB
import GraphModel
import LoyaltyRuntime
import Synchronization

/// The whole graph in memory as of one journal position, for read paths that look at much of
/// it (route finding, the advisor). Immutable; code deriving its own indexes from a snapshot
/// caches them keyed by `version` (see `SnapshotDerivedCache`).
public final class GraphSnapshot: Sendable {
  /// Grows with every committed change: the journal sequence, with the database's epoch
  /// (bumped by each restore, after which sequences may restart lower) in the upper bits.
  public let version: Int64
  /// The journal sequence of the last change the snapshot holds.
  public let sequence: Int64
  /// The database's epoch when the snapshot was read (see `JournalNotifier.epoch`).
  public let epoch: Int
  /// Every node, ordered by id.
  public let nodes: [GraphNode]
  /// Every edge, derived ones included, ordered by id (so by type first).
  public let edges: [GraphEdge]
  private let nodeIndex: [String: Int]
  private let nodesByLabel: [NodeLabel: [Int]]
  private let edgesByType: [EdgeType: Range<Int>]
  private let outgoingEdges: [String: [Int]]
  private let incomingEdges: [String: [Int]]

  /// Builds the indexes over `nodes` and `edges`, which need not be sorted.
  public init(epoch: Int, sequence: Int64, nodes: [GraphNode], edges: [GraphEdge]) {
    self.epoch = epoch
    self.sequence = sequence
    self.version = Self.version(epoch: epoch, sequence: sequence)
    let nodes = nodes.sorted { $0.id < $1.id }
    let edges = edges.sorted { Self.edgeOrder($0, $1) }
    self.nodes = nodes
    self.edges = edges
    var nodeIndex: [String: Int] = Dictionary(minimumCapacity: nodes.count)
    var nodesByLabel: [NodeLabel: [Int]] = [:]
    for (index, node) in nodes.enumerated() {
      nodeIndex[node.id] = index
      nodesByLabel[node.label, default: []].append(index)
    }
    var edgesByType: [EdgeType: Range<Int>] = [:]
    var outgoing: [String: [Int]] = [:]
    var incoming: [String: [Int]] = [:]
    var start = 0
    for (index, edge) in edges.enumerated() {
      if index + 1 == edges.count || edges[index + 1].type != edge.type {
        edgesByType[edge.type] = start..<(index + 1)
        start = index + 1
      }
      outgoing[edge.fromID, default: []].append(index)
      incoming[edge.toID, default: []].append(index)
    }
    self.nodeIndex = nodeIndex
    self.nodesByLabel = nodesByLabel
    self.edgesByType = edgesByType
    self.outgoingEdges = outgoing
    self.incomingEdges = incoming
  }

  static func version(epoch: Int, sequence: Int64) -> Int64 {
    Int64(epoch) << 48 | sequence
  }

  /// Edges ordered as their ids sort ("TYPE|from|to|key"), without building the ids.
  private static func edgeOrder(_ a: GraphEdge, _ b: GraphEdge) -> Bool {
    if a.type != b.type { return a.type.rawValue < b.type.rawValue }
    if a.fromID != b.fromID { return a.fromID < b.fromID }
    if a.toID != b.toID { return a.toID < b.toID }
    return a.key < b.key
  }

  public var nodeCount: Int { nodes.count }
  public var edgeCount: Int { edges.count }

  public func node(_ id: String) -> GraphNode? {
    nodeIndex[id].map { nodes[$0] }
  }

  /// Nodes with the label, ordered by id.
  public func nodes(labeled label: NodeLabel) -> [GraphNode] {
    (nodesByLabel[label] ?? []).map { nodes[$0] }
  }

  /// Number of nodes with the label.
  public func count(of label: NodeLabel) -> Int {
    nodesByLabel[label]?.count ?? 0
  }

  /// Edges of the type, ordered by id.
  public func edges(ofType type: EdgeType) -> ArraySlice<GraphEdge> {
    guard let range = edgesByType[type] else { return [] }
    return edges[range]
  }

  /// Edges leaving the node, optionally only of one type, ordered by id.
  public func outgoing(from id: String, type: EdgeType? = nil) -> [GraphEdge] {
    (outgoingEdges[id] ?? []).compactMap { index in type == nil || edges[index].type == type ? edges[index] : nil }
  }

  /// Edges arriving at the node, optionally only of one type, ordered by id.
  public func incoming(to id: String, type: EdgeType? = nil) -> [GraphEdge] {
    (incomingEdges[id] ?? []).compactMap { index in type == nil || edges[index].type == type ? edges[index] : nil }
  }

  /// Nodes at the far end of the node's edges of `type` in the given direction.
  public func neighbors(of id: String, via type: EdgeType, outgoing isOutgoing: Bool = true) -> [GraphNode] {
    let edges = isOutgoing ? outgoing(from: id, type: type) : incoming(to: id, type: type)
    return edges.compactMap { node(isOutgoing ? $0.toID : $0.fromID) }
  }

  /// Reads every node and edge and the journal head in one read transaction.
  static func load(from database: ServiceDatabase, epoch: Int) async throws -> GraphSnapshot {
    let (sequence, nodes, edges) = try await database.read { db -> (Int64, [GraphNode], [GraphEdge]) in
      let sequence = try GraphStore.lastSequence(in: db)
      var nodes: [GraphNode] = []
      let nodeCursor = try Row.fetchCursor(db, sql: "SELECT id, label, properties FROM nodes ORDER BY id")
      while let row = try nodeCursor.next() {
        let labelText: String = row[1]
        guard let label = NodeLabel(rawValue: labelText) else {
          throw GraphStoreCorruption("node '\(row[0] as String)' has unknown label '\(labelText)'")
        }
        nodes.append(GraphNode(id: row[0], label: label, properties: try PropertyCoding.decode(row[2])))
      }
      var edges: [GraphEdge] = []
      let edgeCursor = try Row.fetchCursor(db, sql: "SELECT type, from_id, to_id, key, properties FROM edges ORDER BY id")
      while let row = try edgeCursor.next() {
        let typeText: String = row[0]
        guard let type = EdgeType(rawValue: typeText) else {
          throw GraphStoreCorruption("an edge has unknown type '\(typeText)'")
        }
        let properties: String = row[4]
        edges.append(
          GraphEdge(
            type: type, fromID: row[1], toID: row[2], key: row[3],
            properties: properties == "{}" ? [:] : try PropertyCoding.decode(properties)))
      }
      return (sequence, nodes, edges)
    }
    return GraphSnapshot(epoch: epoch, sequence: sequence, nodes: nodes, edges: edges)
  }
}

/// Holds the latest snapshot and rebuilds it, once for all waiting callers, when the journal
/// has moved past it.
final class GraphSnapshotCache: Sendable {
  private struct Load {
    /// The version known when the load started; the load sees at least this.
    var covers: Int64
    var task: Task<GraphSnapshot, any Error>
  }

  private struct State {
    var current: GraphSnapshot?
    var loading: Load?
  }

  private enum Next {
    case ready(GraphSnapshot)
    case wait(Task<GraphSnapshot, any Error>)
  }

  private let state = Mutex(State())

  func snapshot(
    notifier: JournalNotifier,
    load: @escaping @Sendable (_ epoch: Int) async throws -> GraphSnapshot
  ) async throws -> GraphSnapshot {
    // Epoch first: a restore between the two reads then shows up as a stale epoch.
    let epoch = notifier.epoch
    let wanted = GraphSnapshot.version(epoch: epoch, sequence: notifier.latest)
    let next = state.withLock { state -> Next in
      if let current = state.current, Self.covers(current.version, wanted) { return .ready(current) }
      if let loading = state.loading, Self.covers(loading.covers, wanted) { return .wait(loading.task) }
      let task = Task { try await load(epoch) }
      state.loading = Load(covers: wanted, task: task)
      return .wait(task)
    }
    switch next {
    case .ready(let snapshot):
      return snapshot
    case .wait(let task):
      do {
        let snapshot = try await task.value
        state.withLock { state in
          if state.loading?.task == task { state.loading = nil }
          if state.current.map({ !Self.covers($0.version, snapshot.version) }) ?? true { state.current = snapshot }
        }
        return snapshot
      } catch {
        state.withLock { state in
          if state.loading?.task == task { state.loading = nil }
        }
        throw error
      }
    }
  }

  /// Whether a snapshot of version `have` holds every change up to `wanted`: same epoch,
  /// same or later sequence.
  private static func covers(_ have: Int64, _ wanted: Int64) -> Bool {
    have >> 48 == wanted >> 48 && have >= wanted
  }
}

/// A value computed from a snapshot (an index, a route network), kept until a snapshot of
/// another version asks for it. Concurrent first requests may each compute it; the last one
/// computed for the newest version is kept.
public final class SnapshotDerivedCache<Value: Sendable>: Sendable {
  private let entry = Mutex<(version: Int64, value: Value)?>(nil)

  public init() {}

  public func value(for snapshot: GraphSnapshot, build: (GraphSnapshot) throws -> Value) rethrows -> Value {
    if let cached = entry.withLock({ $0 }), cached.version == snapshot.version { return cached.value }
    let value = try build(snapshot)
    entry.withLock { entry in
      if let current = entry, current.version > snapshot.version { return }
      entry = (snapshot.version, value)
    }
    return value
  }
}
