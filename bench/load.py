"""Load benchmark: WeChat messages/s through the real server, and concurrent SQLite writers.

1. Rates: the real corpus is ingested once into a cached data directory (copied afresh for
   every run), ``envbot serve`` is started as a subprocess on loopback (Official Account in
   plaintext mode, no AppSecret and the API base pointed at a closed loopback port, so no
   outside call can be made), and text questions from ``../shared/eval/qa-public.jsonl``
   (cycled; a fresh MsgId each, FromUserName from a pool sized so no user hits the
   per-minute limit) are posted to ``POST /wechat`` open-loop: each send is scheduled at
   ``start + i / rate`` whatever the replies, and latency counts from the scheduled time,
   so a slow server cannot slow the generator down (no coordinated omission). Each rate runs
   ``--seconds``; the run stops at the first rate with an error (non-200, no text in the
   reply, ``success`` instead of a passive reply, the error funnel's reply, the per-user
   limit) or with p99 >= 1 s. Prints per rate: sent, errors, p50/p99, achieved rate, the CPU
   (in cores) of the server, of the generator and of the machine's other processes, and the
   server's CPU per message; then the best rate and the server's peak RSS (sum over its
   processes, sampled from /proc). ``--distinct`` makes every question text new (the
   answer cache never hits: the figure for questions nobody asked before).

   Layout: one worker (``envbot serve``) on 2 cores. Answers from the cache cost ~4.5 ms of
   server CPU and one process serves ~150-200 messages/s; a cache miss costs ~33 ms, most
   of it the query embedding, which already runs on both cores in one process. A second
   worker (``--workers 2``: uvicorn's process manager over ``bot.app:create_app``) adds
   throughput only on cache hits, doubles the memory (two models, indexes and caches,
   ~840 MiB against the 1 GB budget) and each worker warms its own cache.
2. Writers: ``--writers`` threads (default 50), each with its own engine from the product's
   ``make_engine`` (WAL, busy timeout, as the server's), write for ``--writer-seconds``
   through the repositories as the callback path does: claim an inbound message, finish it,
   and every fifth turn file a complaint ticket (``handlers.complaints.service.file_ticket``: the ticket,
   its first history entry and its acceptance reminder). Prints writes/s and the errors by
   kind, "database is locked" first (target 0).

The generator is plain asyncio with a minimal HTTP/1.1 keep-alive client (httpx cost ~2.6 ms of
CPU per request); its CPU time is measured and printed, with the CPU the machine's other
processes used meanwhile, so it can be checked that nothing starved the server.

Run: ``python bench/load.py [--seconds 60] [--rates 25,50,...] [--distinct] [--workers 1] [--writers 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "qa-public.jsonl"
TOKEN = "benchtoken"
CLK_TCK = os.sysconf("SC_CLK_TCK")
CONTENT_RE = re.compile(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", re.S)
FUNNEL = "抱歉，系统出了点问题"  # bot.dialogue's error funnel
TOO_FAST = "您发送得太快了"  # bot.gateway's per-user limit


# --------------------------------------------------------------------------- data directory


def corpus_key(corpus: Path) -> str:
    """A hash of the corpus files' names, sizes and mtimes (the cache key)."""
    h = hashlib.sha256()
    for p in sorted(corpus.rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.relative_to(corpus)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def envbot_env(data: Path, **extra: str) -> dict[str, str]:
    """The server's environment: only our ENVBOT_ variables, plaintext Official Account, no outside calls."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVBOT_")}
    env.update(
        ENVBOT_DATA_DIR=str(data),
        ENVBOT_WECHAT_TOKEN=TOKEN,
        ENVBOT_WECHAT_API_BASE="http://127.0.0.1:9",  # discard port: nothing listens, nothing leaves the machine
        ENVBOT_WECOM_API_BASE="http://127.0.0.1:9",
        **extra,
    )
    return env


def prepared_data_dir(corpus: Path) -> Path:
    """A fresh data directory holding the ingested corpus (the ingest is cached in the temp dir)."""
    cache = Path(tempfile.gettempdir()) / f"envbot-bench-load-{corpus_key(corpus)}"
    if not (cache / "READY").exists():
        shutil.rmtree(cache, ignore_errors=True)
        print(f"ingesting {corpus} into {cache} (once; about a minute) ...", flush=True)
        env = envbot_env(cache, ENVBOT_CORPUS_DIR=str(corpus))
        subprocess.run([str(BIN / "envbot"), "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([str(BIN / "envbot"), "ingest"], env=env, check=True, capture_output=True)
        (cache / "READY").write_text("ok")
    run = Path(tempfile.mkdtemp(prefix="envbot-bench-load-run-"))
    shutil.copytree(cache, run / "data")
    return run / "data"


# --------------------------------------------------------------------------- server processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (uvicorn's workers and multiprocessing helpers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` (from /proc/PID/stat)."""
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores; /proc/stat, idle and iowait excluded)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK


def rss_bytes(pids: list[int]) -> int:
    """Sum of VmRSS of ``pids``."""
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class Server:
    """``envbot serve`` (1 worker) or uvicorn's ``--workers N`` on the app factory, as a subprocess."""

    def __init__(self, data: Path, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (data.parent / "server.log").open("wb")
        env = envbot_env(data)
        if workers == 1:
            cmd = [str(BIN / "envbot"), "serve", "--port", str(self.port)]
        else:  # uvicorn's process manager over the same app factory ``envbot serve`` uses
            cmd = [str(BIN / "uvicorn"), "--factory", "bot.app:create_app", "--port", str(self.port)]
            cmd += ["--workers", str(workers)]
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=data.parent)
        self.peak_rss = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urlopen(f"{self.url}/readyz", timeout=2) as r:
                    if r.status == 200:
                        self._sampler.start()
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"server not ready after {timeout:.0f} s; see {self.log.name}")

    def pids(self) -> list[int]:
        return descendants(self.proc.pid)

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            self.peak_rss = max(self.peak_rss, rss_bytes(self.pids()))

    def stop(self) -> None:
        self._stop.set()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# --------------------------------------------------------------------------- load generator


def signed_params(now: int, nonce: str) -> dict[str, str]:
    ts = str(now)
    sig = hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest()
    return {"signature": sig, "timestamp": ts, "nonce": nonce}


def text_message(user: str, question: str, msg_id: int, now: int) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_envbot_bench]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{question}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


@dataclass
class StepResult:
    rate: float
    seconds: float
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    achieved: float = 0.0
    server_cpu: float = 0.0  # cores
    generator_cpu: float = 0.0  # cores
    other_cpu: float = 0.0  # cores used by other processes of the machine meanwhile

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def pct(self, q: float) -> float:
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("inf")

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.pct(0.99) < 1.0


class Connections:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    httpx cost the generator about 2.6 ms of CPU per request (0.55 cores at 100 requests/s),
    enough to starve a 2-core server; this costs a fraction of that. Open-loop: a request
    never waits for a busy connection, it opens another one. Idle connections are dropped
    after 3 s, before uvicorn's 5 s keep-alive timeout can close one under a request.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.opened = 0

    async def post(self, target: str, body: bytes) -> tuple[int, bytes]:
        now = time.monotonic()
        while self.idle and now - self.idle[-1][2] > 3.0:
            self.idle.pop()[1].close()
        if self.idle:
            reader, writer, _ = self.idle.pop()
        else:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.opened += 1
        head = f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
        writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        try:
            header = await reader.readuntil(b"\r\n\r\n")
            lines = header.decode("latin-1").split("\r\n")
            fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
            data = await reader.readexactly(int(fields["content-length"]))
        except BaseException:
            writer.close()
            raise
        if fields.get("connection", "").lower() == "close":
            writer.close()
        else:
            self.idle.append((reader, writer, time.monotonic()))
        return int(lines[0].split()[1]), data

    def close(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()


async def send_one(conns: Connections, due: float, user: str, question: str, msg_id: int, res: StepResult) -> None:
    now = int(time.time())
    target = "/wechat?" + urlencode(signed_params(now, str(msg_id % 1_000_000)))
    try:
        status, raw = await conns.post(target, text_message(user, question, msg_id, now))
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, KeyError, ValueError) as exc:
        res.errors[type(exc).__name__] += 1
        return
    latency = time.perf_counter() - due
    if status != 200:
        res.errors[f"HTTP {status}"] += 1
        return
    body = raw.decode("utf-8", "replace")
    m = CONTENT_RE.search(body)
    text = m.group(1) if m else ""
    if body == "success":
        res.errors["success (reply budget missed)"] += 1
    elif not text.strip():
        res.errors["empty reply"] += 1
    elif text.startswith(FUNNEL):
        res.errors["error-funnel reply"] += 1
    elif text.startswith(TOO_FAST):
        res.errors["per-user limit"] += 1
    else:
        res.latencies.append(latency)


async def run_step(
    server: Server,
    rate: float,
    seconds: float,
    questions: list[str],
    step: int,
    first_id: int,
    distinct: bool = False,
) -> StepResult:
    """Send ``rate`` messages/s for ``seconds``, open-loop, then wait (bounded) for the replies."""
    res = StepResult(rate, seconds)
    n = int(rate * seconds)
    users = [f"oBench{step:02d}{i:020d}"[:28] for i in range(max(200, int(rate * 60 / 10)))]  # <= 10 msgs/min each
    conns = Connections(server.port)
    pids = server.pids()
    cpu0, gen0, all0, wall0 = cpu_seconds(pids), time.process_time(), machine_busy_seconds(), time.perf_counter()
    start = wall0 + 0.05
    tasks = []
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        q = questions[(first_id + i) % len(questions)]
        if distinct:
            q = f"{q} {first_id + i}"  # a new question text each time: no answer cache hit
        tasks.append(asyncio.create_task(send_one(conns, due, users[i % len(users)], q, first_id + i, res)))
    send_end = time.perf_counter()
    done, pending = await asyncio.wait(tasks, timeout=20) if tasks else (set(), set())
    for t in pending:
        t.cancel()
    if pending:
        res.errors["no reply within 20 s after the step"] += len(pending)
    wall = time.perf_counter() - wall0
    res.server_cpu = (cpu_seconds(pids) - cpu0) / wall
    res.generator_cpu = (time.process_time() - gen0) / wall
    res.other_cpu = max(0.0, (machine_busy_seconds() - all0) / wall - res.server_cpu - res.generator_cpu)

    conns.close()
    res.sent = n
    res.achieved = n / max(send_end - start, 1e-9)
    return res


def load_questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text("utf-8").splitlines() if line.strip()]


def rates_run(args: argparse.Namespace) -> None:
    questions = load_questions(args.file)
    data = prepared_data_dir(args.corpus)
    server = Server(data, args.workers)
    how = "envbot serve" if args.workers == 1 else f"uvicorn --factory bot.app:create_app --workers {args.workers}"
    print(f"server: {how}, data {data}", flush=True)
    try:
        server.wait_ready()
        asyncio.run(run_step(server, 10, 2, questions, 0, 10**9))  # warm-up, not reported
        results: list[StepResult] = []
        msg_id = 10**12
        head = f"{'rate':>6} {'sent':>6} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'achieved':>9}"
        print(f"{head} {'server':>7} {'gen':>6} {'other':>6} {'ms/msg':>6}")
        for step, rate in enumerate(args.rates, start=1):
            res = asyncio.run(run_step(server, rate, args.seconds, questions, step, msg_id, args.distinct))
            msg_id += res.sent
            results.append(res)
            print(
                f"{rate:6g} {res.sent:6d} {res.error_count:6d} {res.pct(0.5) * 1000:8.1f} {res.pct(0.99) * 1000:8.1f}"
                f" {res.achieved:8.1f}/s {res.server_cpu:6.2f}c {res.generator_cpu:5.2f}c {res.other_cpu:5.2f}c"
                + f" {res.server_cpu / max(res.achieved, 1e-9) * 1000:5.1f}"
                + (f"  {dict(res.errors)}" if res.errors else ""),
                flush=True,
            )
            if not res.ok:
                break
            time.sleep(2)  # let the dispatcher and the WAL checkpoint settle between steps
    finally:
        server.stop()
    shutil.rmtree(data.parent, ignore_errors=True)
    good = [r for r in results if r.ok]
    print(
        f"steps of {args.seconds:g} s; CPU in cores of the server, the generator and the machine's other processes"
        f" (the machine has {os.cpu_count()}; 'other' above ~0.2 means the figures are disturbed)"
    )
    if good:
        best = good[-1]
        print(
            f"best: {best.rate:g} messages/s with 0 errors and p99 < 1 s "
            f"(p50 {best.pct(0.5) * 1000:.0f} ms, p99 {best.pct(0.99) * 1000:.0f} ms;"
            f" generator {best.generator_cpu:.2f} cores, others {best.other_cpu:.2f} cores)"
        )
    else:
        print("best: none of the rates passed (errors or p99 >= 1 s)")
    print(f"server peak RSS: {server.peak_rss / 2**20:.0f} MiB (sum over its {args.workers} worker(s) and helpers)")
    print("targets: >= 150 messages/s, 0 errors, p99 < 1 s on 2 cores; RSS <= 1 GB")


# --------------------------------------------------------------------------- concurrent writers


def writers_run(args: argparse.Namespace) -> None:
    """``--writers`` threads, each with its own engine, writing through the repositories."""
    from sqlalchemy.exc import OperationalError

    from bot.settings import Settings
    from core.clock import SystemClock
    from handlers.base import Channel, HandlerContext, Inbound, Kind, Role
    from handlers.complaints import file_ticket
    from handlers.rulebook import Rules
    from store import InboundRepo, make_engine, make_session_factory, upgrade

    tmp = Path(tempfile.mkdtemp(prefix="envbot-bench-writers-"))
    settings = Settings(data_dir=tmp)  # type: ignore[call-arg]
    upgrade(settings.sqlalchemy_url)
    clock = SystemClock()
    errors: Counter[str] = Counter()
    writes = Counter[int]()
    lock = threading.Lock()
    stop = threading.Event()
    barrier = threading.Barrier(args.writers + 1)
    rules = Rules.bundled()

    def writer(w: int) -> None:
        engine = make_engine(settings.sqlalchemy_url)
        factory = make_session_factory(engine)
        ctx = HandlerContext(
            clock=clock,
            knowledge=None,  # type: ignore[arg-type]  # file_ticket never asks the knowledge base
            session_factory=factory,
            rules=rules,
            notifier=None,
            max_question_chars=500,
            duty_phone="x",
        )
        barrier.wait()
        i = 0
        while not stop.is_set():
            i += 1
            key = f"w{w}-{i}"
            try:
                with factory.begin() as s:
                    claim = InboundRepo(s).claim(
                        channel="wechat", msg_key=key, user_id=f"u{w}", now=clock.now(), lease=timedelta(seconds=6)
                    )
                with factory.begin() as s:
                    InboundRepo(s).settle(claim, status="replied", texts=["ok"], now=clock.now())
                n = 2
                if i % 5 == 0:
                    inbound = Inbound(
                        channel=Channel.WECHAT,
                        user_id=f"u{w}",
                        role=Role.CITIZEN,
                        kind=Kind.TEXT,
                        text="",
                        msg_id=key,
                        received_at=clock.now(),
                    )
                    file_ticket(ctx, inbound, pollution_type="water", location="江口镇", description="排污")
                    n += 1
                with lock:
                    writes[w] += n
            except OperationalError as exc:
                kind = "database is locked" if "database is locked" in str(exc) else f"OperationalError: {exc.orig}"
                with lock:
                    errors[kind] += 1
            except Exception as exc:  # counted and shown; the bench goes on
                with lock:
                    errors[f"{type(exc).__name__}: {str(exc).splitlines()[0][:100]}"] += 1
        engine.dispose()

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(args.writers)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    time.sleep(args.writer_seconds)
    stop.set()
    for t in threads:
        t.join(60)
    took = time.perf_counter() - t0
    total = sum(writes.values())
    print(
        f"writers: {args.writers} threads x own engine (WAL, busy timeout) for {took:.0f} s: "
        f"{total} write transactions, {total / took:.0f} writes/s"
    )
    print(f"writers: 'database is locked' errors: {errors.pop('database is locked', 0)} (target 0)")
    for kind, count in errors.most_common():
        print(f"writers: other error x{count}: {kind}")
    shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="seconds per rate")
    parser.add_argument(
        "--rates",
        type=lambda s: [float(x) for x in s.split(",")],
        default=[25, 50, 100, 150, 200, 250, 300, 400],
        help="messages/s, comma separated, increasing",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--writers", type=int, default=50, help="concurrent SQLite writers (0: skip)")
    parser.add_argument("--writer-seconds", type=float, default=20, help="seconds of the writers test")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--file", type=Path, default=DEFAULT_QUESTIONS, help="questions (qa-public.jsonl format)")
    parser.add_argument(
        "--distinct", action="store_true", help="append the message number to each question (no answer cache hits)"
    )
    parser.add_argument("--skip-rates", action="store_true", help="only the writers test")
    args = parser.parse_args()
    print(f"load bench at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores", flush=True)
    if not args.skip_rates:
        rates_run(args)
    if args.writers:
        writers_run(args)


if __name__ == "__main__":
    main()
