import NIOHTTP2

/// The HTTP/2 settings of both sides of the proxy, client-facing and upstream: many streams
/// per connection and windows large enough that a message of a few hundred KiB flows without
/// waiting for window updates.
enum HTTP2Settings {
  static let connection: NIOHTTP2Handler.ConnectionConfiguration = {
    var connection = NIOHTTP2Handler.ConnectionConfiguration()
    connection.initialSettings = [
      HTTP2Setting(parameter: .maxConcurrentStreams, value: 1000),
      HTTP2Setting(parameter: .initialWindowSize, value: 1 << 20),
      HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 16),
    ]
    return connection
  }()

  static let stream: NIOHTTP2Handler.StreamConfiguration = {
    var stream = NIOHTTP2Handler.StreamConfiguration()
    stream.targetWindowSize = 1 << 20
    return stream
  }()
}
