import Foundation

/// An OpenAI-compatible chat completions endpoint a service may use (graph-service phrases
/// answers with one, ingestion-service extracts facts with one), configured by
///
/// | key | flag | environment | default |
/// | --- | --- | --- | --- |
/// | llm.url | `--llm-url` | `LOYALTY_LLM_URL` | none: no model is used |
/// | llm.model | `--llm-model` | `LOYALTY_LLM_MODEL` | `gpt-4o-mini` |
/// | llm.apiKeyFile | `--llm-api-key-file` | `LOYALTY_LLM_API_KEY_FILE` | none |
public struct LanguageModelEndpoint: Sendable, Equatable {
  public var baseURL: URL
  public var model: String
  public var apiKey: String?

  public init(baseURL: URL, model: String, apiKey: String? = nil) {
    self.baseURL = baseURL
    self.model = model
    self.apiKey = apiKey
  }

  /// The endpoint the flags (else the environment) name; nil when no URL is set.
  public static func configured(
    url: String?, model: String?, apiKeyFile: String?, environment: [String: String]
  ) throws(ConfigError) -> LanguageModelEndpoint? {
    func setting(_ flag: String?, _ variable: String) -> String? {
      flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
    guard let urlText = setting(url, "LOYALTY_LLM_URL") else { return nil }
    guard let parsed = URL(string: urlText), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
      throw ConfigError(key: "llm.url", message: "'\(urlText)' is not an http(s) URL")
    }
    var apiKey: String?
    if let keyFile = setting(apiKeyFile, "LOYALTY_LLM_API_KEY_FILE") {
      guard let data = FileManager.default.contents(atPath: keyFile) else {
        throw ConfigError(key: "llm.apiKeyFile", message: "cannot read \(keyFile)")
      }
      apiKey = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return LanguageModelEndpoint(baseURL: parsed, model: setting(model, "LOYALTY_LLM_MODEL") ?? "gpt-4o-mini", apiKey: apiKey)
  }
}
