import GraphModel
import LoyaltyAPI
import SwiftProtobuf

extension Google_Protobuf_Timestamp {
  init(micros: Int64) {
    self.init(seconds: micros / 1_000_000, nanos: Int32(micros % 1_000_000) * 1000)
  }
}

extension GraphNodeRecord {
  var message: Loyalty_Graph_V1_Node {
    var message = node.message
    message.updateTime = Google_Protobuf_Timestamp(micros: updatedAtMicros)
    return message
  }
}

extension GraphEdgeRecord {
  var message: Loyalty_Graph_V1_Edge {
    var message = edge.message
    message.updateTime = Google_Protobuf_Timestamp(micros: updatedAtMicros)
    return message
  }
}

extension UpsertSummary {
  var message: Loyalty_Graph_V1_UpsertBatchResponse {
    .with {
      $0.nodesCreated = Int32(nodesCreated)
      $0.nodesUpdated = Int32(nodesUpdated)
      $0.nodesUnchanged = Int32(nodesUnchanged)
      $0.edgesCreated = Int32(edgesCreated)
      $0.edgesUpdated = Int32(edgesUpdated)
      $0.edgesUnchanged = Int32(edgesUnchanged)
      $0.sequence = sequence
    }
  }
}

extension GraphStatistics {
  var message: Loyalty_Graph_V1_GraphStatistics {
    .with {
      $0.nodesByLabel = nodesByLabel
      $0.edgesByType = edgesByType
      $0.nodeCount = nodeCount
      $0.edgeCount = edgeCount
      $0.lastSequence = lastSequence
    }
  }
}

extension RouteNetwork.Route {
  var message: Loyalty_Graph_V1_FindShortestRouteResponse {
    .with {
      $0.segments = segments.map { segment in
        .with {
          $0.origin = segment.origin
          $0.destination = segment.destination
          $0.distanceMiles = Int32(segment.distanceMiles)
          $0.airlines = segment.airlines
        }
      }
      $0.totalDistanceMiles = Int32(totalDistanceMiles)
    }
  }
}
