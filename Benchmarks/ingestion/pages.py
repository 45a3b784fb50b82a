#!/usr/bin/env python3
"""Realistic loyalty-program pages for Benchmarks/ingestion/run, generated from a seed.

Every page is HTML of about --target-bytes (20 KB by default) and states facts the offline
extractors read with confidence, like the pages of Tests/IngestionCoreTests/Corpus:

  earning charts     a program's rates on one airline's flights (fare classes, cabin, % of
                     distance flown), one page per program and airline;
  award charts       a program's zone grid per cabin (own flights, partners', any airline);
  transfer partners  a bank's airline programs with their ratios;
  tier pages         a program's elite tiers and what each needs.

Around the facts sits what real pages carry: head metadata, style sheets, analytics
scripts and tag JSON, a cookie banner, a large navigation menu, breadcrumbs, help
paragraphs and FAQs, a promotion and a long footer. The filler names no program, airline,
region or tier and holds no percentages or ratios, so the facts a page yields are the ones
it was written with. The same seed gives the same pages, byte for byte.

  pages.py generate --count N --seed S --out DIR [--target-bytes B]

writes DIR/NNNN.html and DIR/manifest.json ([{key, file, kind, program, airline, bytes, facts_stated}])
and prints the sizes. `facts_stated` counts the rows, grid cells, partners or tiers written;
the extractors may find more (an earning chart also makes the airline a partner).
"""

import argparse
import html
import json
import os
import random
import statistics
import sys

# The airline programs of IngestionCore's ProgramDirectory: id, name used on the page, what
# its points are called, the airline that runs it, and the alliance it belongs to.
AIRLINE_PROGRAMS = [
    ("aa-aadvantage", "AAdvantage", "miles", "AA", "oneworld"),
    ("ba-executive-club", "British Airways Club", "Avios", "BA", "oneworld"),
    ("qr-privilege-club", "Qatar Airways Privilege Club", "Avios", "QR", "oneworld"),
    ("ua-mileageplus", "United MileagePlus", "miles", "UA", "Star Alliance"),
    ("ac-aeroplan", "Aeroplan", "points", "AC", "Star Alliance"),
    ("af-flying-blue", "Flying Blue", "Miles", "AF", "SkyTeam"),
    ("dl-skymiles", "Delta SkyMiles", "miles", "DL", "SkyTeam"),
    ("b6-trueblue", "JetBlue TrueBlue", "points", "B6", None),
    ("as-mileage-plan", "Alaska Airlines Mileage Plan", "miles", "AS", "oneworld"),
    ("vs-flying-club", "Virgin Atlantic Flying Club", "points", "VS", None),
    ("lh-miles-and-more", "Lufthansa Miles & More", "miles", "LH", "Star Alliance"),
    ("sq-krisflyer", "Singapore Airlines KrisFlyer", "miles", "SQ", "Star Alliance"),
    ("ek-skywards", "Emirates Skywards", "miles", "EK", None),
    ("cx-asia-miles", "Cathay Pacific Asia Miles", "miles", "CX", "oneworld"),
    ("ib-iberia-plus", "Iberia Plus", "Avios", "IB", "oneworld"),
]

# The bank programs, with the programs they transfer to (ids of AIRLINE_PROGRAMS).
BANK_PROGRAMS = [
    ("amex-membership-rewards", "American Express Membership Rewards", "Membership Rewards"),
    ("chase-ultimate-rewards", "Chase Ultimate Rewards", "Ultimate Rewards"),
    ("citi-thankyou", "Citi ThankYou Rewards", "ThankYou"),
    ("capital-one-miles", "Capital One Miles", "Capital One"),
    ("bilt-rewards", "Bilt Rewards", "Bilt"),
]

# Airlines of IngestionCore's AirlineDirectory, by the name pages use for them.
AIRLINES = {
    "AA": "American Airlines", "AS": "Alaska Airlines", "BA": "British Airways", "CX": "Cathay Pacific", "AY": "Finnair",
    "IB": "Iberia", "JL": "Japan Airlines", "MH": "Malaysia Airlines", "QF": "Qantas", "QR": "Qatar Airways",
    "AT": "Royal Air Maroc", "RJ": "Royal Jordanian", "UL": "SriLankan Airlines", "UA": "United Airlines", "AC": "Air Canada",
    "LH": "Lufthansa", "NH": "All Nippon Airways", "SQ": "Singapore Airlines", "LX": "Swiss International Air Lines",
    "OS": "Austrian Airlines", "TK": "Turkish Airlines", "TG": "Thai Airways", "NZ": "Air New Zealand",
    "ET": "Ethiopian Airlines", "CA": "Air China", "BR": "EVA Air", "TP": "TAP Air Portugal", "LO": "LOT Polish Airlines",
    "SN": "Brussels Airlines", "AV": "Avianca", "CM": "Copa Airlines", "MS": "Egyptair", "SA": "South African Airways",
    "AI": "Air India", "A3": "Aegean Airlines", "DL": "Delta Air Lines", "AF": "Air France", "KL": "KLM",
    "KE": "Korean Air", "AM": "Aeromexico", "VS": "Virgin Atlantic", "VN": "Vietnam Airlines", "CI": "China Airlines",
    "KQ": "Kenya Airways", "SK": "SAS", "B6": "JetBlue", "EK": "Emirates", "EY": "Etihad Airways", "HA": "Hawaiian Airlines",
}

REGIONS = [
    "North America", "Central America", "Caribbean", "South America", "Europe", "Middle East", "Africa", "South Asia",
    "North Asia", "Southeast Asia", "Oceania",
]

CABINS = ["First", "Business", "Premium Economy", "Economy"]

# Tier names and the metric each program qualifies with.
TIER_LADDERS = [
    (["Silver", "Gold", "Platinum"], "Tier Points"),
    (["Silver", "Gold", "Platinum", "Diamond"], "Status Points"),
    (["Gold", "Platinum", "Titanium"], "Loyalty Points"),
    (["Silver", "Gold", "Platinum", "Platinum Pro"], "Qualifying Miles"),
    (["Premier Silver", "Premier Gold", "Premier Platinum"], "Qualifying Points"),
]

# --- filler -------------------------------------------------------------------------------
# Neutral words only: no program, airline, region, tier, percentage or ratio.

NAV_SECTIONS = {
    "Book": ["Flights", "Flight and hotel", "Multi-city trips", "Group travel", "Gift cards", "Travel deals", "Student fares",
             "Travel insurance", "Car hire", "Hotels", "Holiday packages", "Corporate travel"],
    "Manage": ["Manage booking", "Check in online", "Choose a seat", "Add bags", "Change or cancel", "Request a refund",
               "Upgrade options", "Special meals", "Travel documents", "Receipts and invoices"],
    "Travel information": ["Baggage allowance", "Restricted items", "Travelling with children", "Travelling with pets",
                           "Special assistance", "Health and safety", "Visas and passports", "Airport guides",
                           "Connecting flights", "Delays and disruption", "Lost property", "Sports equipment"],
    "Membership": ["Join now", "Log in", "My account", "Activity statement", "Update my details", "Family pooling",
                   "Missing credit", "Account security", "Membership card", "Terms of membership"],
    "Help": ["Help centre", "Contact us", "Feedback", "Accessibility", "Site map", "Fraud warning", "Customer commitment",
             "Tarmac delay plan", "Contract of carriage", "Travel alerts"],
}

FOOTER_LINKS = ["About us", "Careers", "Investor relations", "Newsroom", "Sustainability", "Supplier portal", "Legal notices",
                "Privacy notice", "Cookie settings", "Terms of use", "Conditions of carriage", "Modern slavery statement",
                "Optional service charges", "Customer service plan", "Site map", "Accessibility statement"]

HELP_SENTENCES = [
    "Keep your membership number handy when you book, so that your account is credited automatically.",
    "Your name on the booking must match the name on your membership account exactly.",
    "If your credit is missing, you can submit a request from your account once your trip is complete.",
    "Credit usually appears in your account within a few days of travel.",
    "Tickets bought through travel agents are eligible when the membership number was added before departure.",
    "Some discounted fares, group fares and tickets issued for free are not eligible.",
    "Only the passenger who travelled can receive credit for the flight.",
    "Keep your boarding pass and e-ticket receipt until the credit shows in your account.",
    "Check the details of your ticket before you travel: the booking code is printed on your e-ticket receipt.",
    "Codeshare flights are credited according to the rules that apply to the flight number on your ticket.",
    "Changes to the conditions may be made at any time; the version on this page applies to new bookings.",
    "Activity in your account keeps it open; accounts without activity for a long time may be closed.",
    "You can manage your communication preferences at any time in your account.",
    "We never ask for your password by email, text message or phone call.",
    "For accessibility support, contact our dedicated team before you travel.",
    "Please allow extra time at the airport during busy holiday periods.",
    "Bookings made with vouchers or credits follow the conditions of the original ticket.",
    "Online check-in opens a day before departure for most flights.",
    "If your flight is disrupted, rebooking options are shown in the app and on the website.",
    "Seat selection and extra bags can be added to your booking up to the time of departure.",
]

FAQ = [
    ("How do I add my membership number to a booking?",
     "Open your booking under Manage booking, choose Passengers and enter the number. It can also be added at check-in."),
    ("When will the credit show in my account?",
     "Usually within a few days of the flight. If it is not there after two weeks, send us a missing credit request."),
    ("Can I claim credit for a past flight?",
     "Yes, for flights taken within the last months, as long as you were a member on the date of travel."),
    ("Does my ticket type matter?",
     "Yes. The booking code on your ticket decides what you receive. You can find it on your e-ticket receipt."),
    ("What if my flight was cancelled?",
     "Flights not flown do not receive credit. The replacement flight is credited according to its own booking code."),
    ("How do I update my name or address?",
     "Sign in to your account and choose Update my details. A name change needs a copy of your passport."),
    ("Can I combine accounts?",
     "Accounts cannot be merged, but family pooling lets members of one household collect together."),
    ("Is there a fee to join?",
     "No, membership is free. You can join online in a few minutes."),
]

CSS_PROPERTIES = ["margin", "padding", "color", "background", "border", "font-size", "line-height", "display", "position",
                  "z-index", "width", "max-width", "min-height", "letter-spacing", "text-transform", "box-shadow", "opacity",
                  "transition", "grid-template-columns", "gap"]
CSS_CLASSES = ["header", "nav", "menu", "submenu", "hero", "card", "tile", "grid", "btn", "btn-primary", "btn-secondary",
               "footer", "legal", "breadcrumb", "table", "promo", "banner", "modal", "overlay", "tabs", "accordion", "icon",
               "search", "form", "input", "label", "badge", "tooltip", "skip-link", "visually-hidden"]


def css(rng, rules):
    lines = []
    for _ in range(rules):
        selector = "." + "-".join(rng.sample(CSS_CLASSES, rng.randint(1, 2)))
        if rng.random() < 0.4:
            selector += " ." + rng.choice(CSS_CLASSES)
        declarations = "; ".join(
            f"{prop}: {rng.choice(['0', 'auto', 'none', 'inherit', f'{rng.randint(1, 48)}px', f'#{rng.randrange(16**6):06x}', f'{rng.randint(1, 9) / 10}rem'])}"
            for prop in rng.sample(CSS_PROPERTIES, rng.randint(2, 6)))
        lines.append(f"  {selector} {{ {declarations}; }}")
    return "\n".join(lines)


def analytics_script(rng, page_id):
    experiments = ", ".join(str(rng.randint(1000, 9999)) for _ in range(rng.randint(3, 8)))
    keys = ", ".join(f'"{rng.choice(CSS_CLASSES)}_{i}": "{rng.randrange(16**8):08x}"' for i in range(rng.randint(10, 25)))
    return f"""<script>
  window.dataLayer = window.dataLayer || [];
  window.dataLayer.push({{ page: "{page_id}", build: "{rng.randrange(16**10):010x}", experiments: [{experiments}] }});
  (function (w, d, s, l, i) {{
    w[l] = w[l] || []; w[l].push({{ start: new Date().getTime(), event: "tm.js" }});
    var f = d.getElementsByTagName(s)[0], j = d.createElement(s), dl = l != "dataLayer" ? "&l=" + l : "";
    j.async = true; j.src = "/assets/tm.js?id=" + i + dl; f.parentNode.insertBefore(j, f);
  }})(window, document, "script", "dataLayer", "TM-{rng.randrange(16**6):06X}");
</script>
<script type="application/json" id="page-config">{{ {keys} }}</script>"""


def nav(rng):
    parts = ['<header class="site-header">', '  <a class="skip-link" href="#main">Skip to main content</a>',
             '  <nav aria-label="Main">', '    <ul class="menu">']
    for section, links in NAV_SECTIONS.items():
        slug = section.lower().replace(" ", "-")
        parts.append(f'      <li class="menu-item"><a href="/{slug}">{section}</a>')
        parts.append('        <ul class="submenu">')
        for link in rng.sample(links, rng.randint(len(links) - 3, len(links))):
            href = link.lower().replace(" ", "-").replace(",", "")
            parts.append(f'          <li><a href="/{slug}/{href}">{link}</a></li>')
        parts.append("        </ul>")
        parts.append("      </li>")
    parts += ["    </ul>", '    <form class="search" action="/search"><label for="q">Search</label>',
              '      <input id="q" name="q" type="search"><button type="submit">Go</button></form>', "  </nav>", "</header>"]
    return "\n".join(parts)


def cookie_banner(rng):
    return f"""<div class="cookie-banner" role="dialog" aria-label="Cookie consent">
  <p>We use cookies to make this site work, to remember your choices and to understand how it is used. We keep your
  choices for {rng.choice(['six', 'twelve', 'thirteen'])} months. <a href="/legal/cookies">Cookie notice</a></p>
  <button type="button">Accept all</button> <button type="button">Reject all</button> <button type="button">Settings</button>
</div>"""


def breadcrumb(trail):
    items = "".join(f"<li>{item}</li>" for item in trail)
    return f'<ol class="breadcrumb">{items}</ol>'


def help_section(rng, sentences=6):
    chosen = rng.sample(HELP_SENTENCES, sentences)
    items = "\n".join(f"    <li>{s}</li>" for s in chosen[: sentences // 2])
    para = " ".join(chosen[sentences // 2:])
    return f"""  <h2>Good to know</h2>
  <ul>
{items}
  </ul>
  <p>{para}</p>"""


def faq_section(rng, count):
    entries = "\n".join(f'    <details><summary>{q}</summary><p>{a}</p></details>' for q, a in rng.sample(FAQ, count))
    return f"""  <section class="faq">
  <h2>Frequently asked questions</h2>
{entries}
  </section>"""


def footer(rng, owner, year):
    links = " |\n".join(f'    <a href="/{l.lower().replace(" ", "-")}">{l}</a>' for l in rng.sample(FOOTER_LINKS, 12))
    phone = f"1-800-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
    return f"""<footer class="site-footer">
  <nav aria-label="Footer">
{links}
  </nav>
  <p class="legal">&copy; {year} {owner}. All rights reserved. Questions? Call {phone}, open every day.
  Registered office: {rng.randint(1, 400)} Harbour Road, registered under number {rng.randint(100000, 999999)}.</p>
  <p class="legal">Prices and conditions shown on this site may change without notice. Please read the conditions that
  apply to your ticket before you book.</p>
</footer>"""


def page_html(rng, *, title, lang, page_id, owner, trail, canonical, body, year):
    head = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="canonical" href="{canonical}">
<link rel="stylesheet" href="/assets/site.min.css?v={rng.randint(1000, 9999)}">
<style>
{css(rng, rng.randint(40, 60))}
</style>
{analytics_script(rng, page_id)}
</head>
<body>
{cookie_banner(rng)}
{nav(rng)}
<main id="main">
  {breadcrumb(trail)}
{body}
</main>
{footer(rng, owner, year)}
<script src="/assets/app.min.js?v={rng.randrange(16**8):08x}" async></script>
</body>
</html>
"""
    return head


def pad(rng, page, target):
    """Grows the page toward `target` bytes with more style rules (what sites ship)."""
    extra = []
    while len(page.encode()) + sum(len(e) for e in extra) < target - 200:
        extra.append(css(rng, 1) + "\n")
    if not extra:
        return page
    return page.replace("</style>\n", "".join(extra) + "</style>\n", 1)


# --- the fact sections ------------------------------------------------------------------

# Booking codes by the cabin airlines usually sell them in; each code once per chart.
CABIN_CODES = {"First": "FAP", "Business": "JCDIZR", "Premium Economy": "WEON", "Economy": "YBMHKLQVSTGUX"}


def earning_body(rng, program, airline_code):
    pid, pname, currency, own, _ = program
    pname = html.escape(pname)
    airline = AIRLINES[airline_code]
    cabins = [c for c in CABINS if c != "First" or rng.random() < 0.5]
    rows = []
    percent = rng.choice([150, 175, 200]) if "First" in cabins else rng.choice([125, 150])
    for cabin in cabins:
        letters = list(CABIN_CODES[cabin])
        rng.shuffle(letters)
        groups = 1 if len(letters) <= 3 else rng.randint(1, 3)
        size = len(letters) // groups
        for group in range(groups):
            codes = letters[group * size:(group + 1) * size] if group < groups - 1 else letters[group * size:]
            codes = codes[: max(1, len(codes) - rng.randint(0, 1))]
            rows.append((", ".join(codes), cabin, percent))
            percent = max(25, percent - rng.choice([0, 25, 25, 50]))
    table_rows = "\n".join(f"      <tr><td>{codes}</td><td>{cabin}</td><td>{p}%</td></tr>" for codes, cabin, p in rows)
    header = rng.choice(["Fare class", "Booking class", "Booking codes"])
    intro = (f"When you fly on flights operated by {airline}, you earn {pname} {currency} based on the distance flown "
             f"and the {header.lower()} of your ticket.")
    body = f"""  <h1>Earn {pname} {currency} on {airline}</h1>
  <p>{intro}</p>
{help_section(rng, 4)}
  <h2>{pname} {currency} earned on flights operated by {airline}</h2>
  <table class="earn-table">
    <thead>
      <tr><th>{header}</th><th>Cabin</th><th>{pname} {currency} earned (% of distance flown)</th></tr>
    </thead>
    <tbody>
{table_rows}
    </tbody>
  </table>
{help_section(rng, 6)}
{faq_section(rng, 4)}"""
    title = f"Earn {pname} {currency} on {airline} | {pname}"
    return title, body, len(rows)


def award_body(rng, program, operated_by):
    pid, pname, currency, own, _ = program
    pname = html.escape(pname)
    regions = rng.sample(REGIONS, rng.randint(5, 7))
    origins = rng.sample(regions, rng.randint(2, 3))
    cabins = rng.sample(["Economy", "Premium Economy", "Business", "First"], rng.randint(2, 3))
    cabins.sort(key=["Economy", "Premium Economy", "Business", "First"].index)
    scale = {"Economy": 1.0, "Premium Economy": 1.6, "Business": 2.4, "First": 3.5}
    base = {r: rng.choice([7500, 10000, 12500, 15000, 20000, 25000, 30000, 35000, 40000]) for r in regions}
    if operated_by == "own":
        scope = f"on flights operated by {AIRLINES[own]}"
        heading = "Award chart"
    elif operated_by == "partner":
        scope = "on partner airlines: partner awards"
        heading = "Partner award chart"
    else:
        scope = "on any airline: the same prices apply to our own flights and partners"
        heading = "Award chart for all airlines"
    tables = []
    facts = 0
    for cabin in cabins:
        head = "".join(f"<th>{r}</th>" for r in regions)
        body_rows = []
        for origin in origins:
            cells = []
            for dest in regions:
                value = int(round(max(base[origin], base[dest]) * scale[cabin] / 500.0)) * 500
                if origin == dest:
                    value = int(round(base[origin] * 0.5 * scale[cabin] / 500.0)) * 500
                cells.append(f"<td>{value:,}</td>")
                facts += 1
            body_rows.append(f'      <tr><th scope="row">{origin}</th>{"".join(cells)}</tr>')
        rows = "\n".join(body_rows)
        tables.append(f"""  <table class="award-grid">
    <caption>{cabin} &ndash; {currency}, one way</caption>
    <thead><tr><th>From \\ To</th>{head}</tr></thead>
    <tbody>
{rows}
    </tbody>
  </table>""")
    body = f"""  <h1>{pname} {heading.lower()}</h1>
  <p>{pname} {currency} needed for a one-way award ticket for one passenger {scope}. Rows are where you fly from;
  columns are where you fly to.</p>
{chr(10).join(tables)}
  <h2>Taxes and fees</h2>
  <p>Award tickets include government taxes and carrier-imposed fees, which are shown before you confirm.</p>
{help_section(rng, 6)}
{faq_section(rng, 4)}"""
    return f"{heading} | {pname}", body, facts


def transfer_body(rng, bank, partners):
    bid, bname, short = bank
    rows = []
    for pid, pname, currency, _, _ in partners:
        give, get = rng.choice([(1000, 1000), (1000, 1000), (1000, 800), (1000, 750), (1000, 500), (250, 200), (1000, 1500)])
        minimum = rng.choice([1000, 1000, 500, 2000])
        rows.append(f"      <tr><td>{html.escape(pname)}</td><td>{give:,} : {get:,}</td><td>{max(minimum, give):,}</td><td>{give:,}</td></tr>")
    table = "\n".join(rows)
    body = f"""  <h1>Transfer {short} points to airline partners</h1>
  <p>Transfer your {bname} points to eligible frequent flyer programs. Transfers are usually instant, although some
  take up to two days. Once transferred, points cannot be moved back.</p>
  <table class="partners">
    <thead>
      <tr><th>Frequent flyer program</th><th>{short} points : partner miles or points</th><th>Minimum transfer</th><th>Transfer in multiples of</th></tr>
    </thead>
    <tbody>
{table}
    </tbody>
  </table>
{help_section(rng, 6)}
{faq_section(rng, 4)}"""
    return f"Transfer partners | {bname}", body, len(partners)


def tier_body(rng, program, ladder):
    pid, pname, currency, own, alliance = program
    pname = html.escape(pname)
    names, metric = ladder
    first = rng.choice([15000, 20000, 25000, 30000, 35000])
    thresholds = [first]
    for _ in names[1:]:
        thresholds.append(int(thresholds[-1] * rng.choice([1.8, 2, 2.5]) / 500) * 500)
    bonuses = [rng.choice([25, 30, 40, 50])]
    for _ in names[1:]:
        bonuses.append(bonuses[-1] + rng.choice([25, 30, 50]))
    alliance_tiers = {"oneworld": ["oneworld Ruby", "oneworld Sapphire", "oneworld Emerald", "oneworld Emerald"],
                      "Star Alliance": ["Star Alliance Silver", "Star Alliance Gold", "Star Alliance Gold", "Star Alliance Gold"],
                      "SkyTeam": ["SkyTeam Elite", "SkyTeam Elite Plus", "SkyTeam Elite Plus", "SkyTeam Elite Plus"]}
    head = "".join(f"<th>{n}</th>" for n in names)
    rows = [f"      <tr><th>{metric} required in a membership year</th>{''.join(f'<td>{t:,}</td>' for t in thresholds)}</tr>",
            f"      <tr><th>Bonus {currency} on {AIRLINES[own]} flights</th>{''.join(f'<td>{b}%</td>' for b in bonuses)}</tr>"]
    if alliance:
        rows.append(f"      <tr><th>{alliance} status</th>{''.join(f'<td>{alliance_tiers[alliance][i]}</td>' for i in range(len(names)))}</tr>")
    table = "\n".join(rows)
    body = f"""  <h1>{pname} tiers and benefits</h1>
  <p>{pname} has {len(names)} elite tiers above the base membership. You move up a tier by collecting {metric}
  within your membership year.</p>
  <table class="tier-compare">
    <thead><tr><th></th>{head}</tr></thead>
    <tbody>
{table}
    </tbody>
  </table>
{help_section(rng, 6)}
{faq_section(rng, 4)}"""
    return f"{pname} tiers and benefits | {pname}", body, len(names)


# --- the plan ---------------------------------------------------------------------------

def plan(count, rng):
    """The pages to write: a mix of kinds, every (kind, program, subject) once."""
    earning = [(p, code) for p in AIRLINE_PROGRAMS for code in sorted(AIRLINES)]
    awards = [(p, scope) for p in AIRLINE_PROGRAMS for scope in ("own", "partner", "any")]
    tiers = list(AIRLINE_PROGRAMS)
    transfers = list(BANK_PROGRAMS)
    for pool in (earning, awards, tiers, transfers):
        rng.shuffle(pool)
    n_transfer = min(len(transfers), max(1, round(count * 0.03)))
    n_tier = min(len(tiers), max(1, round(count * 0.08)))
    n_award = min(len(awards), max(1, round(count * 0.2)))
    n_earning = count - n_transfer - n_tier - n_award
    if n_earning > len(earning) or n_earning < 1:
        raise SystemExit(f"cannot make {count} distinct pages (at most {len(earning) + n_transfer + n_tier + n_award})")
    chosen = ([("earning", e) for e in earning[:n_earning]] + [("award", a) for a in awards[:n_award]]
              + [("tier", t) for t in tiers[:n_tier]] + [("transfer", b) for b in transfers[:n_transfer]])
    rng.shuffle(chosen)
    return chosen


def generate(args):
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    manifest = []
    for index, (kind, subject) in enumerate(plan(args.count, rng)):
        page_rng = random.Random(f"{args.seed}/{index}")
        year = page_rng.choice([2025, 2026])
        if kind == "earning":
            program, code = subject
            title, body, facts = earning_body(page_rng, program, code)
            key = f"programs/{program[0]}/earn/{AIRLINES[code].lower().replace(' ', '-')}.html"
            owner, pid, airline = AIRLINES[program[3]], program[0], code
        elif kind == "award":
            program, scope = subject
            title, body, facts = award_body(page_rng, program, scope)
            key = f"programs/{program[0]}/awards/{scope}.html"
            owner, pid, airline = AIRLINES[program[3]], program[0], ""
        elif kind == "tier":
            program = subject
            title, body, facts = tier_body(page_rng, program, page_rng.choice(TIER_LADDERS))
            key = f"programs/{program[0]}/status/tiers.html"
            owner, pid, airline = AIRLINES[program[3]], program[0], ""
        else:
            bank = subject
            partners = page_rng.sample(AIRLINE_PROGRAMS, page_rng.randint(6, 11))
            partners.sort(key=lambda p: p[1])
            title, body, facts = transfer_body(page_rng, bank, partners)
            key = f"banks/{bank[0]}/transfer-partners.html"
            owner, pid, airline = bank[1], bank[0], ""
        text = page_html(page_rng, title=title, lang=page_rng.choice(["en", "en-US", "en-GB"]), page_id=key.replace("/", "-"),
                         owner=owner, trail=["Home", kind.capitalize(), title.split(" | ")[0]],
                         canonical=f"https://www.example-loyalty.test/{key}", body=body, year=year)
        # Real pages differ in size: each is padded to within 15 % of the target.
        text = pad(page_rng, text, int(args.target_bytes * page_rng.uniform(0.85, 1.15)))
        data = text.encode("utf-8")
        name = f"{index:04d}.html"
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
        manifest.append({"key": key, "file": name, "kind": kind, "program": pid, "airline": airline, "bytes": len(data),
                         "facts_stated": facts})
    keys = [m["key"] for m in manifest]
    if len(set(keys)) != len(keys):
        raise SystemExit("two pages share a key")
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    sizes = sorted(m["bytes"] for m in manifest)
    kinds = {}
    for m in manifest:
        kinds[m["kind"]] = kinds.get(m["kind"], 0) + 1
    mix = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    print(f"{len(manifest)} pages ({mix}); bytes min {sizes[0]:,}, median {int(statistics.median(sizes)):,}, "
          f"max {sizes[-1]:,}, total {sum(sizes):,}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--count", type=int, required=True)
    g.add_argument("--seed", type=int, default=42)
    g.add_argument("--out", required=True)
    g.add_argument("--target-bytes", type=int, default=20_000)
    args = parser.parse_args()
    if args.command == "generate":
        if args.count < 1:
            raise SystemExit("--count must be at least 1")
        generate(args)


if __name__ == "__main__":
    sys.exit(main())
