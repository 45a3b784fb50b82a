#!/usr/bin/env python3
"""Checks and figures of Benchmarks/backup/run: restored databases checked against the source,
the writers' latencies cut into windows, the stages of snapshots and restores read from the
file watcher's log, the RPO at a kill, and the final report.

The run script notes its measurements as `KEY VALUE...` lines in WORK/figures.txt (a key
noted again adds a value, one per round) and the windows it timed as `LABEL START END` lines
in WORK/windows.txt, in wall-clock seconds like every time in the CSV files.

  figures.py check-restore --source DB --restored DB --response JSON --out JSON
                           [--ids-prefix P --ids-out FILE]
  figures.py rpo --calls CSV --restored-ids FILE --kill-time T --out JSON
  figures.py report --work DIR
"""

import argparse
import csv
import hashlib
import json
import os
import random
import sqlite3
import sys
import time
from collections import Counter

import dataset

MIB = 1024 * 1024


def percentile(sorted_values, q):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-round(q * 1000) * len(sorted_values) // 1000))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def median(values):
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)


def read_json(path):
    with open(path) as f:
        return json.load(f)


# --- restored databases ---------------------------------------------------------------------

def journal_digest(db, up_to):
    digest = hashlib.sha256()
    rows = 0
    for row in db.execute("SELECT seq, committed_at, entity, key, op, value FROM journal WHERE seq <= ? ORDER BY seq", (up_to,)):
        digest.update(repr(row).encode())
        rows += 1
    return rows, digest.hexdigest()


def check_restore(args) -> None:
    """The restored database must be the source as of the restored sequence: a clean
    `PRAGMA integrity_check`, the same journal up to there, the profiles and the balance
    adjustments the source had then (every write of the run adds one adjustment and no
    profile), and identical profiles for a sample the journal did not touch afterwards. The
    source may have moved on since (the restore after the kill)."""
    response = read_json(args.response)
    problems = []
    restored = sqlite3.connect(f"file:{args.restored}?mode=ro", uri=True)
    # Read-write: after a kill -9 the source's WAL is recovered when it is opened.
    source = sqlite3.connect(args.source)
    try:
        started = time.monotonic()
        integrity = [row[0] for row in restored.execute("PRAGMA integrity_check")]
        integrity_s = time.monotonic() - started
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {'; '.join(integrity[:3])}")

        head = restored.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()[0]
        source_head = source.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()[0]
        if head != int(response.get("restoredSeq", 0)):
            problems.append(f"the restored journal ends at {head}, the service said {response.get('restoredSeq')}")
        if head > source_head:
            problems.append(f"the restored journal ends at {head}, beyond the source's {source_head}")
        later_adjustments = source.execute(
            "SELECT count(*) FROM journal WHERE seq > ? AND entity = 'balance_adjustments' AND op = 'upsert'", (head,)).fetchone()[0]
        counts = {}
        for table in ("profiles", "balance_adjustments"):
            have = restored.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            had = source.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            expected = had - (later_adjustments if table == "balance_adjustments" else 0)
            counts[table] = {"restored": have, "expected": expected}
            if have != expected:
                problems.append(f"{table}: {have} rows restored, expected {expected}")
        journal_rows, journal_sha = journal_digest(restored, head)
        source_rows, source_sha = journal_digest(source, head)
        counts["journal"] = {"restored": journal_rows, "expected": source_rows}
        if (journal_rows, journal_sha) != (source_rows, source_sha):
            problems.append(f"journal up to {head}: {journal_rows} rows restored, {source_rows} in the source, or other content")

        changed = {key for (key,) in source.execute("SELECT key FROM journal WHERE seq > ? AND entity = 'profiles'", (head,))}
        total = counts["profiles"]["expected"]
        compared = 0
        query = "SELECT version, document, v2_fields FROM profiles WHERE user_id = ?"
        for index in random.Random(7).sample(range(1, total + 1), min(1000, total)):
            key = dataset.user_id(index)
            if key in changed:
                continue
            if restored.execute(query, (key,)).fetchone() != source.execute(query, (key,)).fetchone():
                problems.append(f"profile {key} differs from the source")
                break
            compared += 1

        if args.ids_out:
            with open(args.ids_out, "w") as f:
                for (key,) in restored.execute("SELECT id FROM balance_adjustments WHERE request_id LIKE ?", (args.ids_prefix + "-%",)):
                    f.write(key + "\n")
    finally:
        restored.close()
        source.close()

    result = {"ok": not problems, "problems": problems, "restored_seq": head, "source_head": source_head,
              "applied_changes": int(response.get("appliedChanges", 0)), "rto_s": float(response.get("rtoSeconds", 0)),
              "counts": counts, "integrity_s": integrity_s, "profiles_compared": compared,
              "size_bytes": os.path.getsize(args.restored)}
    write_json(args.out, result)
    if problems:
        for problem in problems:
            print(f"check-restore: {problem}", file=sys.stderr)
        sys.exit(1)
    print(f"  checked: integrity ok ({integrity_s:.1f} s with Python's sqlite3), journal identical up to {head:,}, {counts['profiles']['restored']:,} profiles and "
          f"{counts['balance_adjustments']['restored']:,} adjustments as the source had them, {compared} sampled profiles identical")


# --- writers --------------------------------------------------------------------------------

def read_calls(*paths):
    calls = []
    for path in paths:
        if os.path.exists(path):
            with open(path, newline="") as f:
                calls += [{"id": r["request_id"], "user": r["user_id"], "sent": float(r["sent"]),
                           "latency": float(r["latency"]), "status": r["status"]} for r in csv.DictReader(f)]
    return calls


def read_windows(path):
    windows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3:
                    windows.append((parts[0], float(parts[1]), float(parts[2])))
    return windows


def latency_summary(calls, spans):
    """Latency of the calls sent within any of `spans` [(start, end)], in ms."""
    ok, errors = [], 0
    for call in calls:
        if any(start <= call["sent"] < end for start, end in spans):
            if call["status"] == "OK":
                ok.append(call["latency"] * 1000)
            else:
                errors += 1
    ok.sort()
    return {"calls": len(ok) + errors, "errors": errors, "seconds": sum(end - start for start, end in spans),
            "p50_ms": percentile(ok, 0.50), "p99_ms": percentile(ok, 0.99), "max_ms": ok[-1] if ok else None}


# --- RPO ------------------------------------------------------------------------------------

def rpo(args) -> None:
    """Which acknowledged writes the restore of the latest point holds, against the kill time."""
    calls = [c for c in read_calls(args.calls) if c["status"] == "OK"]
    for call in calls:
        call["acked"] = call["sent"] + call["latency"]
    with open(args.restored_ids) as f:
        present = {line.strip() for line in f if line.strip()}
    calls.sort(key=lambda c: c["acked"])
    held = [c for c in calls if f"{c['user']}/{c['id']}" in present]
    missing = [c for c in calls if f"{c['user']}/{c['id']}" not in present]
    newest = held[-1]["acked"] if held else None
    # A missing write acknowledged before the newest restored one is a hole, not lag.
    holes = [c for c in missing if newest is not None and c["acked"] < newest]
    result = {"acknowledged": len(calls), "restored": len(held), "missing": len(missing), "holes": len(holes),
              "kill_time": args.kill_time, "newest_restored_ack": newest,
              "rpo_s": args.kill_time - newest if newest is not None else None}
    write_json(args.out, result)
    if not held or holes:
        print("rpo: no acknowledged write is in the restored database" if not held else
              f"rpo: {len(holes)} acknowledged writes are missing before the newest restored one", file=sys.stderr)
        sys.exit(1)
    print(f"  {len(held):,} of {len(calls):,} acknowledged writes restored; the newest was acknowledged "
          f"{result['rpo_s'] * 1000:.0f} ms before the kill")


# --- stages ---------------------------------------------------------------------------------

def read_watch(path):
    events = []
    if os.path.exists(path):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                events.append((float(row["at"]), row["event"], row["path"]))
    return events


def first(events, start, end, event, predicate):
    return next((at for at, kind, path in events if start <= at <= end and kind == event and predicate(path)), None)


def in_folder(folder, prefix="", suffix=""):
    def match(path):
        name = os.path.basename(path)
        return os.path.dirname(path) == folder and name.startswith(prefix) and name.endswith(suffix)
    return match


def last_change(events, start, end, predicate):
    """When the last file matching `predicate` last appeared or changed size."""
    found = None
    for at, kind, path in events:
        if start <= at <= end and kind in ("new", "size") and predicate(path):
            found = at
    return found


def snapshot_stages(events, start, end, dirs):
    """(stage, start, end) of one snapshot, from the files it writes (50 ms polling):
    profile-service's VACUUM INTO copy, backup-service's received copy, the sealed file, the
    file staged in the target folder and the stored object. What runs between two marks
    without writing a file (fsyncs, the content digest) shows in the gaps."""
    sealed = in_folder(dirs["backup_scratch"], "seal-")
    marks = [
        start,
        first(events, start, end, "new", in_folder(dirs["backup_scratch"], "snapshot-", ".sqlite")),
        first(events, start, end, "gone", in_folder(dirs["profile_scratch"], "snapshot-", ".sqlite")),
        first(events, start, end, "new", sealed),
        last_change(events, start, end, sealed),
        first(events, start, end, "new", in_folder(dirs["target"], ".partial")),
        # The command may return before the watcher's next look sees the stored object.
        first(events, start, end + 0.5, "new", in_folder(dirs["target"], "", ".snapshot")),
        end,
    ]
    if marks[-2] is not None:
        marks[-1] = max(end, marks[-2])
    names = ("VACUUM INTO in profile-service", "transfer over gRPC", "received -> sealing starts",
             "sealed file growing", "sealed -> copy into the target", "copy into the target + fsync",
             "manifest, catalog, answer")
    merged_names = {"sealed -> copy into the target + copy into the target + fsync": "sealed -> stored in the target"}
    if marks[-2] is None:
        return None
    # A stage whose file the service does not write (e.g. no staged copy in the target) is
    # merged into the next one.
    stages, pending, begin = [], [], marks[0]
    for name, mark in zip(names, marks[1:]):
        pending.append(name)
        if mark is not None and mark >= begin:
            name = " + ".join(pending)
            stages.append((merged_names.get(name, name), begin, mark))
            pending, begin = [], mark
    return stages


def restore_stages(events, start, end, restores):
    """(stage, start, end) of one restore: until the new database file appears in the
    destination folder (under a temporary name), then until it is in place."""
    # The command may return before the watcher's next look sees the restored file.
    late = end + 0.5
    marks = [
        start,
        first(events, start, end, "new", lambda p: in_folder(restores)(p) and ".partial-" in p),
        first(events, start, late, "new", lambda p: in_folder(restores)(p) and not os.path.basename(p).startswith(".")),
    ]
    if any(m is None for m in marks):
        return None
    names = ("plan + fetch the snapshot", "decrypt, replay, integrity check, digest")
    return [(name, marks[i], marks[i + 1]) for i, name in enumerate(names)]


# --- report ---------------------------------------------------------------------------------

def fmt(value, pattern="{:.2f}", missing="-"):
    return missing if value is None else pattern.format(value)


def report(args) -> None:
    work = args.work
    notes = {}
    with open(os.path.join(work, "figures.txt")) as f:
        for line in f:
            key, _, value = line.strip().partition(" ")
            notes.setdefault(key, []).append(value)
    one = lambda key, default=None: notes.get(key, [default])[-1]
    numbers = lambda key: [float(v.split()[0]) for v in notes.get(key, []) if v]
    dirs = read_json(os.path.join(work, "dirs.json"))
    events = read_watch(os.path.join(work, "watch.csv"))
    windows = read_windows(os.path.join(work, "windows.txt"))
    spans = lambda label: [(start, end) for name, start, end in windows if name == label]
    calls = read_calls(os.path.join(work, "calls-alone.csv"), os.path.join(work, "calls-snapshots.csv"))
    rate = one("write_rate")
    rounds = len(numbers("vacuum_s"))
    size = int(one("db_bytes", 0))
    results = []  # (verdict, name, value, target)

    print(f"backup-service: profile database of {size / MIB:,.0f} MiB, writers at {rate} AdjustBalance/s "
          f"(durability={one('durability')}), directory and moto S3 targets")
    print(f"commit {one('commit')}, {one('cores')} cores, SQLite {one('sqlite')}, moto {one('moto')}")
    print(f"load average (1, 5, 15 min) before the measurements: {one('load_before')}, after: {one('load_after')}")
    print()
    print(f"database: {int(one('profiles', 0)):,} profiles, {int(one('adjustments', 0)):,} balance adjustments, "
          f"{size:,} bytes, bulk-loaded with sqlite3 in {float(one('load_s', 0)):.1f} s")
    print()

    # Snapshot times.
    vacuum = median(numbers("vacuum_s"))
    snapshot = median(numbers("snapshot_s"))
    backups = [v.split() for v in notes.get("backup_s", [])]
    unfinished = [float(b[0]) for b in backups if b[1] != "done"]
    ratio = lambda value: fmt(value / vacuum if value is not None and vacuum else None, "{:.2f}x")
    print(f"copies of the live database while the writers run, median of {rounds} round(s)")
    print(f"{'method':<40} {'seconds':>8} {'vs VACUUM INTO':>15} {'cpu s profile':>14} {'cpu s backup':>13}")
    print(f"{'sqlite3 VACUUM INTO':<40} {fmt(vacuum):>8} {'1.00x':>15}")
    print(f"{'  fsync of its copy afterwards':<40} {fmt(median(numbers('vacuum_fsync_s'))):>8}")
    if unfinished:
        print(f"{'sqlite3 .backup':<40} {'>' + fmt(min(unfinished)):>8}   unfinished in {len(unfinished)} of {len(backups)} "
              f"round(s): it starts over whenever another connection commits")
    else:
        print(f"{'sqlite3 .backup':<40} {fmt(median([float(b[0]) for b in backups])):>8} "
              f"{ratio(median([float(b[0]) for b in backups])):>15}")
    print(f"{'loyalty backup snapshot':<40} {fmt(snapshot):>8} {ratio(snapshot):>15} "
          f"{fmt(median(numbers('snapshot_cpu_profile'))):>14} {fmt(median(numbers('snapshot_cpu_backup'))):>13}")
    sizes = [int(v) / MIB for v in numbers("size_at_snapshot")]
    if sizes:
        print(f"(the database grows with the writes: {min(sizes):,.0f} to {max(sizes):,.0f} MiB at the snapshots)")
    idle_vacuum = median(numbers("vacuum-idle_s"))
    idle_ratio = lambda value: fmt(value / idle_vacuum if value is not None and idle_vacuum else None, "{:.2f}x")
    print(f"with the writers stopped, afterwards ({float(one('size_idle', 0)) / MIB:,.0f} MiB)")
    print(f"{'sqlite3 VACUUM INTO':<40} {fmt(idle_vacuum):>8} {'1.00x':>15}")
    print(f"{'sqlite3 .backup':<40} {fmt(median(numbers('backup_idle_s'))):>8} {idle_ratio(median(numbers('backup_idle_s'))):>15}")
    for label, name in (("idle-snapshot-dir", "loyalty backup snapshot, directory"),
                        ("idle-snapshot-s3", "loyalty backup snapshot, moto S3")):
        value = median(numbers(f"{label}_s"))
        print(f"{name:<40} {fmt(value):>8} {idle_ratio(value):>15} {fmt(median(numbers(label + '_cpu_profile'))):>14} "
              f"{fmt(median(numbers(label + '_cpu_backup'))):>13}")
    first_dir, first_s3 = one("backup-dir-first-snapshot_s"), one("backup-s3-first-snapshot_s")
    if first_dir:
        print(f"(first automated snapshot at start, from the service log: directory {float(first_dir):.2f} s"
              + (f", S3 {float(first_s3):.2f} s while shipping the journal backlog)" if first_s3 else ")"))
    print()

    # Snapshot stages, with the writers' latency in each.
    staged = [s for s in (snapshot_stages(events, a, b, dirs) for a, b in spans("snapshot")) if s]
    # Rounds agree on their stages unless a file was missed between two polls.
    shapes = [[name for name, _, _ in s] for s in staged]
    staged = [s for s, shape in zip(staged, shapes) if shape == max(shapes, key=shapes.count)]
    if staged:
        print(f"stages of loyalty backup snapshot with the writers running (median of {len(staged)}; "
              f"from the files each stage writes, 50 ms resolution)")
        print(f"{'stage':<44} {'seconds':>8}   {'writes sent meanwhile: p99 ms':>30} {'max ms':>8}")
        for i, (name, _, _) in enumerate(staged[0]):
            seconds = median([s[i][2] - s[i][1] for s in staged])
            during = latency_summary(calls, [(s[i][1], s[i][2]) for s in staged])
            print(f"{name:<44} {seconds:>8.2f}   {fmt(during['p99_ms']):>30} {fmt(during['max_ms']):>8}")
        print()

    # Writers' latency by window.
    print(f"writers: AdjustBalance at {rate}/s, client-side latency, by what ran when the call was sent")
    print(f"{'window':<40} {'seconds':>8} {'calls':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    latency = {}
    for label, name in (("alone", "backup-service not running"), ("quiet", "quiet: log shipping only"),
                        ("vacuum", "during VACUUM INTO"), ("backup", "during .backup"),
                        ("snapshot", "during loyalty backup snapshot")):
        if spans(label):
            w = latency[label] = latency_summary(calls, spans(label))
            print(f"{name:<40} {w['seconds']:>8.1f} {w['calls']:>7} {fmt(w['p50_ms']):>8} {fmt(w['p99_ms']):>8} "
                  f"{fmt(w['max_ms']):>8} {w['errors']:>7}")
    print()

    # Restores.
    print("restore of the latest point into a new database (loyalty backup restore --destination)")
    print(f"{'source':<40} {'MiB':>6} {'seconds':>8} {'MiB/s':>7} {'rto s':>7} {'replayed':>9}")
    restored = {}
    for key, name in (("dir", "directory, fresh snapshot"), ("s3", "moto S3, fresh snapshot"),
                      ("rpo", "directory, after the kill")):
        path = os.path.join(work, f"restore-{key}.json")
        if not os.path.exists(path):
            continue
        check = restored[key] = read_json(path)
        wall = float(one(f"restore-{key}_s"))
        mib = check["size_bytes"] / MIB
        check["wall_s"], check["mib_s"] = wall, mib / wall
        print(f"{name:<40} {mib:>6.0f} {wall:>8.2f} {mib / wall:>7.0f} {check['rto_s']:>7.2f} {check['applied_changes']:>9,}")
        for label, start, end in windows:
            if label == f"restore-{key}":
                stages = restore_stages(events, start, end, dirs["restores"])
                if stages:
                    check["stages"] = {n: b - a for n, a, b in stages}
                    print("    " + ", ".join(f"{n} {b - a:.2f} s" for n, a, b in stages))
    if "dir" in restored and "rpo" in restored and restored["rpo"]["applied_changes"]:
        stage = "decrypt, replay, integrity check, digest"
        extra = restored["rpo"].get("stages", {}).get(stage, 0) - restored["dir"].get("stages", {}).get(stage, 0)
        if extra > 0:
            print(f"journal replay: about {restored['rpo']['applied_changes'] / extra:,.0f} changes/s "
                  f"({restored['rpo']['applied_changes']:,} changes in {extra:.1f} s more than the restore without any)")
    print("every restore: integrity_check ok, journal identical to the source's up to the restored sequence, "
          "row counts as the source had them")
    print()

    # RPO.
    start, idle_until, kill = float(one("rpo_start", 0)), float(one("rpo_idle_until", 0)), float(one("kill_time", 0))
    lags, gauge, first_lags = [], [], []
    lag_path = os.path.join(work, "lag.csv")
    if os.path.exists(lag_path):
        with open(lag_path, newline="") as f:
            for row in csv.DictReader(f):
                at = float(row["at"])
                if idle_until <= at < start and row["lag"]:
                    first_lags.append(float(row["lag"]))
                if start <= at < kill:
                    if row["lag"]:
                        lags.append(float(row["lag"]))
                    if row["metrics_lag"]:
                        gauge.append(float(row["metrics_lag"]))
    lags.sort()
    gauge.sort()
    print(f"RPO: writers at {rate}/s for {one('rpo_seconds')} s, then kill -9 profile-service")
    if lags:
        print(f"backup lag, GetStatus lag_seconds every 100 ms ({len(lags)} samples, the writers' first 3 s left out): "
              f"p50 {percentile(lags, 0.5):.3f} s, p99 {percentile(lags, 0.99):.3f} s, max {lags[-1]:.3f} s")
        if gauge:
            print(f"  the /metrics gauge (refreshed once a second): p99 {percentile(gauge, 0.99):.3f} s, max {gauge[-1]:.3f} s")
        if first_lags:
            print(f"  in the writers' first 3 s, after an idle spell: max {max(first_lags):.3f} s")
    rpo_path = os.path.join(work, "rpo.json")
    achieved = read_json(rpo_path) if os.path.exists(rpo_path) else None
    if achieved:
        print(f"after the kill, the restore holds {achieved['restored']:,} of {achieved['acknowledged']:,} acknowledged writes; "
              f"the newest of them was acknowledged {achieved['rpo_s']:.3f} s before the kill")
    print()

    verdict = lambda ok: "PASS" if ok else "MISS"
    if vacuum and snapshot:
        results.append((verdict(snapshot / vacuum <= 1.5), "snapshot: loyalty backup snapshot / VACUUM INTO",
                        f"{snapshot / vacuum:.2f}x", "<= 1.5x"))
    quiet, during = latency.get("quiet", {}).get("p99_ms"), latency.get("snapshot", {}).get("p99_ms")
    if quiet is not None and during is not None:
        results.append((verdict(during - quiet <= 2.0), "writers: p99 during snapshot - quiet p99",
                        f"{during - quiet:+.2f} ms", "<= +2 ms"))
    failed = [c for c in calls if c["status"] != "OK"]
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(Counter(c["status"] for c in failed).items()))
    results.append((verdict(not failed), "writers: every write succeeded (all windows)",
                    f"{len(failed)} failed", "0" + (f"   ({statuses})" if failed else "")))
    if "dir" in restored:
        results.append((verdict(restored["dir"]["mib_s"] >= 100), "restore: directory target",
                        f"{restored['dir']['mib_s']:.0f} MiB/s", ">= 100 MiB/s"))
    if "s3" in restored:
        results.append(("", "restore: moto S3 target (for comparison)", f"{restored['s3']['mib_s']:.0f} MiB/s", ""))
    if lags:
        results.append((verdict(percentile(lags, 0.99) <= 1.0), "rpo: backup lag p99 while writing",
                        f"{percentile(lags, 0.99):.3f} s", "<= 1 s"))
    if achieved:
        results.append((verdict(achieved["rpo_s"] <= 1.0), "rpo: achieved at kill -9", f"{achieved['rpo_s']:.3f} s", "<= 1 s"))
    print(f"{'':<5} {'result':<48} {'value':>14}   target")
    for mark, name, value, target in results:
        print(f"{mark:<5} {name:<48} {value:>14}   {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check-restore", help="compare a restored database with its source")
    check.add_argument("--source", required=True)
    check.add_argument("--restored", required=True)
    check.add_argument("--response", required=True, help="the restore's JSON answer")
    check.add_argument("--out", required=True)
    check.add_argument("--ids-prefix", default="", help="request id prefix of the adjustment ids to list")
    check.add_argument("--ids-out", help="file for the restored adjustment ids with that prefix")
    point = commands.add_parser("rpo", help="the RPO achieved at a kill")
    point.add_argument("--calls", required=True)
    point.add_argument("--restored-ids", required=True)
    point.add_argument("--kill-time", type=float, required=True)
    point.add_argument("--out", required=True)
    summary = commands.add_parser("report", help="print the results")
    summary.add_argument("--work", required=True)
    args = parser.parse_args()
    {"check-restore": check_restore, "rpo": rpo, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
