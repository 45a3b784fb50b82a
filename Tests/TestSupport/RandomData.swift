import Foundation

/// `count` random bytes, for payloads whose content must not compress or repeat.
public func randomData(_ count: Int) -> Data {
  var generator = SystemRandomNumberGenerator()
  var data = Data(count: count)
  data.withUnsafeMutableBytes { buffer in
    var offset = 0
    while offset < count {
      var word = generator.next()
      let take = min(8, count - offset)
      withUnsafeBytes(of: &word) { buffer.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: take) }
      offset += take
    }
  }
  return data
}
