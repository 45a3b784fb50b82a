#!/usr/bin/env python3
"""The grpcio side of Benchmarks/ingestion/run: submits the pages, follows the runs, and
replays their graph batches against graph-service as the reference.

Needs the Python modules generated from Protos/ on PYTHONPATH (the run script does that).

  workload.py submit --target HOST:PORT --token TOKEN --pages DIR --concurrency N
                     --timeout SECONDS --graph-admin HOST:PORT --out JSON
      Subscribes to WatchRuns (every run) before the first upload, uploads every page of
      DIR/manifest.json at once from N threads (UploadHeader, then 64 KiB chunks), waits
      until every run is DONE, FAILED, REJECTED or NEEDS_REVIEW, reads every run back with
      ListRuns, and writes the uploads, the WatchRuns events, the runs and the calls
      graph-service served meanwhile (its admin /metrics) as JSON.

  workload.py replay --ingestion HOST:PORT --graph HOST:PORT --token TOKEN --runs JSON
                     --concurrency N --out JSON
      Reads the graph batch (runs/<id>/batch.json) of every DONE run with GetDocument, then
      sends them all, in the order the pipeline loaded them, as UpsertBatch calls from N
      threads to graph-service, timed; writes the figures as JSON.
"""

import argparse
import concurrent.futures
import json
import os
import resource
import sys
import threading
import time

import grpc
from google.protobuf import struct_pb2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "profile"))
from payloads import served_counts  # noqa: E402  (shared with the profile benchmark)

from loyalty.graph.v1 import graph_pb2  # noqa: E402
from loyalty.ingestion.v1 import ingestion_pb2  # noqa: E402

INGESTION = "loyalty.ingestion.v1.IngestionService"
GRAPH = "loyalty.graph.v1.GraphService"
CHUNK_BYTES = 64 * 1024
UPLOAD_TIMEOUT = 60  # seconds per upload call
RPC_TIMEOUT = 30  # seconds per unary call
FINAL_STATES = {"RUN_STATE_DONE", "RUN_STATE_FAILED", "RUN_STATE_REJECTED", "RUN_STATE_NEEDS_REVIEW"}
STATE_NAME = ingestion_pb2.RunState.Name
STAGE_NAME = ingestion_pb2.Stage.Name


class Client:
    """Calls with the identity header and a deadline, on one shared channel."""

    def __init__(self, channel, token):
        self.channel = channel
        self.metadata = [("x-loyalty-identity", token)]

    def unary(self, method, request, response_type, timeout=RPC_TIMEOUT):
        stub = self.channel.unary_unary(
            method, request_serializer=lambda m: m.SerializeToString(), response_deserializer=response_type.FromString)
        return stub(request, metadata=self.metadata, timeout=timeout)

    def client_stream(self, method, requests, response_type, timeout):
        stub = self.channel.stream_unary(
            method, request_serializer=lambda m: m.SerializeToString(), response_deserializer=response_type.FromString)
        return stub(requests, metadata=self.metadata, timeout=timeout)

    def server_stream(self, method, request, response_type, timeout=None):
        stub = self.channel.unary_stream(
            method, request_serializer=lambda m: m.SerializeToString(), response_deserializer=response_type.FromString)
        return stub(request, metadata=self.metadata, timeout=timeout)


def micros(timestamp):
    return timestamp.seconds * 1_000_000 + timestamp.nanos // 1000


def run_dict(run):
    return {
        "run_id": run.run_id,
        "key": run.document_key,
        "state": STATE_NAME(run.state),
        "stage": STAGE_NAME(run.stage),
        "attempts": run.attempts,
        "reason": run.reason,
        "facts_extracted": run.facts_extracted,
        "facts_flagged": run.facts_flagged,
        "graph_sequence": run.graph_sequence,
        "create_us": micros(run.create_time),
        "update_us": micros(run.update_time),
        "outputs": [
            {"stage": STAGE_NAME(o.stage), "key": o.key, "version_id": o.version_id, "duration_us": o.duration_micros}
            for o in run.outputs
        ],
    }


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, sort_keys=True)


# --- submit -----------------------------------------------------------------------------

class Watcher:
    """Follows WatchRuns with no run id (every run's changes) on a thread of its own."""

    def __init__(self, client):
        self.events = []
        self.final = {}  # run id -> final state, as seen in events
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.error = None
        self.call = client.server_stream(f"/{INGESTION}/WatchRuns", ingestion_pb2.WatchRunsRequest(), ingestion_pb2.Run)
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()

    def _follow(self):
        try:
            for run in self.call:
                received = time.time()
                state = STATE_NAME(run.state)
                with self.lock:
                    self.events.append({"run_id": run.run_id, "state": state, "update_us": micros(run.update_time),
                                        "received_s": received})
                    if state in FINAL_STATES:
                        self.final[run.run_id] = state
                    self.changed.notify_all()
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                self.error = f"{error.code().name}: {error.details()}"
        finally:
            with self.lock:
                self.changed.notify_all()

    def stop(self):
        self.call.cancel()
        self.thread.join(timeout=5)


def upload(client, pages_dir, page):
    with open(os.path.join(pages_dir, page["file"]), "rb") as f:
        content = f.read()

    def messages():
        yield ingestion_pb2.UploadDocumentRequest(header=ingestion_pb2.UploadHeader(
            key=page["key"], content_type="text/html", file_name=os.path.basename(page["key"]),
            notes="benchmark page"))
        for offset in range(0, len(content), CHUNK_BYTES):
            yield ingestion_pb2.UploadDocumentRequest(chunk=content[offset:offset + CHUNK_BYTES])

    started = time.time()
    response = client.client_stream(f"/{INGESTION}/UploadDocument", messages(), ingestion_pb2.UploadDocumentResponse,
                                     UPLOAD_TIMEOUT)
    finished = time.time()
    return {"key": page["key"], "kind": page["kind"], "bytes": len(content), "start_s": started, "end_s": finished,
            "run_id": response.run.run_id, "version_id": response.version.version_id,
            "deduplicated": response.deduplicated, "received_us": micros(response.run.create_time)}


def list_runs(client):
    runs, token = [], ""
    while True:
        page = client.unary(f"/{INGESTION}/ListRuns", ingestion_pb2.ListRunsRequest(page_size=1000, page_token=token),
                            ingestion_pb2.ListRunsResponse)
        runs += page.runs
        token = page.next_page_token
        if not token:
            return runs


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def submit(args):
    cpu_started = cpu_seconds()
    with open(os.path.join(args.pages, "manifest.json"), encoding="utf-8") as f:
        pages = json.load(f)
    options = [("grpc.max_receive_message_length", 64 << 20)]
    with grpc.insecure_channel(args.target, options=options) as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
        client = Client(channel, args.token)
        graph_before = served_counts(args.graph_admin)
        watcher = Watcher(client)
        # The service subscribes when the call's handler starts, just after it sends its
        # headers; a moment later no change can be missed.
        watcher.call.initial_metadata()
        time.sleep(0.5)
        if watcher.error:
            raise SystemExit(f"WatchRuns failed: {watcher.error}")

        print(f"uploading {len(pages)} pages from {args.concurrency} threads...", flush=True)
        uploads, errors = [], []
        submitted = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            futures = {pool.submit(upload, client, args.pages, page): page for page in pages}
            for future in concurrent.futures.as_completed(futures):
                try:
                    uploads.append(future.result())
                except grpc.RpcError as error:
                    errors.append(f"{futures[future]['key']}: {error.code().name}: {error.details()}")
        uploaded = time.time()
        if errors:
            watcher.stop()
            raise SystemExit("uploads failed:\n  " + "\n  ".join(errors[:20]))
        print(f"uploaded in {uploaded - submitted:.2f} s; waiting for the runs (at most {args.timeout} s)...", flush=True)

        run_ids = {u["run_id"] for u in uploads}
        deadline = time.time() + args.timeout
        next_poll = time.time() + 2
        next_progress = time.time() + 10
        final = {}
        while True:
            with watcher.lock:
                final = {r: s for r, s in watcher.final.items() if r in run_ids}
                if len(final) < len(run_ids) and time.time() < deadline:
                    watcher.changed.wait(timeout=0.5)
            if len(final) == len(run_ids) or time.time() >= deadline:
                break
            # The stream keeps only the newest changes for a slow reader, and may end: ListRuns
            # decides as well.
            if time.time() >= next_poll or watcher.error or not watcher.thread.is_alive():
                next_poll = time.time() + 2
                for run in list_runs(client):
                    state = STATE_NAME(run.state)
                    if run.run_id in run_ids and state in FINAL_STATES:
                        with watcher.lock:
                            watcher.final.setdefault(run.run_id, state)
            if time.time() >= next_progress:
                next_progress = time.time() + 10
                print(f"  {len(final)}/{len(run_ids)} runs finished", flush=True)
        finished_wait = time.time()
        watcher.stop()
        runs = [run_dict(r) for r in list_runs(client) if r.run_id in run_ids]
    graph_after = served_counts(args.graph_admin)
    graph_calls = {}
    for (method, status), count in graph_after.items():
        served = count - graph_before.get((method, status), 0)
        if served:
            graph_calls[f"{method} {status}"] = int(served)

    result = {
        "submitted_s": submitted, "uploaded_s": uploaded, "finished_wait_s": finished_wait,
        "timed_out": len(final) < len(run_ids), "concurrency": args.concurrency,
        "watch_error": watcher.error, "uploads": sorted(uploads, key=lambda u: u["start_s"]),
        "events": watcher.events, "runs": runs, "graph_calls": graph_calls,
        "client_cpu_s": cpu_seconds() - cpu_started,
    }
    write_json(args.out, result)
    done = sum(1 for r in runs if r["state"] == "RUN_STATE_DONE")
    print(f"{done}/{len(run_ids)} runs DONE, {len(watcher.events)} WatchRuns events", flush=True)


# --- replay -----------------------------------------------------------------------------

def get_document(client, key, version_id):
    content = bytearray()
    request = ingestion_pb2.GetDocumentRequest(key=key, version_id=version_id)
    for part in client.server_stream(f"/{INGESTION}/GetDocument", request, ingestion_pb2.GetDocumentResponse,
                                     timeout=RPC_TIMEOUT):
        if part.WhichOneof("part") == "chunk":
            content += part.chunk
    return bytes(content)


def struct_of(properties):
    value = struct_pb2.Struct()
    if properties:
        value.update(properties)
    return value


def batch_request(batch_json):
    """An UpsertBatchRequest from a batch in the seed-file format (GraphModel's SeedFile)."""
    batch = json.loads(batch_json)
    return graph_pb2.UpsertBatchRequest(
        nodes=[graph_pb2.Node(id=n["id"], label=n["label"], properties=struct_of(n.get("properties")))
               for n in batch.get("nodes", [])],
        edges=[graph_pb2.Edge(type=e["type"], from_id=e["from"], to_id=e["to"], key=e.get("key", ""),
                              properties=struct_of(e.get("properties")))
               for e in batch.get("edges", [])])


def replay(args):
    with open(args.runs, encoding="utf-8") as f:
        runs = [r for r in json.load(f)["runs"] if r["state"] == "RUN_STATE_DONE"]
    runs.sort(key=lambda r: r["graph_sequence"])
    options = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]
    with grpc.insecure_channel(args.ingestion, options=options) as ingestion_channel, \
            grpc.insecure_channel(args.graph, options=options) as graph_channel:
        ingestion = Client(ingestion_channel, args.token)
        graph = Client(graph_channel, args.token)
        requests = []
        for run in runs:
            output = next(o for o in run["outputs"] if o["stage"] == "STAGE_TRANSFORM")
            requests.append(batch_request(get_document(ingestion, output["key"], output["version_id"])))
        grpc.channel_ready_future(graph_channel).result(timeout=30)

        def send(request):
            started = time.perf_counter()
            response = graph.unary(f"/{GRAPH}/UpsertBatch", request, graph_pb2.UpsertBatchResponse)
            return time.perf_counter() - started, response

        print(f"replaying {len(requests)} graph batches with UpsertBatch from {args.concurrency} threads...", flush=True)
        latencies, errors = [], []
        totals = {"nodes_created": 0, "nodes_updated": 0, "nodes_unchanged": 0, "edges_created": 0, "edges_updated": 0,
                  "edges_unchanged": 0}
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            for future in [pool.submit(send, r) for r in requests]:
                try:
                    seconds, response = future.result()
                except grpc.RpcError as error:
                    errors.append(f"{error.code().name}: {error.details()}")
                    continue
                latencies.append(seconds)
                for field in totals:
                    totals[field] += getattr(response, field)
        wall = time.perf_counter() - started
    result = {
        "batches": len(requests), "ok": len(latencies), "errors": errors[:20], "error_count": len(errors),
        "wall_s": wall, "latencies_s": latencies, "concurrency": args.concurrency,
        "nodes": sum(len(r.nodes) for r in requests), "edges": sum(len(r.edges) for r in requests),
        "bytes": sum(r.ByteSize() for r in requests), **totals,
    }
    write_json(args.out, result)
    print(f"{len(latencies)}/{len(requests)} batches written in {wall:.2f} s", flush=True)
    if errors:
        raise SystemExit("UpsertBatch failed:\n  " + "\n  ".join(errors[:20]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("submit")
    s.add_argument("--target", required=True)
    s.add_argument("--token", required=True)
    s.add_argument("--pages", required=True)
    s.add_argument("--concurrency", type=int, default=16)
    s.add_argument("--timeout", type=float, default=600)
    s.add_argument("--graph-admin", required=True)
    s.add_argument("--out", required=True)
    r = sub.add_parser("replay")
    r.add_argument("--ingestion", required=True)
    r.add_argument("--graph", required=True)
    r.add_argument("--token", required=True)
    r.add_argument("--runs", required=True)
    r.add_argument("--concurrency", type=int, default=4)
    r.add_argument("--out", required=True)
    args = parser.parse_args()
    {"submit": submit, "replay": replay}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
