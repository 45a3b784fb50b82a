#!/usr/bin/env python3
"""The grpcio side of Benchmarks/graph/run: the OpenFlights import, the request bodies h2load
sends, the sequential FindAwardPathways and FindShortestRoute measurements, and the checks.

h2load only sees HTTP status codes, and gRPC reports failures as HTTP 200 with a grpc-status
trailer, so what h2load sends is also replayed here and cross-checked against the service's
own request counters. Every phase writes its figures as JSON for the run script's table.

Needs the Python modules generated from Protos/ on PYTHONPATH (the run script does that).

  calls.py import   --target HOST:PORT --token TOKEN --data DIR --out JSON
  calls.py prepare  --target HOST:PORT --token TOKEN --seed FILE --out DIR
  calls.py awards   --target HOST:PORT --token TOKEN --seed FILE --count N --random-seed S --out JSON
  calls.py routes   --target HOST:PORT --token TOKEN --data DIR --count N --random-seed S --out JSON
  calls.py verify   --target HOST:PORT --echo HOST:PORT --admin HOST:PORT --token TOKEN --dir DIR
                    --earnings-sent N --routes JSON
"""

import argparse
import json
import os
import sys
import time

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "profile"))
from payloads import grpc_frame, served_counts, unframe  # noqa: E402  (shared with the profile benchmark)

import route_check  # noqa: E402
import workload  # noqa: E402
from loyalty.advisor.v1 import advisor_pb2  # noqa: E402
from loyalty.bench.v1 import echo_pb2  # noqa: E402
from loyalty.graph.v1 import graph_pb2  # noqa: E402

GRAPH = "loyalty.graph.v1.GraphService"
ADVISOR = "loyalty.advisor.v1.AdvisorService"
EARNINGS_METHOD = f"/{ADVISOR}/CalculateEarnings"
ECHO_METHOD = "/loyalty.bench.v1.Echo/Echo"
RPC_TIMEOUT = 10  # seconds for every unary call
IMPORT_TIMEOUT = 120  # seconds for the whole import stream
CHUNK_BYTES = 256 * 1024
# FindShortestRoute's default, sent explicitly so the answers and the check agree.
MAX_SEGMENTS = 4
OPENFLIGHTS_FILES = (
    ("airports.dat", graph_pb2.OPEN_FLIGHTS_FILE_AIRPORTS),
    ("airlines.dat", graph_pb2.OPEN_FLIGHTS_FILE_AIRLINES),
    ("routes.dat", graph_pb2.OPEN_FLIGHTS_FILE_ROUTES),
)
# The itinerary bodies h2load sends; the echo body is sized like the larger of their answers.
EARNINGS_BODIES = tuple(workload.ITINERARIES)


class Client:
    """Unary and client-streaming calls with the identity header and a deadline."""

    def __init__(self, channel, token):
        self.channel = channel
        self.metadata = [("x-loyalty-identity", token)] if token else None

    def unary(self, method, request, response_type, timeout=RPC_TIMEOUT):
        stub = self.channel.unary_unary(
            method,
            request_serializer=lambda m: m if isinstance(m, bytes) else m.SerializeToString(),
            response_deserializer=response_type.FromString,
        )
        return stub(request, metadata=self.metadata, timeout=timeout)

    def client_stream(self, method, requests, response_type, timeout):
        stub = self.channel.stream_unary(
            method,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_type.FromString,
        )
        return stub(requests, metadata=self.metadata, timeout=timeout)


def percentile(sorted_values, q):
    """Nearest-rank percentile, as the run script computes h2load's."""
    if not sorted_values:
        return None
    n = len(sorted_values)
    rank = int(q * n)
    if rank < q * n:
        rank += 1
    return sorted_values[max(rank, 1) - 1]


def latency_summary(seconds):
    ms = sorted(s * 1000 for s in seconds)
    return {
        "calls": len(ms),
        "p50_ms": percentile(ms, 0.50),
        "p99_ms": percentile(ms, 0.99),
        "max_ms": ms[-1] if ms else None,
        "mean_ms": sum(ms) / len(ms) if ms else None,
    }


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=True)


# --- import -----------------------------------------------------------------------------

def openflights_chunks(data_dir, sent):
    """The three files in the order the RPC wants, each cut into chunks of at most 256 KiB
    (lines may span chunks). `sent` counts the bytes."""
    for name, kind in OPENFLIGHTS_FILES:
        with open(os.path.join(data_dir, name), "rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                sent["bytes"] += len(chunk)
                sent["messages"] += 1
                yield graph_pb2.ImportOpenFlightsRequest(file=kind, data=chunk)


def run_import(args):
    sent = {"bytes": 0, "messages": 0}
    with grpc.insecure_channel(args.target) as channel:
        client = Client(channel, args.token)
        started = time.perf_counter()
        response = client.client_stream(
            f"/{GRAPH}/ImportOpenFlights", openflights_chunks(args.data, sent),
            graph_pb2.ImportOpenFlightsResponse, IMPORT_TIMEOUT)
        wall = time.perf_counter() - started
        stats = client.unary(f"/{GRAPH}/GetStatistics", graph_pb2.GetStatisticsRequest(), graph_pb2.GraphStatistics)

    names = {kind: name for name, kind in OPENFLIGHTS_FILES}
    files = []
    for report in response.files:
        skipped = [{"reason": s.reason, "count": s.count, "example_lines": list(s.example_lines)} for s in report.skipped]
        files.append({
            "file": names.get(report.file, graph_pb2.OpenFlightsFile.Name(report.file)),
            "rows_read": report.rows_read, "rows_imported": report.rows_imported,
            "rows_skipped": sum(s["count"] for s in skipped), "skipped": skipped,
        })
    result = {
        "wall_s": wall, "duration_millis": response.duration_millis, "bytes": sent["bytes"],
        "messages": sent["messages"], "nodes_written": response.nodes_written,
        "edges_written": response.edges_written, "files": files,
        "graph_nodes": dict(stats.nodes_by_label), "graph_edges": dict(stats.edges_by_type),
        "node_count": stats.node_count, "edge_count": stats.edge_count,
    }
    write_json(args.out, result)

    print(f"imported {sent['bytes']:,} bytes in {sent['messages']} messages: {wall:.2f} s wall, "
          f"service {response.duration_millis:,} ms; {response.nodes_written:,} nodes and "
          f"{response.edges_written:,} edges written")
    for f in files:
        print(f"  {f['file']:<13} read {f['rows_read']:>6,}  imported {f['rows_imported']:>6,}  skipped {f['rows_skipped']:>5,}")
        for s in f["skipped"]:
            examples = ", ".join(str(line) for line in s["example_lines"])
            print(f"      {s['count']:>5,}  {s['reason']}" + (f" (e.g. lines {examples})" if examples else ""))
    print(f"graph now: {stats.node_count:,} nodes, {stats.edge_count:,} edges "
          f"({stats.nodes_by_label.get('Airport', 0):,} airports, {stats.edges_by_type.get('ROUTE', 0):,} routes)")
    if not any(f["rows_imported"] for f in files if f["file"] == "routes.dat"):
        raise SystemExit("import: no route was imported")


# --- earnings bodies --------------------------------------------------------------------

def describe_earnings(response):
    return ", ".join(f"{p.program_id} {p.redeemable_miles:,} ({p.earning_segments}/{len(p.segments)} segments earn)"
                     for p in response.programs)


def prepare(args):
    nodes = workload.load_seed(args.seed)
    missing = workload.missing_from_seed(nodes)
    if missing:
        raise SystemExit("prepare: the curated seed lacks what the benchmark's requests name: " + "; ".join(missing))

    largest = 0
    with grpc.insecure_channel(args.target) as channel:
        client = Client(channel, args.token)
        for name in EARNINGS_BODIES:
            request = workload.earnings_request(name)
            response = client.unary(EARNINGS_METHOD, request, advisor_pb2.CalculateEarningsResponse)
            if not response.programs:
                raise SystemExit(f"prepare: CalculateEarnings for {name} answered OK but with no program")
            largest = max(largest, len(response.SerializeToString()))
            with open(os.path.join(args.out, f"{name}.bin"), "wb") as f:
                f.write(grpc_frame(request))
            with open(os.path.join(args.out, f"{name}.response.bin"), "wb") as f:
                f.write(response.SerializeToString())
            route = "-".join([s.origin for s in request.itinerary.segments] + [request.itinerary.segments[-1].destination])
            print(f"{name}: {route}, {len(request.SerializeToString())}-byte request, "
                  f"{len(response.SerializeToString())}-byte answer: {describe_earnings(response)}")

    # The echo server then moves as many bytes per call as the larger earnings answer.
    with open(os.path.join(args.out, "echo.bin"), "wb") as f:
        f.write(grpc_frame(echo_pb2.EchoRequest(payload=os.urandom(largest))))
    print(f"echo payload {largest} bytes")


# --- sequential measurements ------------------------------------------------------------

def timed_calls(client, method, requests, response_type, on_response, on_error):
    """Calls one after the other, timing each from send to answer; the first call is reported
    apart (it may build a cache over the freshly imported graph) and left out of the rest."""
    first = None
    durations = []
    for index, request in enumerate(requests):
        started = time.perf_counter()
        try:
            response = client.unary(method, request, response_type)
            error = None
        except grpc.RpcError as e:
            response, error = None, e
        elapsed = time.perf_counter() - started
        if index == 0:
            first = elapsed
        else:
            durations.append(elapsed)
        if error is None:
            on_response(request, response)
        else:
            on_error(request, error)
    return first, durations


def awards(args):
    nodes = workload.load_seed(args.seed)
    requests = workload.award_requests(nodes, args.count + 1, args.random_seed)
    counts = {"with_pathways": 0, "feasible": 0, "pathways": 0}
    problems = []

    def on_response(request, response):
        counts["pathways"] += len(response.pathways)
        counts["with_pathways"] += bool(response.pathways)
        counts["feasible"] += any(p.feasible for p in response.pathways)

    def on_error(request, error):
        problems.append(f"{request.trip.origin}-{request.trip.destination} {request.trip.cabin}: "
                        f"{error.code().name}: {error.details()}")

    with grpc.insecure_channel(args.target) as channel:
        first, durations = timed_calls(Client(channel, args.token), f"/{ADVISOR}/FindAwardPathways", requests,
                                       advisor_pb2.FindAwardPathwaysResponse, on_response, on_error)
    result = {**latency_summary(durations), "first_call_ms": first * 1000, "trips": len(requests),
              "airports": len(workload.seed_airports(nodes)), "errors": len(problems), "problems": problems[:10], **counts}
    write_json(args.out, result)
    print(f"FindAwardPathways: {len(requests)} trips among {result['airports']} seed airports: "
          f"{counts['with_pathways']} with a pathway, {counts['feasible']} feasible with the balances given, "
          f"{len(problems)} errors; p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, "
          f"first call {result['first_call_ms']:.1f} ms")
    if problems:
        for problem in problems[:10]:
            print(f"awards: {problem}", file=sys.stderr)
        sys.exit(1)


def routes(args):
    candidates = workload.routed_airports(args.data)
    problems = []
    with grpc.insecure_channel(args.target) as channel:
        client = Client(channel, args.token)
        # The ROUTE edges leaving each airport of routes.dat, as the graph holds them: the
        # airports to draw pairs from (those with a route either way) and the network the
        # answers are checked against.
        airlines_by_pair = {}
        absent = 0  # named in routes.dat, but not imported (the import reported why)
        truncated = []
        for code in candidates:
            request = graph_pb2.GetNeighborsRequest(
                id=f"airport:{code}", direction=graph_pb2.DIRECTION_OUTGOING, edge_types=["ROUTE"], limit=1000)
            try:
                page = client.unary(f"/{GRAPH}/GetNeighbors", request, graph_pb2.GetNeighborsResponse)
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                absent += 1
                continue
            if page.truncated:
                truncated.append(code)
            for neighbor in page.neighbors:
                edge = neighbor.edge
                airline = edge.properties.fields["airline"].string_value if "airline" in edge.properties.fields else edge.key
                pair = (code, edge.to_id.split(":", 1)[1])
                airlines_by_pair.setdefault(pair, set()).add(airline)
        if truncated:
            raise SystemExit(f"routes: more than 1000 routes leave {', '.join(truncated[:5])}; the check cannot read them all")
        check = route_check.RouteCheck(airlines_by_pair)
        airports = sorted(set(check.outgoing) | set(check.incoming))
        if len(airports) < 2:
            raise SystemExit(f"routes: only {len(airports)} of {len(candidates)} airports of routes.dat have a route in the graph")

        pairs = workload.route_pairs(airports, args.count + 1, args.random_seed)
        found = {"found": 0, "not_found": 0, "by_segments": {}}
        answers = []

        def on_response(request, response):
            found["found"] += 1
            n = str(len(response.segments))
            found["by_segments"][n] = found["by_segments"].get(n, 0) + 1
            answers.append((request, list(response.segments)))

        def on_error(request, error):
            if error.code() == grpc.StatusCode.NOT_FOUND and error.details().startswith("no route"):
                found["not_found"] += 1
                answers.append((request, None))
            else:
                problems.append(f"{request.origin}-{request.destination}: {error.code().name}: {error.details()}")

        requests = [graph_pb2.FindShortestRouteRequest(origin=o, destination=d, max_segments=MAX_SEGMENTS) for o, d in pairs]
        first, durations = timed_calls(client, f"/{GRAPH}/FindShortestRoute", requests,
                                       graph_pb2.FindShortestRouteResponse, on_response, on_error)

    # After the timing, so the check costs the measurement nothing.
    for request, segments in answers:
        if segments is None:
            problem = check.problem_with_no_route(request.origin, request.destination, MAX_SEGMENTS)
        else:
            problem = check.problem_with_route(request.origin, request.destination, segments, MAX_SEGMENTS)
        if problem:
            problems.append(f"{request.origin}-{request.destination}: {problem}")

    result = {**latency_summary(durations), "first_call_ms": first * 1000, "pairs": len(pairs),
              "airports": len(airports), "candidates": len(candidates), "absent": absent,
              "network_pairs": len(airlines_by_pair), "errors": len(problems), "problems": problems[:10], **found}
    write_json(args.out, result)
    segments = ", ".join(f"{n} segment{'s' if n != '1' else ''}: {c}" for n, c in sorted(found["by_segments"].items()))
    print(f"FindShortestRoute: {len(pairs)} pairs among {len(airports)} airports with routes "
          f"({len(airlines_by_pair):,} airport pairs): {found['found']} found ({segments}), "
          f"{found['not_found']} without a route within {MAX_SEGMENTS} segments, {len(problems)} problems; "
          f"p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, first call {result['first_call_ms']:.1f} ms")
    if problems:
        for problem in problems[:10]:
            print(f"routes: {problem}", file=sys.stderr)
        sys.exit(1)
    print(f"checked: every found route is a chain of the graph's ROUTE pairs with the fewest segments, "
          f"and no pair answered 'no route' has one within {MAX_SEGMENTS}")


# --- checks -----------------------------------------------------------------------------

def verify(args):
    problems = []
    with grpc.insecure_channel(args.target) as channel, grpc.insecure_channel(args.echo) as echo_channel:
        client = Client(channel, args.token)
        # The exact bytes h2load sent, once more: OK, with programs, and the same answer as
        # before the load (the graph did not change in between).
        for name in EARNINGS_BODIES:
            with open(os.path.join(args.dir, f"{name}.bin"), "rb") as f:
                body = unframe(f.read())
            with open(os.path.join(args.dir, f"{name}.response.bin"), "rb") as f:
                before = advisor_pb2.CalculateEarningsResponse.FromString(f.read())
            response = client.unary(EARNINGS_METHOD, body, advisor_pb2.CalculateEarningsResponse)
            if not response.programs:
                problems.append(f"{name}: CalculateEarnings answered with no program")
            if response != before:
                problems.append(f"{name}: CalculateEarnings answered differently than before the load")
        with open(os.path.join(args.dir, "echo.bin"), "rb") as f:
            body = unframe(f.read())
        echoed = Client(echo_channel, None).unary(ECHO_METHOD, body, echo_pb2.EchoResponse)
        if echoed.payload != echo_pb2.EchoRequest.FromString(body).payload:
            problems.append("Echo returned a different payload")

    # Covers every request h2load sent, not only the samples above.
    # Not-OK answers the routes phase expected: pairs without a route, and airports of
    # routes.dat the import skipped.
    with open(args.routes, encoding="utf-8") as f:
        routes_result = json.load(f)
    expected_misses = {f"{GRAPH}/FindShortestRoute": routes_result["not_found"], f"{GRAPH}/GetNeighbors": routes_result["absent"]}
    counts = served_counts(args.admin)
    earnings_ok = 0
    misses = dict.fromkeys(expected_misses, 0)
    for (method, status), count in sorted(counts.items()):
        if status == "ok":
            if method == EARNINGS_METHOD[1:]:
                earnings_ok += count
        elif method in misses:
            misses[method] += count
        elif method.startswith((GRAPH + "/", ADVISOR + "/")):
            problems.append(f"{int(count)} {method} calls ended with status {status}")
    # h2load's calls, plus one per body in `prepare` and one here.
    expected = args.earnings_sent + 2 * len(EARNINGS_BODIES)
    if earnings_ok != expected:
        problems.append(f"the service counted {int(earnings_ok)} CalculateEarnings calls OK, {expected} were sent")
    for method, count in misses.items():
        if count != expected_misses[method]:
            problems.append(f"the service counted {int(count)} {method} calls not OK, {expected_misses[method]} expected")
    route_misses = int(misses[f"{GRAPH}/FindShortestRoute"])

    if problems:
        for problem in problems:
            print(f"verify: {problem}", file=sys.stderr)
        sys.exit(1)
    print(f"verified: the h2load bodies still succeed with the same answers; the service counted "
          f"{int(earnings_ok)} CalculateEarnings calls OK of {expected} sent and no graph or advisor call "
          f"failing other than the {route_misses} routes not found")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    subs = {name: commands.add_parser(name) for name in ("import", "prepare", "awards", "routes", "verify")}
    for sub in subs.values():
        sub.add_argument("--target", required=True, help="graph-service gRPC host:port")
        sub.add_argument("--token", required=True, help="x-loyalty-identity value")
    for name in ("import", "routes"):
        subs[name].add_argument("--data", required=True, help="OpenFlights folder")
    for name in ("prepare", "awards"):
        subs[name].add_argument("--seed", required=True, help="curated-seed.json")
    for name in ("awards", "routes"):
        subs[name].add_argument("--count", type=int, required=True, help="measured calls (after one first call)")
        subs[name].add_argument("--random-seed", type=int, required=True)
    for name in ("import", "awards", "routes"):
        subs[name].add_argument("--out", required=True, help="JSON file for the figures")
    subs["prepare"].add_argument("--out", required=True, help="folder for the body files")
    subs["verify"].add_argument("--echo", required=True, help="echo-server host:port")
    subs["verify"].add_argument("--admin", required=True, help="graph-service admin host:port")
    subs["verify"].add_argument("--dir", required=True, help="folder holding the body files")
    subs["verify"].add_argument("--earnings-sent", type=int, required=True, help="CalculateEarnings calls h2load sent")
    subs["verify"].add_argument("--routes", required=True, help="JSON file of the routes phase")

    args = parser.parse_args()
    handlers = {"import": run_import, "prepare": prepare, "awards": awards, "routes": routes, "verify": verify}
    try:
        handlers[args.command](args)
    except grpc.RpcError as error:
        print(f"{args.command}: RPC failed: {error.code().name}: {error.details()}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
