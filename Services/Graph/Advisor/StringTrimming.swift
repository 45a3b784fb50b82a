extension String {
  /// The text without leading and trailing white space. Request fields rarely carry any, so
  /// the string itself comes back without a copy (and without Foundation's bridging, which
  /// showed in the earnings profile).
  var trimmedWhitespace: String {
    let scalars = unicodeScalars
    guard let first = scalars.first, let last = scalars.last else { return self }
    if !first.properties.isWhitespace && !last.properties.isWhitespace { return self }
    guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
      let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return "" }
    return String(scalars[start...end])
  }
}
