#!/usr/bin/env python3
"""The profile database of Benchmarks/backup/run: SQL that bulk-loads realistic profiles into
profile-service's schema, and row counts of a database file.

The rows are what profile-service itself writes: each `profiles` row holds the traveller's
whole v1 document as protobuf JSON (2 to 4 memberships with tiers and balances, preferred
airlines and alliances, a status goal), and each traveller has a history of balance
adjustments. They are loaded without journal records, as if the journal before the first
snapshot had been compacted away: the journal then holds only the writes made during the run.

  dataset.py sql --profiles N           the SQL for sqlite3, one transaction
  dataset.py profiles-for --mib M       how many profiles make a database of about M MiB
  dataset.py counts DB                  row counts and journal head of DB, as JSON
"""

import argparse
import json
import sqlite3
import sys

# (program id, airline, alliance, elite tiers); index 0 of the tiers is "no status".
PROGRAMS = (
    ("aa-aadvantage", "AA", "ALLIANCE_ONEWORLD", ("", "Gold", "Platinum", "Platinum Pro", "Executive Platinum")),
    ("ba-executive-club", "BA", "ALLIANCE_ONEWORLD", ("", "Bronze", "Silver", "Gold")),
    ("ua-mileageplus", "UA", "ALLIANCE_STAR_ALLIANCE", ("", "Premier Silver", "Premier Gold", "Premier Platinum", "Premier 1K")),
    ("dl-skymiles", "DL", "ALLIANCE_SKYTEAM", ("", "Silver Medallion", "Gold Medallion", "Platinum Medallion", "Diamond Medallion")),
    ("as-mileageplan", "AS", "ALLIANCE_ONEWORLD", ("", "MVP", "MVP Gold", "MVP Gold 75K")),
    ("qr-privilege-club", "QR", "ALLIANCE_ONEWORLD", ("", "Silver", "Gold", "Platinum")),
    ("af-flying-blue", "AF", "ALLIANCE_SKYTEAM", ("", "Silver", "Gold", "Platinum")),
    ("amex-membership-rewards", "", "", ("",)),
)
AIRPORTS = (
    "ATL", "LAX", "ORD", "DFW", "DEN", "JFK", "SFO", "SEA", "LAS", "MCO", "EWR", "MIA", "PHX", "IAH",
    "BOS", "MSP", "DTW", "LHR", "CDG", "AMS", "FRA", "MAD", "DOH", "DXB", "SIN", "HKG", "NRT", "SYD",
)
FIRST_NAMES = ("Ada", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hiro", "Ines", "Jon", "Kai", "Lena",
               "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wen", "Yara")
SURNAMES = ("Adams", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones", "Khan",
            "Lopez", "Moreau", "Novak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Walsh")
REASONS = ("flight LHR-JFK", "award redemption", "credit card bonus", "hotel stay", "status match bonus",
           "partner flight DOH-SYD", "points transfer", "flight SFO-ORD")

# Membership j of traveller i is PROGRAMS[(i * 7 + OFFSETS[j]) % 8]: distinct for j = 0..3.
OFFSETS = (0, 3, 5, 6)
ADJUSTMENTS_PER_PROFILE = 4
# Bytes of database file per profile (row, its adjustments, their indexes), measured with this
# generator; the run prints the size actually reached.
BYTES_PER_PROFILE = 1900
USER_ID_FORMAT = "traveler-%08d"


def user_id(index: int) -> str:
    return USER_ID_FORMAT % index


def first_program(index: int) -> str:
    """A program every traveller `index` is a member of: the writers adjust its balance."""
    return PROGRAMS[(index * 7 + OFFSETS[0]) % len(PROGRAMS)][0]


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def values_table(name: str, columns: str, rows) -> str:
    body = ",\n  ".join("(" + ", ".join(str(v) if isinstance(v, int) else sql_text(v) for v in row) + ")" for row in rows)
    return f"CREATE TEMP TABLE {name} ({columns});\nINSERT INTO {name} VALUES\n  {body};\n"


def load_sql(profiles: int) -> str:
    programs = [(k, pid, airline, alliance, json.dumps(list(tiers)), len(tiers))
                for k, (pid, airline, alliance, tiers) in enumerate(PROGRAMS)]
    parts = [
        # The service is stopped while this runs; a crash leaves nothing to recover but the
        # empty schema, so the load skips fsyncs and the rollback journal's copies.
        "PRAGMA journal_mode = DELETE;",
        "PRAGMA synchronous = OFF;",
        "PRAGMA cache_size = -262144;",
        "PRAGMA temp_store = MEMORY;",
        values_table("programs", "k INTEGER PRIMARY KEY, id TEXT, airline TEXT, alliance TEXT, tiers TEXT, tier_count INTEGER",
                     programs),
        values_table("airports", "k INTEGER PRIMARY KEY, code TEXT", enumerate(AIRPORTS)),
        values_table("first_names", "k INTEGER PRIMARY KEY, name TEXT", enumerate(FIRST_NAMES)),
        values_table("surnames", "k INTEGER PRIMARY KEY, name TEXT", enumerate(SURNAMES)),
        values_table("reasons", "k INTEGER PRIMARY KEY, text TEXT", enumerate(REASONS)),
        values_table("offsets", "j INTEGER PRIMARY KEY, offset INTEGER", enumerate(OFFSETS)),
        "BEGIN;",
        # One row per (traveller, membership slot), with a pseudo-random but reproducible mix
        # of tiers, balances and dates derived from the traveller's number.
        f"""
CREATE TEMP TABLE memberships AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {profiles})
SELECT n.i AS i, o.j AS j, p.id AS program_id, p.airline AS airline, p.alliance AS alliance,
  json_extract(p.tiers, '$[' || ((n.i * 31 + o.j * 17) % p.tier_count) || ']') AS tier,
  (n.i * 2654435761 + o.j * 40503) % 950000 + 1000 AS balance,
  printf('%08d', (n.i * 48271 + o.j * 16807) % 100000000) AS member_number
FROM n JOIN temp.offsets o ON o.j < 2 + n.i % 3
JOIN temp.programs p ON p.k = (n.i * 7 + o.offset) % {len(PROGRAMS)};
""",
        f"""
INSERT INTO profiles (user_id, version, home_airport, created_at, updated_at, document, v2_fields)
SELECT printf('{USER_ID_FORMAT}', i), version, home, created * 1000000, updated * 1000000,
  '{{"userId":"' || printf('{USER_ID_FORMAT}', i) || '","displayName":"' || first || ' ' || last ||
  '","homeAirport":"' || home || '","preferredAirlines":' || airlines ||
  CASE WHEN alliances = '[]' THEN '' ELSE ',"preferredAlliances":' || alliances END ||
  ',"memberships":' || memberships ||
  ',"statusGoals":[{{"programId":"' || goal_program || '","targetTier":"' || goal_tier || '","targetDate":"2027-12-31"}}]' ||
  ',"createTime":"' || strftime('%Y-%m-%dT%H:%M:%SZ', created, 'unixepoch') ||
  '","updateTime":"' || strftime('%Y-%m-%dT%H:%M:%SZ', updated, 'unixepoch') ||
  '","version":"' || version || '"}}',
  '{{}}'
FROM (
  SELECT m.i AS i,
    (SELECT name FROM temp.first_names WHERE k = m.i % {len(FIRST_NAMES)}) AS first,
    (SELECT name FROM temp.surnames WHERE k = (m.i / 7) % {len(SURNAMES)}) AS last,
    (SELECT code FROM temp.airports WHERE k = (m.i * 13) % {len(AIRPORTS)}) AS home,
    1546300800 + (m.i * 7919) % 157680000 AS created,
    1704067200 + (m.i * 104729) % 63072000 AS updated,
    {ADJUSTMENTS_PER_PROFILE} + 1 + m.i % 9 AS version,
    json_group_array(m.airline) FILTER (WHERE m.airline != '' AND m.j < 2) AS airlines,
    json_group_array(DISTINCT m.alliance) FILTER (WHERE m.alliance != '' AND m.j < 2) AS alliances,
    '[' || group_concat(
      '{{"programId":"' || m.program_id || '","memberNumber":"' || m.member_number || '"' ||
      CASE WHEN m.tier = '' THEN '' ELSE ',"eliteTier":"' || m.tier || '","tierExpiryDate":"2027-0' || (1 + m.j) || '-28"' END ||
      ',"balance":"' || m.balance || '","balanceAsOf":"2026-0' || (1 + m.i % 9) || '-1' || m.j || 'T08:00:00Z"}}', ',') || ']' AS memberships,
    max(m.program_id) FILTER (WHERE m.airline != '') AS goal_program,
    'Gold' AS goal_tier
  FROM temp.memberships m
  GROUP BY m.i
);
""",
        f"""
INSERT INTO balance_adjustments (id, user_id, program_id, request_id, delta, balance_after, version_after, reason, created_at)
SELECT printf('{USER_ID_FORMAT}', m.i) || '/' || printf('import-%08x-%d', (m.i * 2654435761) % 4294967296, a.j),
  printf('{USER_ID_FORMAT}', m.i), m.program_id, printf('import-%08x-%d', (m.i * 2654435761) % 4294967296, a.j),
  ((m.i * 97 + a.j * 31) % 40000) - 10000, m.balance, 2 + a.j,
  (SELECT text FROM temp.reasons WHERE k = (m.i + a.j) % {len(REASONS)}),
  (1704067200 + (m.i * 104729 + a.j * 86400) % 63072000) * 1000000
FROM temp.memberships m JOIN (SELECT j FROM temp.offsets WHERE j < {ADJUSTMENTS_PER_PROFILE}) a
WHERE m.j = 0;
""",
        "DROP TABLE temp.memberships;",
        "COMMIT;",
        # profile-service opens its database in WAL mode; leave it as it found it.
        "PRAGMA journal_mode = WAL;",
    ]
    return "\n".join(parts)


def counts(path: str) -> dict:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = {}
        for table in ("profiles", "balance_adjustments", "journal"):
            result[table] = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        result["journal_head"] = connection.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()[0]
        return result
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sql = commands.add_parser("sql", help="print the bulk-load SQL")
    sql.add_argument("--profiles", type=int, required=True)
    size = commands.add_parser("profiles-for", help="print the profile count for a database size")
    size.add_argument("--mib", type=int, required=True)
    count = commands.add_parser("counts", help="print row counts as JSON")
    count.add_argument("database")
    args = parser.parse_args()

    if args.command == "sql":
        if args.profiles < 1:
            sys.exit("--profiles must be at least 1")
        sys.stdout.write(load_sql(args.profiles))
    elif args.command == "profiles-for":
        print(max(1, args.mib * 1024 * 1024 // BYTES_PER_PROFILE))
    else:
        print(json.dumps(counts(args.database)))


if __name__ == "__main__":
    main()
