"""The requests Benchmarks/graph/run sends, built from the curated seed and the OpenFlights files.

Nothing here talks to a server: the itineraries, award trips and airport pairs are made the
same way on every run (fixed itineraries, a seeded random generator), so two runs measure
the same work.
"""

import csv
import json
import os
import random

from loyalty.advisor.v1 import advisor_pb2

# Travel dates inside the current rules' validity (AAdvantage revenue-based earning since
# 2022-03-01, on British Airways since 2023-10-18).
TRAVEL_DATES = ("2026-03-14", "2026-03-15", "2026-03-22")

# The 3-segment itineraries CalculateEarnings is loaded with, by body name. Each segment:
# (marketing, operating, flight number, origin, destination, fare class, date index).
ITINERARIES = {
    # AA-marketed DFW-ORD-LHR-JFK in business; the last flight is a codeshare on BA metal,
    # so earning follows the marketing carrier. Revenue-based, earned at Executive Platinum.
    "earnings-aa": {
        "segments": [
            ("AA", "AA", "AA2301", "DFW", "ORD", "I", 0),
            ("AA", "AA", "AA46", "ORD", "LHR", "I", 0),
            ("AA", "BA", "AA6132", "LHR", "JFK", "I", 2),
        ],
        "fare": ("USD", 3850.00, 458.00, 212.37),
        "statuses": [("aa-aadvantage", "Executive Platinum")],
    },
    # Three carriers of one alliance on one ticket: AA economy to New York, BA business to
    # London, QR business to Doha. Every program the itinerary can credit to is answered.
    "earnings-mixed": {
        "segments": [
            ("AA", "AA", "AA1024", "DFW", "JFK", "K", 0),
            ("BA", "BA", "BA178", "JFK", "LHR", "I", 0),
            ("QR", "QR", "QR4", "LHR", "DOH", "D", 1),
        ],
        "fare": ("USD", 2940.00, 520.00, 310.45),
        "statuses": [("aa-aadvantage", "Platinum"), ("ba-executive-club", "Silver")],
    },
}

CABINS = ("economy", "premium-economy", "business", "first")


def load_seed(path: str) -> dict:
    """Node id -> node of the curated seed file graph-service loads into an empty graph."""
    with open(path, encoding="utf-8") as f:
        seed = json.load(f)
    return {node["id"]: node for node in seed.get("nodes", [])}


def seed_airports(nodes: dict) -> list:
    return sorted(n["properties"]["iata"] for n in nodes.values() if n["label"] == "Airport")


def seed_programs(nodes: dict) -> list:
    return sorted(n["id"].split(":", 1)[1] for n in nodes.values() if n["label"] == "LoyaltyProgram")


def missing_from_seed(nodes: dict) -> list:
    """Facts the itineraries rely on that the seed does not hold (empty when all are there)."""
    missing = []

    def need(node_id, what):
        if node_id not in nodes and node_id not in missing:
            missing.append(f"{node_id} ({what})")

    for name, itinerary in ITINERARIES.items():
        for marketing, operating, _, origin, destination, fare_class, _ in itinerary["segments"]:
            need(f"airport:{origin}", name)
            need(f"airport:{destination}", name)
            need(f"airline:{marketing}", name)
            need(f"airline:{operating}", name)
            need(f"fare:{marketing}:{fare_class}", name)
        for program, tier in itinerary["statuses"]:
            need(f"program:{program}", name)
            if not any(n["label"] == "EliteTier" and n["properties"].get("program_id") in (program, f"program:{program}")
                       and n["properties"].get("name") == tier for n in nodes.values()):
                missing.append(f"elite tier '{tier}' of {program} ({name})")
    if len(seed_airports(nodes)) < 2:
        missing.append("at least two airports (award trips)")
    if not seed_programs(nodes):
        missing.append("a loyalty program (award balances)")
    return missing


def earnings_request(name: str) -> "advisor_pb2.CalculateEarningsRequest":
    itinerary = ITINERARIES[name]
    currency, base, fees, taxes = itinerary["fare"]
    return advisor_pb2.CalculateEarningsRequest(
        itinerary=advisor_pb2.Itinerary(
            segments=[
                advisor_pb2.FlightSegment(
                    marketing_carrier=marketing, operating_carrier=operating, flight_number=flight,
                    origin=origin, destination=destination, fare_class=fare_class,
                    departure_date=TRAVEL_DATES[day],
                )
                for marketing, operating, flight, origin, destination, fare_class, day in itinerary["segments"]
            ],
            fare=advisor_pb2.Fare(currency=currency, base_fare=base, carrier_imposed_fees=fees, taxes=taxes),
        ),
        statuses=[advisor_pb2.ProgramStatus(program_id=p, tier=t) for p, t in itinerary["statuses"]],
    )


def award_requests(nodes: dict, count: int, seed: int) -> list:
    """`count` trips between random pairs of the seed's airports, with random cabins, party
    sizes, one-way or return, and one to four balances of random size in random programs."""
    rng = random.Random(seed)
    airports = seed_airports(nodes)
    programs = seed_programs(nodes)
    requests = []
    for _ in range(count):
        origin, destination = rng.sample(airports, 2)
        balances = [
            advisor_pb2.Balance(program_id=program, points=rng.randrange(0, 300_001, 500))
            for program in rng.sample(programs, rng.randint(1, min(4, len(programs))))
        ]
        requests.append(advisor_pb2.FindAwardPathwaysRequest(
            balances=balances,
            trip=advisor_pb2.AwardTrip(
                origin=origin, destination=destination, cabin=rng.choice(CABINS),
                passengers=rng.choice((1, 1, 1, 2, 2, 3, 4)), round_trip=rng.random() < 0.5,
            ),
        ))
    return requests


def routed_airports(openflights_dir: str) -> list:
    """IATA codes of the airports of airports.dat that some row of routes.dat names (by code
    or OpenFlights id), sorted: the candidates for shortest-route pairs."""
    by_id = {}
    codes = set()
    with open(os.path.join(openflights_dir, "airports.dat"), encoding="utf-8") as f:
        for row in csv.reader(f):
            if len(row) > 4 and len(row[4]) == 3 and row[4].isalpha() and row[4].isupper():
                by_id[row[0]] = row[4]
                codes.add(row[4])
    named = set()
    with open(os.path.join(openflights_dir, "routes.dat"), encoding="utf-8") as f:
        for row in csv.reader(f):
            if len(row) < 6:
                continue
            for code, airport_id in ((row[2], row[3]), (row[4], row[5])):
                if code in codes:
                    named.add(code)
                elif airport_id in by_id:
                    named.add(by_id[airport_id])
    return sorted(named)


def route_pairs(airports: list, count: int, seed: int) -> list:
    rng = random.Random(seed)
    return [tuple(rng.sample(airports, 2)) for _ in range(count)]

