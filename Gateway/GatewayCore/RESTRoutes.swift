import Foundation
import LoyaltyAPI
import NIOHTTP1
import SwiftProtobuf

/// One JSON route: an HTTP method and path template bound to a gRPC method, in the manner
/// of `google.api.http` with `body: "*"` — the JSON body is the request message, and path
/// parameters (and, for GET and DELETE, query parameters) fill its fields.
struct RESTRoute: Sendable {
  var method: HTTPMethod
  /// Segments; `{field}` or `{field.subfield}` binds a path parameter. A last segment may
  /// carry a custom verb (`{user_id}:adjust`).
  var template: [String]
  var service: String
  var rpc: String
  /// JSON (with path and query parameters merged in) → serialized request message.
  var decodeRequest: @Sendable (Data) throws -> Data
  /// Serialized response message → JSON.
  var encodeResponse: @Sendable (Data) throws -> String

  init<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
    _ method: HTTPMethod, _ path: String, service: String, rpc: String, _ request: Request.Type, _ response: Response.Type
  ) {
    self.method = method
    self.template = path.split(separator: "/").map(String.init)
    self.service = service
    self.rpc = rpc
    self.decodeRequest = { json in
      var options = JSONDecodingOptions()
      options.ignoreUnknownFields = false
      return try Request(jsonUTF8Data: json, options: options).serializedData()
    }
    self.encodeResponse = { bytes in
      var options = JSONEncodingOptions()
      options.alwaysPrintEnumsAsInts = false
      return try Response(serializedBytes: bytes).jsonString(options: options)
    }
  }

  /// The path parameters when `segments` match this template.
  func match(_ segments: [Substring]) -> [(field: String, value: String)]? {
    guard segments.count == template.count else { return nil }
    var parameters: [(String, String)] = []
    for (pattern, segment) in zip(template, segments) {
      if pattern.hasPrefix("{") {
        let closing = pattern.firstIndex(of: "}") ?? pattern.endIndex
        let field = String(pattern[pattern.index(after: pattern.startIndex)..<closing])
        let verb = pattern[closing...].dropFirst()
        var value = Substring(segment)
        if !verb.isEmpty {
          guard value.hasSuffix(verb) else { return nil }
          value = value.dropLast(verb.count)
        }
        guard !value.isEmpty, let decoded = String(value).removingPercentEncoding else { return nil }
        parameters.append((field, decoded))
      } else if pattern != segment {
        return nil
      }
    }
    return parameters
  }
}

/// The JSON API. Versions live in the path; each route names the gRPC method it calls.
enum RESTRoutes {
  static let profileV1 = "loyalty.profile.v1.ProfileService"
  static let profileV2 = "loyalty.profile.v2.ProfileService"
  static let admin = "loyalty.gateway.v1.GatewayAdmin"
  static let graphV1 = "loyalty.graph.v1.GraphService"
  static let advisorV1 = "loyalty.advisor.v1.AdvisorService"
  static let ingestionV1 = "loyalty.ingestion.v1.IngestionService"
  static let backupV1 = "loyalty.backup.v1.BackupService"

  static let all: [RESTRoute] = [
    .init(.POST, "/v1/profiles", service: profileV1, rpc: "CreateProfile", Loyalty_Profile_V1_CreateProfileRequest.self, Loyalty_Profile_V1_Profile.self),
    .init(.GET, "/v1/profiles", service: profileV1, rpc: "ListProfiles", Loyalty_Profile_V1_ListProfilesRequest.self, Loyalty_Profile_V1_ListProfilesResponse.self),
    .init(.GET, "/v1/profiles/{user_id}", service: profileV1, rpc: "GetProfile", Loyalty_Profile_V1_GetProfileRequest.self, Loyalty_Profile_V1_Profile.self),
    .init(.PATCH, "/v1/profiles/{profile.user_id}", service: profileV1, rpc: "UpdateProfile", Loyalty_Profile_V1_UpdateProfileRequest.self, Loyalty_Profile_V1_Profile.self),
    .init(.DELETE, "/v1/profiles/{user_id}", service: profileV1, rpc: "DeleteProfile", Loyalty_Profile_V1_DeleteProfileRequest.self, Loyalty_Profile_V1_DeleteProfileResponse.self),
    .init(.POST, "/v1/profiles/{user_id}/memberships", service: profileV1, rpc: "AddMembership", Loyalty_Profile_V1_AddMembershipRequest.self, Loyalty_Profile_V1_Profile.self),
    .init(.PATCH, "/v1/profiles/{user_id}/memberships/{membership.program_id}", service: profileV1, rpc: "UpdateMembership", Loyalty_Profile_V1_UpdateMembershipRequest.self, Loyalty_Profile_V1_Profile.self),
    .init(.DELETE, "/v1/profiles/{user_id}/memberships/{program_id}", service: profileV1, rpc: "RemoveMembership", Loyalty_Profile_V1_RemoveMembershipRequest.self, Loyalty_Profile_V1_Profile.self),
    .init(.POST, "/v1/profiles/{user_id}/memberships/{program_id}:adjustBalance", service: profileV1, rpc: "AdjustBalance", Loyalty_Profile_V1_AdjustBalanceRequest.self, Loyalty_Profile_V1_AdjustBalanceResponse.self),

    .init(.POST, "/v2/profiles", service: profileV2, rpc: "CreateProfile", Loyalty_Profile_V2_CreateProfileRequest.self, Loyalty_Profile_V2_Profile.self),
    .init(.GET, "/v2/profiles/{user_id}", service: profileV2, rpc: "GetProfile", Loyalty_Profile_V2_GetProfileRequest.self, Loyalty_Profile_V2_GetProfileResponse.self),
    .init(.PATCH, "/v2/profiles/{profile.user_id}", service: profileV2, rpc: "UpdateProfile", Loyalty_Profile_V2_UpdateProfileRequest.self, Loyalty_Profile_V2_Profile.self),
    .init(.PUT, "/v2/profiles/{user_id}/memberships/{program_id}/qualifying", service: profileV2, rpc: "SetQualifyingActivity", Loyalty_Profile_V2_SetQualifyingActivityRequest.self, Loyalty_Profile_V2_Profile.self),
    .init(.DELETE, "/v2/profiles/{user_id}", service: profileV2, rpc: "DeleteProfile", Loyalty_Profile_V2_DeleteProfileRequest.self, Loyalty_Profile_V2_DeleteProfileResponse.self),

    .init(.POST, "/v1/graph:upsert", service: graphV1, rpc: "UpsertBatch", Loyalty_Graph_V1_UpsertBatchRequest.self, Loyalty_Graph_V1_UpsertBatchResponse.self),
    .init(.GET, "/v1/graph/nodes/{id}", service: graphV1, rpc: "GetNode", Loyalty_Graph_V1_GetNodeRequest.self, Loyalty_Graph_V1_Node.self),
    .init(.DELETE, "/v1/graph/nodes/{id}", service: graphV1, rpc: "DeleteNode", Loyalty_Graph_V1_DeleteNodeRequest.self, Loyalty_Graph_V1_DeleteNodeResponse.self),
    .init(.GET, "/v1/graph/nodes/{id}/neighbors", service: graphV1, rpc: "GetNeighbors", Loyalty_Graph_V1_GetNeighborsRequest.self, Loyalty_Graph_V1_GetNeighborsResponse.self),
    .init(.POST, "/v1/graph:traverse", service: graphV1, rpc: "Traverse", Loyalty_Graph_V1_TraverseRequest.self, Loyalty_Graph_V1_TraverseResponse.self),
    .init(.GET, "/v1/graph/routes/{origin}/{destination}", service: graphV1, rpc: "FindShortestRoute", Loyalty_Graph_V1_FindShortestRouteRequest.self, Loyalty_Graph_V1_FindShortestRouteResponse.self),
    .init(.GET, "/v1/graph/statistics", service: graphV1, rpc: "GetStatistics", Loyalty_Graph_V1_GetStatisticsRequest.self, Loyalty_Graph_V1_GraphStatistics.self),

    .init(.POST, "/v1/advisor/earnings", service: advisorV1, rpc: "CalculateEarnings", Loyalty_Advisor_V1_CalculateEarningsRequest.self, Loyalty_Advisor_V1_CalculateEarningsResponse.self),
    .init(.POST, "/v1/advisor/crediting", service: advisorV1, rpc: "RecommendCreditingProgram", Loyalty_Advisor_V1_RecommendCreditingProgramRequest.self, Loyalty_Advisor_V1_RecommendCreditingProgramResponse.self),
    .init(.POST, "/v1/advisor/award-pathways", service: advisorV1, rpc: "FindAwardPathways", Loyalty_Advisor_V1_FindAwardPathwaysRequest.self, Loyalty_Advisor_V1_FindAwardPathwaysResponse.self),
    .init(.POST, "/v1/advisor/ask", service: advisorV1, rpc: "Ask", Loyalty_Advisor_V1_AskRequest.self, Loyalty_Advisor_V1_AskResponse.self),

    // Uploads (client-streaming) and GetDocument and WatchRuns (server-streaming) are gRPC only.
    .init(.GET, "/v1/ingestion/runs", service: ingestionV1, rpc: "ListRuns", Loyalty_Ingestion_V1_ListRunsRequest.self, Loyalty_Ingestion_V1_ListRunsResponse.self),
    .init(.GET, "/v1/ingestion/runs/{run_id}", service: ingestionV1, rpc: "GetRun", Loyalty_Ingestion_V1_GetRunRequest.self, Loyalty_Ingestion_V1_Run.self),
    .init(.POST, "/v1/ingestion/runs/{run_id}:approve", service: ingestionV1, rpc: "ApproveRun", Loyalty_Ingestion_V1_ApproveRunRequest.self, Loyalty_Ingestion_V1_Run.self),
    .init(.POST, "/v1/ingestion/runs/{run_id}:reject", service: ingestionV1, rpc: "RejectRun", Loyalty_Ingestion_V1_RejectRunRequest.self, Loyalty_Ingestion_V1_Run.self),
    .init(.POST, "/v1/ingestion/runs/{run_id}:retry", service: ingestionV1, rpc: "RetryRun", Loyalty_Ingestion_V1_RetryRunRequest.self, Loyalty_Ingestion_V1_Run.self),

    .init(.GET, "/v1/backups/status", service: backupV1, rpc: "GetStatus", Loyalty_Backup_V1_GetStatusRequest.self, Loyalty_Backup_V1_BackupStatus.self),
    .init(.GET, "/v1/backups/recovery-points", service: backupV1, rpc: "ListRecoveryPoints", Loyalty_Backup_V1_ListRecoveryPointsRequest.self, Loyalty_Backup_V1_ListRecoveryPointsResponse.self),
    .init(.POST, "/v1/backups/snapshots", service: backupV1, rpc: "TakeSnapshot", Loyalty_Backup_V1_TakeSnapshotRequest.self, Loyalty_Backup_V1_TakeSnapshotResponse.self),

    .init(.POST, "/v1/admin/keys", service: admin, rpc: "CreateApiKey", Loyalty_Gateway_V1_CreateApiKeyRequest.self, Loyalty_Gateway_V1_CreateApiKeyResponse.self),
    .init(.GET, "/v1/admin/keys", service: admin, rpc: "ListApiKeys", Loyalty_Gateway_V1_ListApiKeysRequest.self, Loyalty_Gateway_V1_ListApiKeysResponse.self),
    .init(.POST, "/v1/admin/keys/{id}:revoke", service: admin, rpc: "RevokeApiKey", Loyalty_Gateway_V1_RevokeApiKeyRequest.self, Loyalty_Gateway_V1_ApiKey.self),
    .init(.GET, "/v1/admin/routing", service: admin, rpc: "GetRouting", Loyalty_Gateway_V1_GetRoutingRequest.self, Loyalty_Gateway_V1_Routing.self),
    .init(.PUT, "/v1/admin/aliases/{alias.name}", service: admin, rpc: "SetAlias", Loyalty_Gateway_V1_SetAliasRequest.self, Loyalty_Gateway_V1_Alias.self),
    .init(.GET, "/v1/admin/rate-limits", service: admin, rpc: "GetRateLimits", Loyalty_Gateway_V1_GetRateLimitsRequest.self, Loyalty_Gateway_V1_RateLimits.self),
    .init(.PUT, "/v1/admin/rate-limits", service: admin, rpc: "SetRateLimits", Loyalty_Gateway_V1_SetRateLimitsRequest.self, Loyalty_Gateway_V1_RateLimits.self),
    .init(.GET, "/v1/admin/upstreams", service: admin, rpc: "GetUpstreamHealth", Loyalty_Gateway_V1_GetUpstreamHealthRequest.self, Loyalty_Gateway_V1_UpstreamHealth.self),
  ]

  enum Lookup {
    case found(RESTRoute, [(field: String, value: String)])
    /// The path exists with other methods.
    case methodNotAllowed([HTTPMethod])
    case notFound
  }

  static func lookup(_ method: HTTPMethod, path: String) -> Lookup {
    let segments = path.split(separator: "/")
    var allowed: [HTTPMethod] = []
    for route in all {
      guard let parameters = route.match(segments) else { continue }
      if route.method == method { return .found(route, parameters) }
      allowed.append(route.method)
    }
    return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
  }

  /// Merges path and query parameters into the JSON body; a dotted name sets a nested field.
  static func requestJSON(
    body: Data, pathParameters: [(field: String, value: String)], query: [(String, String)]
  ) throws -> Data {
    var object: [String: Any] = [:]
    if !body.isEmpty {
      guard let parsed = try? JSONSerialization.jsonObject(with: body), let dictionary = parsed as? [String: Any] else {
        throw TranscodingError(message: "the request body must be a JSON object")
      }
      object = dictionary
    }
    for (field, value) in query {
      set(&object, path: field.split(separator: ".").map(String.init), value: value)
    }
    for (field, value) in pathParameters {
      set(&object, path: field.split(separator: ".").map(String.init), value: value)
    }
    return try JSONSerialization.data(withJSONObject: object)
  }

  private static func set(_ object: inout [String: Any], path: [String], value: String) {
    guard let first = path.first else { return }
    if path.count == 1 {
      object[first] = value
    } else {
      var nested = object[first] as? [String: Any] ?? [:]
      set(&nested, path: Array(path.dropFirst()), value: value)
      object[first] = nested
    }
  }
}

struct TranscodingError: Error {
  var message: String
}
