import ArgumentParser
import Foundation
import LoyaltyAPI
import SwiftProtobuf

/// API keys, through the gateway's admin API (an admin key is needed).
struct KeysCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keys",
    abstract: "Create, list and revoke the gateway's API keys (admin key needed).",
    subcommands: [Create.self, List.self, Revoke.self]
  )

  static let roles = ["traveler", "curator", "admin"]

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Creates an API key and prints its secret, once: it cannot be shown again.")

    @Option(help: "The principal the key acts as (the user id, for a traveller).")
    var subject: String

    @Option(help: "traveler, curator or admin.")
    var role: String

    @Option(help: "A note for people, e.g. 'mobile app'.")
    var label: String = ""

    @Option(help: "Calls allowed per UTC day; 0 for no quota.")
    var dailyQuota: Int64 = 0

    @OptionGroup var connection: GatewayConnection

    func validate() throws {
      guard !subject.isEmpty else { throw ValidationError("--subject must not be empty") }
      guard KeysCommand.roles.contains(role) else {
        throw ValidationError("--role '\(role)': use \(KeysCommand.roles.joined(separator: ", "))")
      }
      guard dailyQuota >= 0 else { throw ValidationError("--daily-quota must be 0 (none) or a positive count of calls") }
    }

    func run() async throws {
      let request = Loyalty_Gateway_V1_CreateApiKeyRequest.with {
        $0.subject = subject
        $0.role = role
        $0.label = label
        $0.dailyQuota = dailyQuota
      }
      let created = try await connection.withAdmin { admin, metadata, options in
        try await admin.createApiKey(request, metadata: metadata, options: options)
      }
      if connection.json {
        try ProfileOutput.printJSON(created)
        return
      }
      let key = created.key
      print("created API key \(key.id) for \(key.subject) (\(key.role))\(key.label.isEmpty ? "" : ", label '\(key.label)'")")
      print("")
      print("  \(created.secret)")
      print("")
      print("This is the only time the key is shown: the gateway keeps only its hash. Store it now,")
      print("e.g. in a file readable only by you, and send it in the x-api-key header.")
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists API keys (ids and owners, never secrets).")

    @Flag(help: "Also list revoked keys.")
    var includeRevoked = false

    @OptionGroup var connection: GatewayConnection

    func run() async throws {
      let response = try await connection.withAdmin { admin, metadata, options in
        try await admin.listApiKeys(.with { $0.includeRevoked = includeRevoked }, metadata: metadata, options: options)
      }
      if connection.json {
        try ProfileOutput.printJSON(response)
        return
      }
      ProfileOutput.printTable(
        header: ["ID", "SUBJECT", "ROLE", "STATE", "DAILY QUOTA", "CREATED", "LABEL"],
        rows: response.keys.map { key in
          [
            key.id, key.subject, key.role,
            key.hasRevokeTime ? "revoked \(ProfileOutput.formatted(key.revokeTime.date))" : "active",
            key.dailyQuota == 0 ? "-" : "\(key.dailyQuota)",
            key.hasCreateTime ? ProfileOutput.formatted(key.createTime.date) : "",
            key.label,
          ]
        })
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Revokes an API key; calls presenting it are refused from the next call on.")

    @Argument(help: "The key id (see 'loyalty keys list').")
    var id: String

    @OptionGroup var connection: GatewayConnection

    func run() async throws {
      let key = try await connection.withAdmin { admin, metadata, options in
        try await admin.revokeApiKey(.with { $0.id = id }, metadata: metadata, options: options)
      }
      if connection.json {
        try ProfileOutput.printJSON(key)
        return
      }
      let when = key.hasRevokeTime ? " at \(ProfileOutput.formatted(key.revokeTime.date))" : ""
      print("revoked API key \(key.id) of \(key.subject) (\(key.role))\(when)")
    }
  }
}
