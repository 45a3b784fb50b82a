/// The award-chart region of every country as OpenFlights spells it: all names of
/// countries.dat, plus the other spellings airports.dat uses ("Burma", "Macau", "Cape Verde",
/// "Congo (Kinshasa)", …).
///
/// Regions follow the way airline award charts draw them:
/// - north-america: the United States (with Alaska and Hawaii), Canada, Greenland, Bermuda and
///   Saint Pierre and Miquelon.
/// - central-america: Mexico and the seven isthmus countries; Clipperton Island (off Mexico).
/// - caribbean: the islands of the Caribbean Sea and the Bahamas, Turks and Caicos, including
///   Puerto Rico and the US Virgin Islands.
/// - south-america: the continent with French Guiana, the Falklands and South Georgia; also
///   Antarctica, whose airports with IATA codes (King George Island) are reached from
///   Punta Arenas.
/// - europe: the continent including Russia, Turkey, Cyprus and the Caucasus (Armenia,
///   Azerbaijan, Georgia), and the Central Asian states (Kazakhstan, Kyrgyzstan, Tajikistan,
///   Turkmenistan, Uzbekistan), which ICAO's European and North Atlantic region covers and
///   whose air links run mostly through Moscow and Istanbul.
/// - middle-east: the Gulf states, the Levant, Iran, Iraq and Yemen.
/// - africa: the continent including Egypt and the Maghreb, and the African islands of the
///   Atlantic and Indian Oceans (Cabo Verde, Saint Helena, Madagascar, Réunion, Mauritius,
///   Seychelles, the French Scattered Islands and Southern Territories, Bouvet Island).
/// - south-asia: Afghanistan, India, Pakistan, Bangladesh, Sri Lanka, Nepal, Bhutan, the
///   Maldives and the British Indian Ocean Territory.
/// - north-asia: China, Hong Kong, Macao, Taiwan, Japan, both Koreas and Mongolia.
/// - southeast-asia: the ASEAN countries, Timor-Leste and the South China Sea islands.
/// - oceania: Australia (with its Indian Ocean territories, Christmas and Cocos Islands, flown
///   from Perth), New Zealand and the Pacific islands, including the US Pacific territories.
public enum CountryRegions {
  /// The region of a country name exactly as OpenFlights writes it, or `nil` when the table
  /// does not know the name.
  public static func region(ofCountry name: String) -> Region? {
    byCountry[name]
  }

  /// Every country name the table knows with its region.
  public static let byCountry: [String: Region] = Dictionary(
    namesByRegion.flatMap { region, names in names.map { ($0, region) } },
    uniquingKeysWith: { first, _ in first })

  /// The table as written, region by region (a name listed twice would be a mistake).
  static let namesByRegion: [(Region, [String])] = [
    (
      .northAmerica,
      [
        "United States", "Canada", "Greenland", "Bermuda", "St. Pierre and Miquelon", "Saint Pierre and Miquelon",
      ]
    ),
    (
      .centralAmerica,
      [
        "Mexico", "Guatemala", "Belize", "El Salvador", "Honduras", "Nicaragua", "Costa Rica", "Panama",
        "Clipperton Island",
      ]
    ),
    (
      .caribbean,
      [
        "Anguilla", "Antigua and Barbuda", "Aruba", "Bahamas", "Barbados", "Bonaire, Saint Eustatius and Saba",
        "British Virgin Islands", "Cayman Islands", "Cuba", "Dominica", "Dominican Republic", "Grenada", "Guadeloupe",
        "Haiti", "Jamaica", "Martinique", "Montserrat", "Navassa Island", "Netherlands Antilles", "Puerto Rico",
        "St. Kitts and Nevis", "Saint Kitts and Nevis", "St. Lucia", "Saint Lucia", "St. Vincent and the Grenadines",
        "Saint Vincent and the Grenadines", "Trinidad and Tobago", "Turks and Caicos Islands",
        "United States Virgin Islands", "Virgin Islands",
      ]
    ),
    (
      .southAmerica,
      [
        "Argentina", "Bolivia", "Brazil", "Chile", "Colombia", "Ecuador", "Falkland Islands", "French Guiana", "Guyana",
        "Paraguay", "Peru", "South Georgia and South Sandwich Is.", "Suriname", "Uruguay", "Venezuela", "Antarctica",
      ]
    ),
    (
      .europe,
      [
        "Albania", "Austria", "Belarus", "Belgium", "Bosnia and Herzegovina", "Bulgaria", "Croatia", "Cyprus",
        "Czech Republic", "Denmark", "Estonia", "Faeroe Islands", "Faroe Islands", "Finland", "France", "Germany",
        "Gibraltar", "Greece", "Guernsey", "Hungary", "Iceland", "Ireland", "Isle of Man", "Italy", "Jan Mayen", "Jersey",
        "Latvia", "Lithuania", "Luxembourg", "Macedonia", "Malta", "Moldova", "Monaco", "Montenegro", "Netherlands",
        "Norway", "Poland", "Portugal", "Romania", "Russia", "Serbia", "Slovakia", "Slovenia", "Spain",
        "Svalbard and Jan Mayen Islands", "Svalbard", "Sweden", "Switzerland", "Turkey", "Ukraine", "United Kingdom",
        "Armenia", "Azerbaijan", "Georgia",
        "Kazakhstan", "Kyrgyz Republic", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Uzbekistan",
      ]
    ),
    (
      .middleEast,
      [
        "Bahrain", "Iran", "Iraq", "Israel", "Jordan", "Kuwait", "Lebanon", "Oman", "Palestine", "West Bank", "Qatar",
        "Saudi Arabia", "Syria", "United Arab Emirates", "Yemen",
      ]
    ),
    (
      .africa,
      [
        "Algeria", "Angola", "Benin", "Botswana", "Burkina Faso", "Burundi", "Cabo Verde", "Cape Verde", "Cameroon",
        "Central African Republic", "Chad", "Comoros", "Congo Republic", "Congo (Brazzaville)", "DR Congo",
        "Congo (Kinshasa)", "Cote d'Ivoire", "Djibouti", "Egypt", "Equatorial Guinea", "Eritrea", "Eswatini", "Swaziland",
        "Ethiopia", "Gabon", "Gambia", "Ghana", "Guinea", "Guinea-Bissau", "Kenya", "Lesotho", "Liberia", "Libya",
        "Madagascar", "Malawi", "Mali", "Mauritania", "Mauritius", "Mayotte", "Morocco", "Mozambique", "Namibia", "Niger",
        "Nigeria", "Reunion", "Rwanda", "Sao Tome and Principe", "Senegal", "Seychelles", "Sierra Leone", "Somalia",
        "South Africa", "South Sudan", "St. Helena", "Saint Helena", "Sudan", "Tanzania", "Togo", "Tunisia", "Uganda",
        "Western Sahara", "Zambia", "Zimbabwe",
        "Europa Island", "Glorioso Islands", "Juan de Nova Island", "Tromelin Island", "French Southern Territories",
        "Bouvet Island",
      ]
    ),
    (
      .southAsia,
      [
        "Afghanistan", "Bangladesh", "Bhutan", "India", "Maldives", "Nepal", "Pakistan", "Sri Lanka",
        "British Indian Ocean Territory",
      ]
    ),
    (
      .northAsia,
      [
        "China", "Hong Kong", "Macao", "Macau", "Taiwan", "Japan", "South Korea", "North Korea", "Mongolia",
      ]
    ),
    (
      .southeastAsia,
      [
        "Brunei Darussalam", "Brunei", "Cambodia", "Indonesia", "Laos", "Malaysia", "Myanmar", "Burma", "Philippines",
        "Singapore", "Thailand", "Vietnam", "Timor-Leste", "East Timor", "Paracel Islands", "Spratly Islands",
      ]
    ),
    (
      .oceania,
      [
        "Australia", "New Zealand", "Ashmore and Cartier Islands", "Christmas Island", "Cocos (Keeling) Islands",
        "Coral Sea Islands", "Heard and McDonald Islands", "Norfolk Island", "American Samoa", "Cook Islands", "Fiji",
        "French Polynesia", "Guam", "Kiribati", "Marshall Islands", "Micronesia, Fed. Sts.", "Micronesia", "Nauru",
        "New Caledonia", "Niue", "Northern Mariana Islands", "Palau", "Papua New Guinea", "Pitcairn", "Samoa",
        "Solomon Islands", "Tokelau", "Tonga", "Tuvalu", "Vanuatu", "Wallis and Futuna Islands", "Wallis and Futuna",
        "Baker Island", "Howland Island", "Jarvis Island", "Johnston Atoll", "Kingman Reef", "Midway Islands",
        "Palmyra Atoll", "Wake Island",
      ]
    ),
  ]
}
