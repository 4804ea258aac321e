#!/usr/bin/env python3
"""Turn a bench/run.sh result directory into report.md (stdout).

Reads machine.txt, runs.tsv (one row per `fraudgraph run`), baseline.tsv
(igraph's job, bench_kernels --baseline) and, if present, kernels-<size>.tsv
(bench_kernels output).  Prints medians per phase, the ratio against igraph's
job measured in the same rounds, kernel ratios, and the targets of issue 13
with met / not met.  Standard library only.
"""
import csv
import math
import re
import os
import statistics
import sys

PHASES = ["ingest", "build", "components", "rings", "risk", "evidence", "scoring", "model",
          "write"]


def med(xs):
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return statistics.median(xs) if xs else float("nan")


def fnum(x, fmt="{:.2f}"):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return fmt.format(x)


def rate(x):
    """1.23e8 -> '123 M'."""
    if x is None or math.isnan(x):
        return "n/a"
    for div, suf in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if x >= div:
            return "{:.3g}{}".format(x / div, suf)
    return "{:.3g}".format(x)


def fl(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def size_key(s):
    s = s.lower()
    mult = {"k": 1e3, "m": 1e6}.get(s[-1:], 1)
    try:
        return float(s.rstrip("km")) * mult
    except ValueError:
        return 0


def read_machine(d):
    m = {}
    p = os.path.join(d, "machine.txt")
    if os.path.exists(p):
        for line in open(p):
            k, _, v = line.rstrip("\n").partition("\t")
            m[k] = v
    return m


def read_runs(d):
    p = os.path.join(d, "runs.tsv")
    if not os.path.exists(p):
        return []
    return list(csv.DictReader(open(p), delimiter="\t"))


def read_kernels(d, size):
    p = os.path.join(d, "kernels-%s.tsv" % size)
    rows, loads = [], []
    if not os.path.exists(p):
        return rows, loads
    lines = []
    for line in open(p):
        if line.startswith("#"):
            loads.append(line[1:].strip())
        else:
            lines.append(line)
    rows = list(csv.DictReader(lines, delimiter="\t"))
    return rows, loads


def read_baseline(d):
    p = os.path.join(d, "baseline.tsv")
    if not os.path.exists(p):
        return []
    return list(csv.DictReader(open(p), delimiter="\t"))


def kget(rows, bench, threads=None):
    for r in rows:
        if r["bench"] == bench and (threads is None or int(r["threads"]) == threads):
            return r
    return None


def main():
    d = sys.argv[1]
    m = read_machine(d)
    runs = read_runs(d)
    sizes = sorted({r["size"] for r in runs}, key=size_key)
    for f in os.listdir(d):
        if f.startswith("kernels-") and f.endswith(".tsv"):
            s = f[len("kernels-"):-4]
            if s not in sizes:
                sizes.append(s)
    sizes.sort(key=size_key)
    out = []
    w = out.append

    w("# fraudgraph benchmark report\n")
    w("- date (UTC): %s" % m.get("date_utc", "?"))
    w("- machine: %s cores, %s, %.1f GiB memory, %s" % (
        m.get("nproc", "?"), m.get("cpu", "?"), fl(m.get("mem_total_kib")) / 1048576.0,
        m.get("kernel", "?")))
    if m.get("cpu_detail"):
        w("- cpu: %s" % m["cpu_detail"])
    w("- compiler: %s; commit %s" % (m.get("compiler", "?"), m.get("git", "?")))
    w("- command: `%s`" % m.get("command", "?"))
    w("- medians over the runs; load = 1/5/15-minute load average just before each run "
      "(on a loaded machine compare CPU seconds, not wall seconds)\n")

    if m.get("hog") == "1":
        w("- **beside a CPU hog**: `yes >/dev/null` in a session of its own ran for the whole "
          "benchmark")
    for k in ("uptime_start", "uptime_end"):
        if m.get(k):
            w("- %s: `%s`" % (k.replace("_", " at the "), m[k].strip()))
    w("")

    targets = {}
    base = read_baseline(d)

    for size in sizes:
        rs = [r for r in runs if r["size"] == size]
        w("## %s users\n" % size)
        bs = [b for b in base if b["size"] == size]
        if bs:
            w("### igraph's job: load + components + personalised PageRank (bench_kernels --baseline)\n")
            w("| part | runs | load before | median wall s | median CPU s | note |")
            w("|---|---|---|---|---|---|")
            for part in ("baseline_load", "baseline_cc", "baseline_ppr", "baseline_total"):
                pr = [b for b in bs if b["bench"] == part]
                if not pr:
                    continue
                w("| %s | %d | %s | %s | %s | %s |" % (
                    part[len("baseline_"):], len(pr),
                    ", ".join(sorted({b["load_before"].split("/")[0] for b in pr})),
                    fnum(med([fl(b["part_wall_s"]) for b in pr])),
                    fnum(med([fl(b["part_cpu_s"]) for b in pr])), pr[0]["note"]))
            tot = [b for b in bs if b["bench"] == "baseline_total"]
            bmed = {
                "wall": med([fl(b["wall_s"]) for b in tot]),
                "cpu": med([fl(b["user_s"]) + fl(b["sys_s"]) for b in tot]),
                "rss": med([fl(b["maxrss_kib"]) * 1024 for b in tot]),
                "rounds": {b["run"]: fl(b["wall_s"]) for b in tot},
            }
            w("")
            w("Process (CSV to exit, /usr/bin/time): median %s s wall, %s CPU-s, max RSS %.0f MiB.\n" % (
                fnum(bmed["wall"]), fnum(bmed["cpu"]), bmed["rss"] / 1048576.0))
            targets.setdefault("base", {})[size] = bmed
        if rs:
            r0 = rs[0]
            csv_mb = fl(r0["csv_bytes"]) / 1e6
            w("World: %s users, %s entities, %s links (%s input rows, %.0f MB of CSV), %s arcs.\n" % (
                r0["n_users"], r0["n_entities"], r0["n_links"], r0["n_rows"], csv_mb,
                r0["arcs"] or "?"))
            threads = sorted({int(r["threads"]) for r in rs})
            w("### `fraudgraph run`: median seconds per phase\n")
            w("| threads | runs | load before | " + " | ".join(PHASES) +
              " | t_total | process wall | process CPU | peak RSS | bytes/link |")
            w("|" + "---|" * (len(PHASES) + 9))
            per_t = {}
            for t in threads:
                tr = [r for r in rs if int(r["threads"]) == t]
                md = {p: med([fl(r["t_" + p]) for r in tr]) for p in PHASES}
                md["total"] = med([fl(r["t_total"]) for r in tr])
                md["wall"] = med([fl(r["wall_s"]) for r in tr])
                md["cpu"] = med([fl(r["user_s"]) + fl(r["sys_s"]) for r in tr])
                md["rss"] = med([fl(r["peak_rss"]) for r in tr])
                md["maxrss"] = med([fl(r["maxrss_kib"]) * 1024 for r in tr])
                md["bpl"] = med([fl(r["bytes_per_link"]) for r in tr])
                md["lpa"] = med([fl(r["lpa_iterations"]) for r in tr])
                md["riskit"] = med([fl(r["risk_iterations"]) for r in tr])
                md["rounds"] = {r["run"]: fl(r["wall_s"]) for r in tr}
                md["cpu_rounds"] = {r["run"]: fl(r["user_s"]) + fl(r["sys_s"]) for r in tr}
                md["phase_rounds"] = {p: {r["run"]: fl(r["t_" + p]) for r in tr} for p in PHASES}
                md["links"] = fl(tr[0]["n_links"])
                md["digests"] = sorted({r.get("output_digest", "") for r in tr})
                per_t[t] = md
                loads = ", ".join(sorted({r["load_before"].split("/")[0] for r in tr}))
                w("| %d | %d | %s | %s | %s | %s | %s | %.0f MiB | %.0f |" % (
                    t, len(tr), loads, " | ".join(fnum(md[p]) for p in PHASES),
                    fnum(md["total"]), fnum(md["wall"]), fnum(md["cpu"]),
                    md["maxrss"] / 1048576.0, md["bpl"]))
            w("")
            w("t_total is the run's own clock up to the write-back, before the commit; "
              "process wall is CSV to commit (and exit), from /usr/bin/time.\n")
            dg = sorted({x for t in threads for x in per_t[t]["digests"]})
            w("Output digest%s: %s%s.\n" % (
                "" if len(dg) == 1 else "s", ", ".join("`%s`" % x for x in dg),
                " (the same for every thread count and run)" if len(dg) == 1 else
                " (**differ between runs**)"))
            w("### Throughput of the phases (medians)\n")
            w("| threads | ingest rows/s | ingest CSV MB/s | build links/s | components arcs/s | "
              "rings arcs x sweeps/s (sweeps) | risk s/iteration (iterations) |")
            w("|---|---|---|---|---|---|---|")
            rows_n = fl(r0["n_rows"])
            links = fl(r0["n_links"])
            arcs = fl(r0["arcs"])
            for t in threads:
                md = per_t[t]
                w("| %d | %s | %.0f | %s | %s | %s (%.0f) | %s (%.0f) |" % (
                    t, rate(rows_n / md["ingest"]), csv_mb / md["ingest"],
                    rate(links / md["build"]), rate(arcs / md["components"]),
                    rate(arcs * md["lpa"] / md["rings"]), md["lpa"],
                    fnum(md["risk"] / md["riskit"], "{:.4f}"), md["riskit"]))
            w("")
            # running peak RSS at the end of each phase, from the first run's log
            lp = os.path.join(d, "log-%s-t%d-r1.txt" % (size, threads[0]))
            peaks = []
            if os.path.exists(lp):
                for line in open(lp):
                    mt = re.match(r"^(\w+)\s+[\d.]+ s\s+(\d+) MiB peak", line)
                    if mt:
                        peaks.append((mt.group(1), int(mt.group(2))))
            if peaks:
                w("Running peak RSS at the end of each phase (%d thread%s, run 1): %s.\n" % (
                    threads[0], "" if threads[0] == 1 else "s",
                    ", ".join("%s %d MiB" % pk for pk in peaks)))
            # the SQLite writer's busy time (FG_WRITE_PROFILE lines of each log):
            # tables' CPU, thread and main, plus the commit's wall
            for t in threads:
                busy, tables, commit = [], [], []
                for r in [r for r in rs if int(r["threads"]) == t]:
                    lp_ = os.path.join(d, "log-%s-t%d-r%s.txt" % (size, t, r["run"]))
                    if not os.path.exists(lp_):
                        continue
                    tab = com = 0.0
                    seen = False
                    for line in open(lp_):
                        mw = re.match(r"^  write (.+?)\s+([\d.]+) s  cpu\s+([\d.]+) s", line)
                        if not mw:
                            continue
                        seen = True
                        if mw.group(1) == "commit":
                            com += float(mw.group(2))
                        else:
                            tab += float(mw.group(3))
                    if seen:
                        tables.append(tab)
                        commit.append(com)
                        busy.append(tab + com)
                if busy:
                    per_t[t]["writer"] = (med(busy), med(tables), med(commit))
            if any("writer" in per_t[t] for t in threads):
                w("SQLite's writer (one connection; FG_WRITE_PROFILE): " + "; ".join(
                    "%d thread%s: busy %.2f s (tables' CPU %.2f s, commit %.2f s), its first row "
                    "after ingest + build %.2f s" % (
                        t, "" if t == 1 else "s", per_t[t]["writer"][0], per_t[t]["writer"][1],
                        per_t[t]["writer"][2], per_t[t]["ingest"] + per_t[t]["build"])
                    for t in threads if "writer" in per_t[t]) + ".\n")
            best_t = min(threads, key=lambda t: per_t[t]["wall"])
            targets.setdefault("run", {})[size] = (best_t, per_t[best_t], per_t)
            if 1 in per_t:
                targets.setdefault("ingest1", {})[size] = csv_mb / per_t[1]["ingest"]
            targets.setdefault("bpl", {})[size] = per_t[threads[-1]]["bpl"]
            targets.setdefault("maxrss", {})[size] = max(per_t[t]["maxrss"] for t in threads)

        krows, kloads = read_kernels(d, size)
        if not krows:
            continue
        w("### Kernels on the same graph (bench_kernels)\n")
        if kloads:
            w("Load: %s.\n" % "; ".join(kloads))
        w("| bench | threads | runs | wall s | CPU s | rate /s (wall) | rate per CPU-second | note |")
        w("|---|---|---|---|---|---|---|---|")
        for r in krows:
            unit = r["unit"]
            rt = fl(r["rate"])
            rc = fl(r["work"]) / fl(r["cpu_s"]) if fl(r["cpu_s"]) > 0 else float("nan")
            rs_ = (rate(rt) + " " + unit) if unit != "B" else "%.0f MB/s" % (rt / 1e6)
            rc_ = (rate(rc) + " " + unit) if unit != "B" else "%.0f MB/s" % (rc / 1e6)
            w("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                r["bench"], r["threads"], r["runs"], fnum(fl(r["wall_s"]), "{:.3f}"),
                fnum(fl(r["cpu_s"]), "{:.3f}"), rs_, rc_, r["note"]))
        w("")
        kthreads = sorted({int(r["threads"]) for r in krows if r["bench"].startswith("fg_")})

        # derived: one ring sweep = (setup + 1 sweep) - setup
        w("### Per-iteration rates and ratios against igraph\n")
        w("| measure | threads | ours | igraph | speedup (wall) | speedup (CPU) |")
        w("|---|---|---|---|---|---|")
        kt = targets.setdefault("kern", {}).setdefault(size, {})
        for t in kthreads:
            cc = kget(krows, "fg_cc", t)
            icc = kget(krows, "igraph_cc")
            if cc:
                arcs = fl(cc["work"])
                ours = fl(cc["wall_s"])
                kt.setdefault("cc_edges", {})[t] = arcs / 2 / ours
                kt.setdefault("cc_edges_cpu", {})[t] = arcs / 2 / fl(cc["cpu_s"])
                if icc:
                    kt.setdefault("cc_ratio", {})[t] = fl(icc["wall_s"]) / ours
                    kt.setdefault("cc_ratio_cpu", {})[t] = fl(icc["cpu_s"]) / fl(cc["cpu_s"])
                w("| components (fg_cc vs igraph_connected_components) | %d | %s edges/s (%s arcs/s) | %s | %s | %s |" % (
                    t, rate(arcs / 2 / ours), rate(arcs / ours),
                    fnum(fl(icc["wall_s"]), "{:.3f} s") if icc else "n/a",
                    fnum(fl(icc["wall_s"]) / ours, "{:.1f}x") if icc else "n/a",
                    fnum(fl(icc["cpu_s"]) / fl(cc["cpu_s"]), "{:.1f}x") if icc else "n/a"))
            s0, s1, full = kget(krows, "fg_rings_setup", t), kget(krows, "fg_rings_1sweep", t), kget(krows, "fg_rings_full", t)
            ilpa = kget(krows, "igraph_lpa")
            if s0 and s1:
                sweep = fl(s1["wall_s"]) - fl(s0["wall_s"])
                sw_rate = fl(s0["work"]) / sweep if sweep > 0 else float("nan")
                kt.setdefault("lpa_sweep", {})[t] = sw_rate
                csw = fl(s1["cpu_s"]) - fl(s0["cpu_s"])
                kt.setdefault("lpa_sweep_cpu", {})[t] = fl(s0["work"]) / csw if csw > 0 else float("nan")
                w("| one ring sweep (fg_rings, 1 sweep minus setup) | %d | %s arcs/s (%.3f s) | | | |" % (
                    t, rate(sw_rate), sweep))
            if full:
                capped = ilpa is not None and ilpa["note"].startswith(">")
                iw = fl(ilpa["wall_s"]) if ilpa else float("nan")
                ratio = iw / fl(full["wall_s"]) if ilpa else float("nan")
                kt.setdefault("lpa_ratio", {})[t] = (ratio, capped)
                if ilpa and not capped:
                    kt.setdefault("lpa_ratio_cpu", {})[t] = fl(ilpa["cpu_s"]) / fl(full["cpu_s"])
                w("| rings to convergence (fg_rings vs igraph_community_label_propagation) | %d | %.3f s (%s) | %s | %s%s | %s |" % (
                    t, fl(full["wall_s"]), full["note"],
                    ("> %.0f s" % iw) if capped else fnum(iw, "{:.2f} s"),
                    ">" if capped else "", fnum(ratio, "{:.0f}x"),
                    "" if capped or not ilpa else fnum(fl(ilpa["cpu_s"]) / fl(full["cpu_s"]), "{:.0f}x")))
            cd = kget(krows, "fg_cdlp", t)
            if cd:
                kt.setdefault("cdlp", {})[t] = fl(cd["rate"])
                kt.setdefault("cdlp_cpu", {})[t] = fl(cd["work"]) / fl(cd["cpu_s"])
                w("| one CDLP iteration (Graphalytics fg_cdlp) | %d | %s arcs/s | | | |" % (t, rate(fl(cd["rate"]))))
            rsd, rs1 = kget(krows, "fg_risk_seeds", t), kget(krows, "fg_risk_seeds_1iter", t)
            if rsd and rs1:
                mt = re.search(r"(\d+) iterations", rsd["note"])
                its = int(mt.group(1)) if mt else 0
                dt = fl(rsd["wall_s"]) - fl(rs1["wall_s"])
                if its > 1 and dt > 0:
                    w("| risk from the seeds: setup / per iteration over the active set | %d | %.3f s / %.2f ms, %s arcs/s | | | |" % (
                        t, fl(rs1["wall_s"]), dt / (its - 1) * 1e3, rate(fl(rs1["work"]) * (its - 1) / dt)))
            ra = kget(krows, "fg_risk_all_fixed", t)
            if ra:
                kt.setdefault("risk_iter", {})[t] = fl(ra["rate"])
                kt.setdefault("risk_iter_cpu", {})[t] = fl(ra["work"]) / fl(ra["cpu_s"])
                w("| one risk iteration, whole graph (fg_risk, every user a seed) | %d | %s arcs/s | | | |" % (t, rate(fl(ra["rate"]))))
            pr = kget(krows, "fg_pagerank", t)
            if pr:
                w("| one PageRank iteration (Graphalytics fg_pagerank) | %d | %s arcs/s | | | |" % (t, rate(fl(pr["rate"]))))
            for ours_b, ig_b, label in (("fg_risk_seeds", "igraph_ppr_seeds", "risk from the seeds, converged (fg_risk vs PRPACK)"),
                                        ("fg_risk_all_conv", "igraph_ppr_all", "risk from every user, converged (fg_risk vs PRPACK)")):
                o_, i_ = kget(krows, ours_b, t), kget(krows, ig_b)
                if o_:
                    ratio = fl(i_["wall_s"]) / fl(o_["wall_s"]) if i_ else float("nan")
                    kt.setdefault(ours_b + "_ratio", {})[t] = ratio
                    if i_:
                        kt.setdefault(ours_b + "_ratio_cpu", {})[t] = fl(i_["cpu_s"]) / fl(o_["cpu_s"])
                    w("| %s | %d | %.3f s | %s | %s | %s |" % (
                        label, t, fl(o_["wall_s"]), fnum(fl(i_["wall_s"]), "{:.3f} s") if i_ else "n/a",
                        fnum(ratio, "{:.1f}x"),
                        fnum(fl(i_["cpu_s"]) / fl(o_["cpu_s"]), "{:.1f}x") if i_ else "n/a"))
        w("")
        fl_ = [kget(krows, b) for b in ("floor_read_newlines", "floor_libcsv_empty", "floor_reader_nosink")]
        ing = kget(krows, "ingest_into_linkset")
        if all(fl_):
            w("CSV floor, one thread (edges.csv): read + count newlines %.0f MB/s, libcsv with empty "
              "callbacks %.0f MB/s, our reader with a no-op sink %.0f MB/s%s.\n" % (
                  fl(fl_[0]["rate"]) / 1e6, fl(fl_[1]["rate"]) / 1e6, fl(fl_[2]["rate"]) / 1e6,
                  (", the real ingest into the link set %.0f MB/s" % (fl(ing["rate"]) / 1e6)) if ing else ""))
            targets.setdefault("floor", {})[size] = [fl(x["rate"]) / 1e6 for x in fl_]
        if ing and fl(ing["cpu_s"]) > 0:
            targets.setdefault("ingest_cpu", {})[size] = fl(ing["work"]) / fl(ing["cpu_s"]) / 1e6

    # targets of issue 13
    w("## Targets of issue 13\n")
    w("Medians over the rounds; in each round igraph's job and every `fraudgraph run` ran one "
      "after the other on the same files.\n")
    w("| target | measured | ratio | verdict |")
    w("|---|---|---|---|")

    def verdict(ok):
        return "n/a" if ok is None else ("met" if ok else "**not met**")

    run = targets.get("run", {})
    base = targets.get("base", {})
    big = max(run, key=size_key) if run else None
    if big and big in base:
        bt, md, per_t = run[big]
        b = base[big]
        ratio = b["wall"] / md["wall"]
        w("| %s world, whole default run >= 2x igraph's load + components + PPR | run %.1f s "
          "(%d thread%s) vs igraph %.1f s; CPU %.1f vs %.1f s | %.2fx (CPU %.2fx) | %s |" % (
              big, md["wall"], bt, "" if bt == 1 else "s", b["wall"], md["cpu"], b["cpu"],
              ratio, b["cpu"] / md["cpu"], verdict(ratio >= 2)))
        if "writer" in md:
            floor = md["ingest"] + md["build"] + md["writer"][0]
            w("| (why) the SQLite writer's floor at %d thread%s: ingest + build before its first "
              "row, then its own busy time, one connection | %.1f + %.1f = %.1f s against %.1f s for "
              "2x | %.2fx igraph at best | %s |" % (
                  bt, "" if bt == 1 else "s", md["ingest"] + md["build"], md["writer"][0], floor,
                  b["wall"] / 2, b["wall"] / floor,
                  "the bar is below the floor" if floor > b["wall"] / 2 else "the floor allows it"))
    if big:
        bt, md, per_t = run[big]
        bpl = md["maxrss"] / md["links"]
        w("| %s world, peak memory <= 100 bytes per link | %.0f B/link (runs.bytes_per_link), "
          "%.0f (max RSS / links) | %.2fx the bar | %s |" % (
              big, md["bpl"], bpl, md["bpl"] / 100, verdict(md["bpl"] <= 100)))
    for size in sorted(run, key=size_key):
        bt, md, per_t = run[size]
        if 1 not in per_t or len(per_t) < 2:
            continue
        for t in sorted(per_t):
            if t == 1:
                continue
            one, many = per_t[1], per_t[t]
            paired = [many["rounds"][k] / one["rounds"][k] for k in one["rounds"]
                      if k in many["rounds"] and one["rounds"][k] > 0]
            worst = max(paired) if paired else float("nan")
            slower = [p for p in PHASES if many[p] > one[p] * 1.1 and many[p] - one[p] > 0.05]
            w("| %s world, %d threads never slower than 1 | %.2f s vs %.2f s (median), CPU %.1f "
              "vs %.1f s (%.2fx); worst round %.2fx%s | %.2fx | %s |" % (
                  size, t, many["wall"], one["wall"], many["cpu"], one["cpu"],
                  many["cpu"] / one["cpu"], worst,
                  ("; phases slower by > 10%: " + ", ".join(
                      "%s %.2f vs %.2f" % (p, many[p], one[p]) for p in slower)) if slower else "",
                  many["wall"] / one["wall"], verdict(many["wall"] <= one["wall"] and worst <= 1.0)))
    sizes_run = sorted(run, key=size_key)
    if len(sizes_run) >= 2:
        lo, hi = sizes_run[0], sizes_run[-1]
        for t in sorted(set(run[lo][2]) & set(run[hi][2])):
            a, c = run[lo][2][t], run[hi][2][t]
            ca, cc = a["cpu"] / a["links"] * 1e6, c["cpu"] / c["links"] * 1e6
            w("| CPU per link at %s within 1.2x of %s (%d thread%s) | %.2f vs %.2f us/link | %.2fx | %s |" % (
                hi, lo, t, "" if t == 1 else "s", cc, ca, cc / ca, verdict(cc / ca <= 1.2)))
    if "20m" in run:
        bt, md, per_t = run["20m"]
        w("| 20M world end to end within 120 s and 10 GiB | %.1f s, %.1f GiB | | %s |" % (
            md["wall"], md["maxrss"] / 2**30, verdict(md["wall"] <= 120 and md["maxrss"] <= 10 * 2**30)))
    elif big:
        bt, md, per_t = run[big]
        # estimate: 20M users have about 10x the links of 2M (gen scales linearly)
        scale = 20e6 / fl(next(r["users"] for r in runs if r["size"] == big))
        est_t, est_m = md["wall"] * scale, md["maxrss"] * scale
        w("| 20M world end to end within 120 s and 10 GiB | not run; estimate from %s at %d "
          "thread%s, linear in links: %.0f s, %.1f GiB (cost per link grows with size: a floor) "
          "| %.1fx / %.1fx the bars | %s (estimate) |" % (
              big, bt, "" if bt == 1 else "s", est_t, est_m / 2**30, est_t / 120,
              est_m / (10 * 2**30), verdict(est_t <= 120 and est_m <= 10 * 2**30)))
    w("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
