#!/usr/bin/env python3
"""The figures and the report of Benchmarks/ingestion/run, from what workload.py wrote.

  figures.py report --pages DIR --submit JSON --replay JSON --workers N --meta JSON

Prints the table and the target line; exits 1 when a run did not end DONE (each such run
is listed with its state and reason) or the wait timed out.

Per run, the time of each state comes from the run's update_time in the WatchRuns events
(stamped by the service when it stores the state, just before the commit). A worker
carries a run from stage to stage without letting go, so:

  queued      RECEIVED (create_time) until a worker picks the run up, estimated as the
              TEXT_EXTRACTED time minus the extract_text stage's own duration_micros;
  a stage     from the previous state to the state it stores: the stage's work plus the
              commit of the previous state (one fsync with --durability full);
  finish      LOADED to DONE: no work, one commit;
  end to end  the upload's start (client clock, same machine) to DONE.
"""

import argparse
import json
import os
import statistics
import sys

STAGES = [  # (label, output stage, state the stage stores)
    ("extract_text", "STAGE_EXTRACT_TEXT", "RUN_STATE_TEXT_EXTRACTED"),
    ("extract_facts", "STAGE_EXTRACT_FACTS", "RUN_STATE_FACTS_EXTRACTED"),
    ("validate", "STAGE_VALIDATE", "RUN_STATE_VALIDATED"),
    ("transform", "STAGE_TRANSFORM", "RUN_STATE_TRANSFORMED"),
    ("load", "STAGE_LOAD", "RUN_STATE_LOADED"),
]
STATES = ["RUN_STATE_RECEIVED"] + [s[2] for s in STAGES] + ["RUN_STATE_DONE"]
TARGET_DOCS_PER_S = 20


def percentile(values, q):
    """Nearest rank, as the other benchmarks compute theirs."""
    if not values:
        return None
    ordered = sorted(values)
    rank = int(q * len(ordered))
    if rank < q * len(ordered):
        rank += 1
    return ordered[max(rank, 1) - 1]


def ms(value):
    return "-" if value is None else f"{value:,.1f}"


def summary(values):
    return percentile(values, 0.5), percentile(values, 0.95), (max(values) if values else None)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def report(args):
    manifest = load(os.path.join(args.pages, "manifest.json"))
    submit = load(args.submit)
    replay = load(args.replay) if args.replay and os.path.exists(args.replay) else None
    meta = load(args.meta)
    stated = {p["key"]: p["facts_stated"] for p in manifest}
    uploads = submit["uploads"]
    runs = {r["run_id"]: r for r in submit["runs"]}
    pages = len(manifest)

    # State times per run, from the events (the service's update_time of each state).
    times = {run_id: {} for run_id in runs}
    for event in submit["events"]:
        if event["run_id"] in times:
            times[event["run_id"]].setdefault(event["state"], event["update_us"])
    for run_id, run in runs.items():
        times[run_id].setdefault("RUN_STATE_RECEIVED", run["create_us"])
        if run["state"] == "RUN_STATE_DONE":
            times[run_id].setdefault("RUN_STATE_DONE", run["update_us"])
    expected_events = len(runs) * len(STATES)
    seen_events = sum(1 for run_id in runs for state in STATES if state in times[run_id])

    done = [r for r in runs.values() if r["state"] == "RUN_STATE_DONE"]
    not_done = [r for r in runs.values() if r["state"] != "RUN_STATE_DONE"]
    started = min(u["start_s"] for u in uploads)
    stored = max(u["end_s"] for u in uploads)
    start_of = {u["run_id"]: u["start_s"] for u in uploads}

    # Stage work (duration_micros) and wall intervals (state to state), milliseconds.
    work = {label: [] for label, _, _ in STAGES}
    wall = {label: [] for label, _, _ in STAGES}
    wall["finish"] = []
    queued, end_to_end, picked_to_done = [], [], []
    for run in done:
        t = times[run["run_id"]]
        durations = {o["stage"]: o["duration_us"] / 1000 for o in run["outputs"]}
        for label, stage, _ in STAGES:
            if stage in durations:
                work[label].append(durations[stage])
        for (label, _, state), previous in zip(STAGES, STATES):
            if label != "extract_text" and state in t and previous in t:
                wall[label].append((t[state] - t[previous]) / 1000)
        if "RUN_STATE_DONE" in t and "RUN_STATE_LOADED" in t:
            wall["finish"].append((t["RUN_STATE_DONE"] - t["RUN_STATE_LOADED"]) / 1000)
        if "RUN_STATE_TEXT_EXTRACTED" in t and "STAGE_EXTRACT_TEXT" in durations:
            picked = t["RUN_STATE_TEXT_EXTRACTED"] / 1000 - durations["STAGE_EXTRACT_TEXT"]
            queued.append(max(0.0, picked - t["RUN_STATE_RECEIVED"] / 1000))
            wall["extract_text"].append(durations["STAGE_EXTRACT_TEXT"])
            picked_to_done.append(t["RUN_STATE_DONE"] / 1000 - picked)
        end_to_end.append(t["RUN_STATE_DONE"] / 1000 - start_of[run["run_id"]] * 1000)

    last_done = max((times[r["run_id"]]["RUN_STATE_DONE"] for r in done), default=None)
    span = (last_done / 1e6 - started) if last_done else None
    docs_per_s = len(done) / span if span else 0.0
    upload_rate = pages / (stored - started)
    upload_ms = [(u["end_s"] - u["start_s"]) * 1000 for u in uploads]
    sizes = sorted(p["bytes"] for p in manifest)

    # --- header ---
    print()
    print(f"ingestion-service: {pages} pages submitted at once, --workers {args.workers}, durability={meta['durability']}, "
          f"{submit['concurrency']} upload threads")
    print(f"commit {meta['commit']}, {meta['cores']} cores, grpcio {meta['grpcio']}, page seed {meta['seed']}")
    print(f"load average before: {meta['load_before']} (1, 5, 15 min); after: {meta['load_after']}")
    kinds = {}
    for p in manifest:
        kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
    print(f"pages: {', '.join(f'{n} {k}' for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))}; "
          f"bytes min {sizes[0]:,}, median {int(statistics.median(sizes)):,}, max {sizes[-1]:,}")
    facts = sum(r["facts_extracted"] for r in done)
    print(f"runs: {len(done)} DONE, {len(not_done)} not; {facts:,} facts extracted, "
          f"{sum(r['facts_flagged'] for r in runs.values())} flagged; "
          f"WatchRuns: {seen_events:,} of {expected_events:,} state changes seen")
    short = [r["key"] for r in done if r["facts_extracted"] < stated.get(r["key"], 0)]
    if short:
        print(f"  note: {len(short)} runs found fewer facts than their pages state: {', '.join(sorted(short)[:3])}"
              + (", ..." if len(short) > 3 else ""))
    # A stage retried (or a run postponed) stores its state again: the state repeats.
    repeats = {}
    for event in submit["events"]:
        repeats.setdefault(event["run_id"], []).append(event["state"])
    retried = [run_id for run_id, states in repeats.items() if len(states) > len(set(states))]
    if retried:
        print(f"  note: {len(retried)} runs stored a state more than once (a stage retried or postponed)")

    # --- throughput ---
    print()
    print(f"{'throughput':<44} {'documents/s':>12} {'seconds':>9}")
    print(f"{'upload: all pages stored in the landing zone':<44} {upload_rate:>12.1f} {stored - started:>9.2f}")
    print(f"{'end to end: first upload start to last DONE':<44} {docs_per_s:>12.1f} {span or 0:>9.2f}")
    if replay:
        replay_rate = replay["ok"] / replay["wall_s"] if replay["wall_s"] else 0
        label = "reference: graph UpsertBatch, same batches"
        print(f"{label:<44} {replay_rate:>12.1f} {replay['wall_s']:>9.2f}")

    # --- stages ---
    print()
    print("per stage, ms (work: the stage's own duration_micros, and its sum over the runs in seconds;")
    print("               wall: from the previous state to this one, its commit included, and its share)")
    print(f"{'stage':<34} {'work p50':>9} {'p95':>7} {'max':>7} {'sum s':>6}  {'wall p50':>9} {'p95':>7} {'max':>7} {'share':>6}")
    total_wall = sum(sum(v) for v in wall.values()) or 1
    for label in [s[0] for s in STAGES] + ["finish"]:
        w = summary(work.get(label, []))
        total = f"{sum(work[label]) / 1000:.2f}" if work.get(label) else "-"
        v = summary(wall[label])
        share = sum(wall[label]) / total_wall * 100
        print(f"{label:<34} {ms(w[0]):>9} {ms(w[1]):>7} {ms(w[2]):>7} {total:>6}  "
              f"{ms(v[0]):>9} {ms(v[1]):>7} {ms(v[2]):>7} {share:>5.0f}%")
    for label, values in [("a run, picked up to DONE", picked_to_done), ("waiting for a worker", queued),
                          ("upload call (client)", upload_ms), ("end to end, upload start to DONE", end_to_end)]:
        v = summary(values)
        print(f"{label:<34} {'':>9} {'':>7} {'':>7} {'':>6}  {ms(v[0]):>9} {ms(v[1]):>7} {ms(v[2]):>7}")

    # By kind of page: what the slow stages cost for each.
    kind_of = {p["key"]: p["kind"] for p in manifest}
    kind_counts = {}
    for run in done:
        kind = kind_of.get(run["key"], "?")
        kind_counts[kind] = kind_counts.get(kind, 0) + 1
    kinds_seen = sorted(kind_counts, key=lambda k: -kind_counts[k])
    print()
    print("work p50 / p95 ms by kind of page")
    print(f"{'stage':<16}" + "".join(f"{f'{k} ({kind_counts[k]})':>24}" for k in kinds_seen))
    for label, stage, _ in STAGES:
        cells = []
        for kind in kinds_seen:
            values = [o["duration_us"] / 1000 for r in done if kind_of.get(r["key"]) == kind for o in r["outputs"] if o["stage"] == stage]
            cells.append(f"{ms(percentile(values, 0.5))} / {ms(percentile(values, 0.95))}")
        print(f"{label:<16}" + "".join(f"{c:>24}" for c in cells))

    # --- where the time goes ---
    print()
    calls = submit.get("graph_calls") or {}
    if calls:
        by_method = {}
        for name, count in calls.items():
            method = name.split(" ")[0].rsplit("/", 1)[-1]
            by_method[method] = by_method.get(method, 0) + count
        listed = ", ".join(f"{count:,} {method} ({count / pages:.1f} per document)"
                           for method, count in sorted(by_method.items(), key=lambda kv: -kv[1]))
        not_ok = ", ".join(f"{count:,} {name.split(' ')[0].rsplit('/', 1)[-1]} {name.split(' ')[1]}"
                           for name, count in sorted(calls.items()) if not name.endswith(" ok"))
        print(f"graph-service served during the submission: {listed}" + (f"; of them {not_ok}" if not_ok else ""))
    if span and picked_to_done:
        occupancy = sum(picked_to_done) / 1000 / (args.workers * span)
        mean_busy = statistics.mean(picked_to_done)
        ceiling = args.workers / (mean_busy / 1000)
        print(f"workers: {sum(picked_to_done) / 1000:.2f} run-seconds of work over {args.workers} workers x {span:.2f} s = "
              f"{occupancy:.0%} busy; mean {mean_busy:.0f} ms per run -> at most {ceiling:.1f} documents/s "
              f"with {args.workers} workers at this speed")
    cpu_i = meta.get("cpu_ingestion_s")
    cpu_g = meta.get("cpu_graph_s")
    if span and cpu_i is not None and cpu_g is not None:
        window = meta.get("submit_wall_s") or span
        client = submit.get("client_cpu_s")
        machine_busy = meta.get("machine_busy")
        print(f"CPU during the submission ({window:.2f} s wall, {meta['cores']} cores): ingestion-service {cpu_i:.2f} s "
              f"({cpu_i / pages * 1000:.0f} ms per document), graph-service {cpu_g:.2f} s ({cpu_g / pages * 1000:.0f} ms)"
              + (f", the uploading client {client:.2f} s" if client is not None else ""))
        per_document = (cpu_i + cpu_g + (client or 0)) / pages
        line = (f"  {per_document * 1000:.0f} ms of CPU per document in all -> at most "
                f"{meta['cores'] / per_document:.1f} documents/s with every core of the machine")
        if machine_busy is not None:
            ours = (cpu_i + cpu_g + (client or 0)) / (window * meta["cores"])
            line += (f"; the machine was {machine_busy:.0%} busy: {ours:.0%} these three, "
                     f"{max(0.0, machine_busy - ours):.0%} other work")
        print(line)
    if replay:
        lat = sorted(x * 1000 for x in replay["latencies_s"])
        cpu_r = meta.get("cpu_reference_graph_s")
        print(f"reference: {replay['ok']} batches ({replay['nodes']:,} nodes, {replay['edges']:,} edges, "
              f"{replay['bytes'] / 1024:,.0f} KiB) into a fresh graph-service: {replay['nodes_created']:,} nodes and "
              f"{replay['edges_created']:,} edges created; UpsertBatch p50 {ms(percentile(lat, 0.5))} ms, "
              f"p95 {ms(percentile(lat, 0.95))} ms"
              + (f"; graph-service CPU {cpu_r:.2f} s ({cpu_r / max(replay['ok'], 1) * 1000:.0f} ms per batch)"
                 if cpu_r is not None else ""))
        if replay["wall_s"] and replay["ok"]:
            print(f"end to end / reference: {docs_per_s / (replay['ok'] / replay['wall_s']):.2f}x "
                  f"(the pipeline reaches this share of graph-service's own write rate for the same batches)")

    # --- verdict ---
    print()
    verdict = "PASS" if docs_per_s >= TARGET_DOCS_PER_S and not not_done else "MISS"
    print(f"{verdict}  end to end >= {TARGET_DOCS_PER_S} documents/s   {docs_per_s:.1f} documents/s "
          f"({len(done)} of {pages} pages DONE)")

    failed = False
    if not_done:
        failed = True
        print()
        print(f"error: {len(not_done)} runs did not end DONE:", file=sys.stderr)
        for run in sorted(not_done, key=lambda r: r["key"])[:20]:
            print(f"  {run['key']}: {run['state']} at {run['stage']}, attempts {run['attempts']}: {run['reason']}",
                  file=sys.stderr)
        if len(not_done) > 20:
            print(f"  ... and {len(not_done) - 20} more", file=sys.stderr)
    if submit.get("timed_out"):
        failed = True
        print("error: not every run finished within the wait", file=sys.stderr)
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report")
    r.add_argument("--pages", required=True)
    r.add_argument("--submit", required=True)
    r.add_argument("--replay")
    r.add_argument("--workers", type=int, required=True)
    r.add_argument("--meta", required=True)
    args = parser.parse_args()
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
