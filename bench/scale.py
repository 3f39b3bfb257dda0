"""How kg scales: wall time, throughput and peak memory of a build on N real abstracts.

Corpus: ../shared/data/arxiv-zh-en/abstracts.jsonl.gz (46,578 arXiv abstracts, cs.CV/CL/AI/SD/RO,
records whose `category` starts with `arXiv_`, in file order): `abstract_en`; with --mixed every
fourth paper that has one is given as its Google Chinese translation (`abstract_zh_google`)
instead. The figures, all measured in this one process (the machine's load shifts from minute to
minute, so ratios between runs of the same process mean more than absolute seconds):

- extraction floor: a bare `nlp.pipe` of the full default en_core_web_sm pipeline (all six
  components, batch 64) over S English abstracts, against kg's English extraction of the same
  texts in this process (its pipeline, its noun-chunk cleaning and acronyms); ratio = bare / kg;
  and the same bare pipeline on kg's BLAS (numpy's, not thinc's default blis), whose ratio is what
  running only the needed parts gives alone;
- workers: kg's extraction of the same S abstracts with --workers 1 and 2 (each worker process
  loads its own models; that load is included);
- per N: a full build as `kg build` runs it (read, extract and link in a process of their own,
  then graphs, ranking, exports, views) with the chosen workers and the extraction cache, timed
  per stage; abstracts/s and words/s (English words split on spaces, Chinese characters) of the
  extraction; peak memory of the process tree (this process, the extract-and-link process and
  their workers, sampled every 0.1 s) as the sum of RSS and of PSS (forked workers share pages
  with the process that forked them: see PeakRSS); the high-water marks of the extract-and-link
  process and of this one after graphs, ranking and save (which stage sets the peak); the
  largest HTML view;
- a rebuild after adding 100 new abstracts to the N (the cache spares the N), with every
  export and with graph.graphml alone (`kg build --formats none`), with the same workers
  (`--rebuild lean`: only the latter; `none`: neither).

    python bench/scale.py                       # N = 1000 and 10000, ratio on 500 abstracts
    python bench/scale.py --n 1000 --sample 200 # a quick look
    python bench/scale.py --n 72000 --both      # all there is: 46,578 English + their Chinese
    python bench/scale.py --n 100000 --both --splice  # 27,700 spliced ones past those (spliced_records)
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
from threadpoolctl import threadpool_limits

from kg import pipeline
from kg.apart import extract_corpus_apart
from kg import workspace as kg_workspace
from kg.engine import EngineOptions, ExtractorConfig, extract_stream
from kg.extract import Extractor, load_english
from kg.model import Corpus, Paper
from kg.read import ReadReport, read_papers
from kg.store import STORE_FILE

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv-zh-en" / "abstracts.jsonl.gz"


def load_records(path: Path, n: int, mixed: bool, both: bool = False, splice: bool = False) -> list[dict]:
    """The first n usable records as kg input rows (id, title, abstract); with `both`, each
    English abstract is followed by its Chinese translation as a paper of its own (id + ":zh").
    With `splice`, sizes past what the corpus has are made up with `spliced_records`."""
    rows: list[dict] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            r = json.loads(line)
            if not str(r.get("category", "")).startswith("arXiv_") or not r.get("abstract_en"):
                continue
            chinese = mixed and len(rows) % 4 == 3 and r.get("abstract_zh_google")
            text = r["abstract_zh_google"] if chinese else r["abstract_en"]
            rows.append({"id": r["arxiv_id"], "title": r.get("title", ""), "abstract": text})
            if both and r.get("abstract_zh_google"):
                rows.append({"id": r["arxiv_id"] + ":zh", "title": "", "abstract": r["abstract_zh_google"]})
            if len(rows) >= n:
                break
    if splice and len(rows) < n:
        rows += spliced_records(rows, n - len(rows))
    return rows[:n]


# a sentence ends at . ! ? before a space, or at a Chinese full stop, exclamation or question mark
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def splice_halves(first: str, second: str, joiner: str) -> str:
    """The first half of `first`'s sentences, then the second half of `second`'s."""
    a, b = ([s for s in SENTENCE_END.split(t) if s.strip()] for t in (first, second))
    return joiner.join(a[:max(1, len(a) // 2)] + b[len(b) // 2:])


def spliced_records(rows: list[dict], count: int) -> list[dict]:
    """`count` more papers than the corpus has, for sizes past it (100,000: the corpus gives
    72,302): the English abstract k opens with its first half of sentences and goes on with the
    second half of the next one in the file (often of the same field and year), and their
    Chinese translations are spliced the same way when both have one. Every sentence is real;
    the pairings are not, so co-occurrences differ from a real corpus's, and every sentence
    of a spliced paper is in a real one too."""
    english = [r for r in rows if not r["id"].endswith(":zh")]
    chinese = {r["id"].removesuffix(":zh"): r["abstract"] for r in rows if r["id"].endswith(":zh")}
    made: list[dict] = []
    for k, a in enumerate(english):
        b = english[(k + 1) % len(english)]
        made.append({"id": f"spliced{k}", "title": "", "abstract": splice_halves(a["abstract"], b["abstract"], " ")})
        if a["id"] in chinese and b["id"] in chinese:
            made.append({"id": f"spliced{k}:zh", "title": "",
                         "abstract": splice_halves(chinese[a["id"]], chinese[b["id"]], "")})
        if len(made) >= count:
            break
    return made[:count]


def add_splice_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--splice", action="store_true",
                        help="sizes past the corpus made up with spliced abstracts (see scale.spliced_records)")


def write_jsonl(rows: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def twins_parser(doc: str) -> argparse.ArgumentParser:
    """--n, --cache, --workers and --data, for the benchmarks of later stages (`extract_twins`)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=4000, help="papers: English abstracts and their Chinese twins")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "kg-link-time.sqlite",
                        help="extraction cache kept between runs")
    parser.add_argument("--workers", type=int, default=2, help="extraction processes (for what the cache lacks)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    add_splice_option(parser)
    return parser


def parse_twins(parser: argparse.ArgumentParser) -> argparse.Namespace | None:
    """The arguments, or None (said on stderr) when the corpus is not beside this clone."""
    args = parser.parse_args()
    if args.data.is_file():
        return args
    print(f"{args.data}: not found (the benchmark needs ../shared/data/arxiv-zh-en)", file=sys.stderr)
    return None


def extract_twins(data: Path, n: int, cache: Path, workers: int = 2, splice: bool = False) -> tuple[list[Paper], list]:
    """N papers of the twins corpus (`load_records(..., both=True)`) read and extracted through
    the extraction cache `cache` (kept between runs), for the benchmarks of the later stages."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(load_records(data, n, mixed=False, both=True, splice=splice), Path(tmp) / "in.jsonl")
        pairs = list(extract_stream(read_papers([path], report=ReadReport()), ExtractorConfig(),
                                    EngineOptions(workers=workers, cache=cache)))
    return [p for p, _ in pairs], [e for _, e in pairs]


def linked_twins(args: argparse.Namespace) -> Corpus:
    """The corpus `kg build` links from `extract_twins`' papers (`twins_parser`'s options)."""
    papers, extractions = extract_twins(args.data, args.n, args.cache, args.workers, args.splice)
    options = pipeline.BuildOptions()
    return pipeline.link_papers(papers, extractions, options, pipeline.min_concept_papers(options, len(papers)),
                                workers=args.workers)


def twins_graph(doc: str) -> pipeline.KnowledgeGraph | None:
    """The graphs `kg build` makes of `linked_twins`' corpus (options from `twins_parser(doc)`),
    or None when the corpus is not beside this clone (said on stderr)."""
    args = parse_twins(twins_parser(doc))
    return None if args is None else pipeline.graph_corpus(linked_twins(args))


def seconds(work: Callable[[], object]) -> float:
    """Wall time of one call."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def words(papers: list[Paper]) -> int:
    return sum(len(p.text.split()) if p.lang == "en" else len(p.text) for p in papers)


class PeakRSS:
    """Peak memory of this process and its children, sampled in a thread: resident (RSS) and
    proportional (PSS). The clause-reading workers are forked and share most of their pages
    with this process, which the sum of RSS counts once per process; PSS splits each shared
    page among its sharers, so its sum is the memory the tree takes on the machine."""

    def __init__(self, interval: float = 0.1):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._pss = PeakPSS()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def peak_pss(self) -> int:
        return self._pss.peak

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            rss, pids = 0, []
            for proc in [me, *me.children(recursive=True)]:
                try:
                    rss += proc.memory_info().rss
                    pids.append(proc.pid)
                except psutil.Error:
                    pass
            self.peak = max(self.peak, rss)
            self._pss.sample(pids, rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class PeakPSS:
    """The highest sum of PSS of a tree of processes, read only when it could be higher than the
    peak so far (PSS is at most RSS, so a tree whose RSS sum is under the peak cannot beat it),
    and seldom enough to take at most `duty` of a core. A read of smaps_rollup walks the
    process's page tables: 22 ms for a 500 MiB process, more for forked workers sharing pages.
    Reading the four processes of a 72,000-paper build ten times a second took a quarter of one
    of the machine's two cores from the build measured, and 80% while it linked."""

    def __init__(self, duty: float = 0.05, every: float = 0.5):
        self.peak, self.duty, self.every, self._next = 0, duty, every, 0.0

    def sample(self, pids: Iterable[int], rss_sum: int) -> None:
        start = time.monotonic()
        if rss_sum <= self.peak or start < self._next:
            return
        self.peak = max(self.peak, sum(proportional_set_size(pid) for pid in pids))
        spent = time.monotonic() - start
        self._next = start + max(self.every, spent / self.duty)


class StepPeaks:
    """The highest RSS of this process in each named step, sampled by a thread every `interval`
    s: for the benchmarks that run a stage of kg in an interpreter of their own
    (build_memory.py, link_memory.py; they put this folder on its PYTHONPATH)."""

    def __init__(self, first_step: str, interval: float = 0.2):
        self.current, self.peaks, self._done = first_step, {}, threading.Event()
        self._process = psutil.Process()
        threading.Thread(target=self._run, args=(interval,), daemon=True).start()

    def _run(self, interval: float) -> None:
        while not self._done.is_set():
            rss = self._process.memory_info().rss >> 20
            self.peaks[self.current] = max(self.peaks.get(self.current, 0), rss)
            time.sleep(interval)

    def step(self, name: str) -> None:
        self.current = name

    def rss(self) -> int:
        """This process's RSS now, in MiB."""
        return self._process.memory_info().rss >> 20

    def report(self) -> None:
        """Each step's peak in MiB, then the process's high-water mark: VmHWM, not getrusage's
        ru_maxrss, which outlives exec and would give the benchmark's own peak."""
        self._done.set()
        for name, mib in self.peaks.items():
            print(f"{mib:7,} MiB  {name}")
        print(f"high-water mark {vm_hwm_mib(os.getpid()):,.0f} MiB")


def vm_hwm_mib(pid: int) -> float:
    """VmHWM of a live process, from /proc (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next((int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:")), 0.0)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def in_fresh_interpreter(code: str, *args: str) -> int:
    """Run `code` (saved as a script, so that spawned workers can import it) in a new interpreter
    that can import this folder's modules; its exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "child.py"
        script.write_text(code, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent)}
        return subprocess.run([sys.executable, str(script), *args], env=env).returncode


def proportional_set_size(pid: int) -> int:
    """A process's PSS in bytes, from Linux's /proc/PID/smaps_rollup (a big Python process has
    thousands of mappings, too many to read its smaps ten times a second); 0 elsewhere."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            return next((int(line.split()[1]) * 1024 for line in rollup if line.startswith("Pss:")), 0)
    except OSError:  # not Linux, or the process has ended
        return 0


@contextmanager
def timed(into: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    into[name] = into.get(name, 0.0) + time.perf_counter() - start


def high_water_mib() -> float:
    """This process's peak resident memory so far (not the workers')."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timing(into: dict[str, float], name: str, fn: Callable) -> Callable:
    """`fn`, adding its run time to into[name] (to split pipeline.graph_corpus into graph and
    ranking) and noting the build process's high-water mark after it (which stage sets the peak)."""
    def wrapper(*args, **kwargs):
        with timed(into, name):
            result = fn(*args, **kwargs)
        into[f"{name}_hwm_mib"] = high_water_mib()
        return result
    return wrapper


def extraction_floor(papers: list[Paper]) -> dict[str, float]:
    english = [p for p in papers if p.lang == "en"]
    texts = [p.text for p in english]
    result: dict[str, float] = {"sample": len(english)}
    full = load_english(disable=(), blis=True)  # the default pipeline as spaCy loads it
    full_numpy = load_english(disable=())  # the same on kg's BLAS
    for ops, nlp in (("bare_s", full), ("bare_numpy_s", full_numpy)):
        list(nlp.pipe(texts[:10]))
        with timed(result, ops), threadpool_limits(limits=1, user_api="blas"):
            for _ in nlp.pipe(texts, batch_size=64):
                pass
    extractor = Extractor.create()
    list(extractor.english.extract(english[:10]))
    with timed(result, "kg_s"):
        list(extractor.english.extract(english))
    result["pipeline"] = ",".join(full.pipe_names)
    result["kg_pipeline"] = ",".join(extractor.english.nlp.pipe_names)
    for workers in (1, 2):
        with timed(result, f"workers{workers}_s"):
            for _ in extract_stream(english, engine=EngineOptions(workers=workers, batch_size=64)):
                pass
    return result


def full_build(inputs: list[Path], workspace: Path, workers: int, options: pipeline.BuildOptions) -> dict[str, float]:
    """As `kg build`: extraction and linking in a process of their own (`kg.apart`, timed by the
    steps it reports), then the graphs and files here (timed by patching what makes them)."""
    stages: dict[str, float] = {}
    originals = {name: getattr(pipeline, name) for name in
                 ("bipartite_graph", "concept_graph", "paper_graph", "analyse_concepts", "clusters")}
    names = {"bipartite_graph": "graph", "concept_graph": "graph", "paper_graph": "graph",
             "analyse_concepts": "rank", "clusters": "rank"}
    for name, fn in originals.items():
        setattr(pipeline, name, timing(stages, names[name], fn))

    def on_step(step: str) -> None:  # linking starts with the first of its steps
        if step in ("indexing English concepts", "linking concepts"):
            stages.setdefault("link_start", time.perf_counter())
    try:
        engine = EngineOptions(workers=workers, cache=workspace / STORE_FILE)
        with PeakRSS() as rss, timed(stages, "total"):
            start = time.perf_counter()
            corpus = extract_corpus_apart(inputs, options, engine=engine, report=ReadReport(), on_step=on_step)
            linked = time.perf_counter()
            stages["extract"], stages["link"] = stages["link_start"] - start, linked - stages["link_start"]
            # the largest process that has ended: the one that extracted and linked
            stages["link_hwm_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            with kg_workspace.locked(workspace):  # as kg build saves
                _, info = pipeline.save_corpus(corpus, workspace, options)
            stages["save_hwm_mib"] = high_water_mib()
            stages["graphs+save"] = time.perf_counter() - linked
    finally:
        for name, fn in originals.items():
            setattr(pipeline, name, fn)
    stages["save"] = stages.pop("graphs+save") - stages["graph"] - stages["rank"]
    stages["peak_rss_mib"] = rss.peak / 2**20
    stages["peak_pss_mib"] = rss.peak_pss / 2**20
    stages["largest_view_mb"] = max(p.stat().st_size for p in workspace.glob("*.html")) / 1e6
    stages.update(concepts=info["concepts"], rare=info.get("rare_concepts_dropped", 0),
                  cooccurrence_edges=info["concept_cooccurrence_edges"],
                  similarity_edges=info["paper_similarity_edges"])
    return stages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="*", default=[1000, 10000], help="corpus sizes (none: only the extraction comparison)")
    parser.add_argument("--sample", type=int, default=500, help="abstracts for the bare nlp.pipe ratio and workers 1 vs 2 (0: skip)")
    parser.add_argument("--workers", type=int, default=2, help="workers of the full builds")
    parser.add_argument("--mixed", action="store_true", help="every fourth paper in Google's Chinese")
    parser.add_argument("--both", action="store_true", help="English abstracts and their Chinese translations as papers")
    parser.add_argument("--min-concept-papers", type=int, default=0,
                        help="as kg build's option (0: automatic, 2 from 5,000 papers on)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rebuild", choices=("every", "lean", "none"), default="every",
                        help="rebuilds after 100 new abstracts: with every export and with --formats none, "
                             "only the latter, or none")
    parser.add_argument("--keep", type=Path, help="keep inputs and workspaces here (default: a temporary folder)")
    add_splice_option(parser)
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"{args.data}: not found (the benchmark needs ../shared/data/arxiv-zh-en)", file=sys.stderr)
        return 1
    if args.splice and args.mixed:
        print("--splice splices English with English and Chinese with Chinese: not with --mixed", file=sys.stderr)
        return 1
    rows = load_records(args.data, max([*args.n, args.sample]) + 100, args.mixed, args.both, args.splice)
    kind = "English and Chinese twins" if args.both else "mixed en/zh" if args.mixed else "English"
    print(f"corpus: {args.data.name}, {len(rows):,} records loaded ({kind}); "
          f"{psutil.cpu_count()} cores, load average {psutil.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        if args.sample:
            sample = list(read_papers([write_jsonl(rows[:args.sample], root / "sample.jsonl")]))
            floor = extraction_floor(sample)
            print(f"\nextraction of {floor['sample']:.0f} English abstracts in this process:\n"
                  f"  bare nlp.pipe, full pipeline ({floor['pipeline']}): {floor['bare_s']:.1f} s\n"
                  f"  kg extraction ({floor['kg_pipeline']} + chunk cleaning, acronyms): {floor['kg_s']:.1f} s\n"
                  f"  ratio bare / kg = {floor['bare_s'] / floor['kg_s']:.2f}x (target >= 1.5x)\n"
                  f"  the same full pipeline with kg's BLAS (numpy, not blis): {floor['bare_numpy_s']:.1f} s, "
                  f"ratio {floor['bare_numpy_s'] / floor['kg_s']:.2f}x (what running only the needed parts gives)\n"
                  f"  kg --workers 1: {floor['workers1_s']:.1f} s, --workers 2: {floor['workers2_s']:.1f} s "
                  f"(speed-up {floor['workers1_s'] / floor['workers2_s']:.2f}x, model loads included)", flush=True)
        header = ("N", "total s", "extract s", "abstracts/s", "words/s", "link s", "graph s", "rank s",
                  "save s", "peak RSS MiB", "peak PSS MiB", "view MB", "concepts", "rare left out", "co-occ edges")
        print("\n| " + " | ".join(header) + " |\n|" + "---:|" * len(header), flush=True)
        rebuilds = []
        for n in args.n:
            if n > len(rows) - 100:
                print(f"| {n:,} | only {len(rows) - 100:,} records available |")
                continue
            data = write_jsonl(rows[:n], root / f"in{n}.jsonl")
            papers_words = words(list(read_papers([data], report=ReadReport())))  # real data has duplicates
            built = pipeline.BuildOptions(min_concept_papers=args.min_concept_papers)
            s = full_build([data], root / f"out{n}", args.workers, built)
            print(f"| {n:,} | {s['total']:.0f} | {s['extract']:.0f} | {n / s['extract']:.1f} | "
                  f"{papers_words / s['extract']:,.0f} | {s['link']:.1f} | {s['graph']:.1f} | {s['rank']:.1f} | "
                  f"{s['save']:.1f} | {s['peak_rss_mib']:,.0f} | {s['peak_pss_mib']:,.0f} | {s['largest_view_mb']:.2f} | {s['concepts']:,} | "
                  f"{s['rare']:,} | {s['cooccurrence_edges']:,} |", flush=True)
            print(f"  high-water mark of the extract-and-link process {s['link_hwm_mib']:,.0f} MiB; of the build "
                  "process after " + ", ".join(f"{stage} {s[stage + '_hwm_mib']:,.0f} MiB"
                                               for stage in ("graph", "rank", "save")), flush=True)
            extra = write_jsonl(rows[n:n + 100], root / f"new{n}.jsonl")
            times: list[float | None] = []
            for formats, wanted in ((pipeline.EXTRA_FORMATS, args.rebuild == "every"), ((), args.rebuild != "none")):
                if not wanted:
                    times.append(None)
                    continue
                options = dataclasses.replace(built, formats=formats)
                engine = EngineOptions(workers=args.workers, cache=root / f"out{n}" / STORE_FILE)
                start = time.perf_counter()
                corpus = extract_corpus_apart([data, extra], options, engine=engine, report=ReadReport())
                with kg_workspace.locked(root / f"out{n}"):
                    pipeline.save_corpus(corpus, root / f"out{n}", options)
                times.append(time.perf_counter() - start)
            rebuilds.append((n, *times))
        print(f"\nrebuild after adding 100 abstracts (extraction cache of the N in place, {args.workers} workers):\n\n"
              "| N | every export s | --formats none s |\n|---:|---:|---:|")
        for n, *times in rebuilds:
            print(f"| {n:,} | " + " | ".join("–" if t is None else f"{t:.1f}" for t in times) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
