"""Load: N simulated workers each file a whole report through the fake Bot API against a real
`nearmiss run` process, and the same harness drives a bare aiogram echo bot for comparison.

Each worker is a private chat that joins with /start CODE and answers the 11 questions and the
summary (13 updates), tapping by callback data so wording changes do not matter. Latency is
from the update being queued in the fake to the bot's reply (the message, sent or edited, that
lets the worker go on) arriving at the fake. Saturation: workers answer as soon as the reply
arrives. Realistic: each waits 2 s between answers on average (each pause drawn from 1.5-2.5 s;
--steady-pause: exactly 2 s), starts spread over the first 2 s. CPU ms/upd is
the bot process's own CPU time over the timed run per update: steadier than throughput on a
shared machine. Lockstep (not a goal's run): every worker takes each step together, the
next when all have their reply, and the bot's CPU time is printed per step: where the cost of
an update lies, with little of saturation's contention in it. By webhook the fake delivers as
Telegram does: up to 40 requests at once on connections kept open, a chat's updates one at a
time.
Goals: saturated throughput >= 0.5x the echo bot's; p99 < 50 ms realistic on SQLite. With
--echo the echo bot runs each run ours does: its realistic p99 is what the harness and aiogram
cost with no bot behind them, the floor under ours.

On a shared machine one pair of runs says little (the same code's CPU time an update varies
widely from one run to the next): --repeat N makes N rounds, each ours then the echo bot's,
and judges the goals by the median of the rounds' ratios and p99s.

The workers and their script are in bench/load_workers.py; the table and the goals' verdict in
bench/load_report.py.

Run: .venv/bin/python -m bench.load [--workers 200] [--db sqlite|postgresql]
     [--mode polling|webhook] [--run saturation|realistic|both|lockstep] [--echo] [--repeat N]
     [--by-step] [--steady-pause] [--processes N --redis URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

from bench import harness
from bench.load_report import HEADER, row, steps, verdict_over
from bench.load_workers import PAUSE, PAUSE_SPREAD, SCRIPT, Config, Result, Worker
from tests.helpers.fake_telegram import Call, FakeTelegram

LOCKSTEP_SETTLE = 0.05  # after a lockstep step's last reply, for the bot's work that follows it


async def measure(config: Config) -> Result:
    """One configuration, on a fresh database and a freshly started bot process."""
    with tempfile.TemporaryDirectory(prefix="nearmiss-load-") as name:
        tmp = Path(name)
        fake = FakeTelegram()
        if config.mode == "webhook":
            fake.webhook.as_telegram()  # in parallel, on connections kept open
        async with harness.database(config.db, tmp) as url, fake:
            env = harness.env(BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
                              DATABASE_URL=url, DATA_DIR=str(tmp))
            if config.processes > 1:  # the workers share state and limits, and one secret
                assert config.redis_url is not None
                env |= {"REDIS_URL": config.redis_url, "REDIS_PREFIX": f"load-{tmp.name}",
                        "SECRET_KEY": secrets.token_urlsafe(48)}
            code = "ECHO" if config.bot == "echo" else await harness.prepare(env, tmp)
            async with harness.redis_keys(env.get("REDIS_URL"), env.get("REDIS_PREFIX", "")):
                process = await harness.launch(config.bot, config.mode, fake, env, tmp,
                                               processes=config.processes)
                try:
                    result = await _drive(config, fake, code, process.pid)
                finally:
                    await harness.stop(process)
            if result.failures:
                print((tmp / "bot.log").read_text()[-3000:], file=sys.stderr)
            if config.bot == "nearmiss":
                result.stored = await harness.count_reports(url) - 1  # less the warm-up's
            return result


async def _drive(config: Config, fake: FakeTelegram, code: str, pid: int) -> Result:
    workers = {user_id: Worker(fake.private_chat(user_id, f"Worker{user_id}"), config.bot, code)
               for user_id in range(100_001, 100_001 + config.workers)}

    def on_call(call: Call) -> None:
        if call.ok and call.method in harness.REPLIES:
            worker = workers.get(call.result["chat"]["id"])
            if worker is not None:
                worker.on_sent(call.result, time.perf_counter())

    fake.call_hooks.append(on_call)
    # One report first, untimed: the first update pays for lazy imports and cold caches.
    warm_up = Worker(fake.private_chat(100_000, "Warm-up"), config.bot, code)
    workers[100_000] = warm_up
    await warm_up.run(0.0, 0.0)
    del workers[100_000]
    realistic = config.run == "realistic"
    cpu_by_step: list[float] = []
    with harness.steady_collector():
        cpu_before = harness.cpu_seconds(pid)
        started = time.perf_counter()
        if config.run == "lockstep":
            outcomes = await _in_lockstep(list(workers.values()), pid, cpu_by_step)
        else:
            outcomes = await asyncio.gather(
                *(worker.run(PAUSE if realistic else 0.0,
                             random.uniform(0, PAUSE) if realistic else 0, config.spread)
                  for worker in workers.values()), return_exceptions=True)
    finished = max((w.last_reply_at for w in workers.values()), default=started)
    cpu = harness.cpu_seconds(pid) - cpu_before
    fake.call_hooks.remove(on_call)
    failures = [f"worker {user_id}: {outcome!r}" for user_id, outcome in zip(workers, outcomes,
                                                                             strict=True)
                if isinstance(outcome, BaseException)]
    latencies = [latency for worker in workers.values() for latency in worker.latencies]
    by_step = [[worker.latencies[step] for worker in workers.values()
                if len(worker.latencies) > step] for step in range(len(SCRIPT))]
    return Result(config, latencies, finished - started, harness.peak_rss_kb(pid), None,
                  failures, by_step, cpu, cpu_by_step)


async def _in_lockstep(workers: list[Worker], pid: int,
                       cpu_by_step: list[float]) -> list[BaseException | None]:
    """Every worker takes the script's step together, the next once all have their reply and
    the bot has finished what follows it (a tap's answer comes after its question): the bot's
    CPU time over each step, in `cpu_by_step`. A worker that fails takes no further step."""
    outcomes: list[BaseException | None] = [None] * len(workers)
    for index in range(len(SCRIPT)):
        before = harness.cpu_seconds(pid)
        going = [n for n, outcome in enumerate(outcomes) if outcome is None]
        results = await asyncio.gather(*(workers[n].step(index) for n in going),
                                       return_exceptions=True)
        await asyncio.sleep(LOCKSTEP_SETTLE)
        cpu_by_step.append(harness.cpu_seconds(pid) - before)
        for n, result in zip(going, results, strict=True):
            if isinstance(result, BaseException):
                outcomes[n] = result
    return outcomes


async def run(args: argparse.Namespace) -> bool:
    runs = ("saturation", "realistic") if args.run == "both" else (args.run,)
    spread = 0.0 if args.steady_pause else PAUSE_SPREAD
    if args.processes > 1 and (args.mode, args.db) != ("webhook", "postgresql"):
        raise SystemExit("--processes needs --mode webhook --db postgresql (and --redis)")
    if args.processes > 1 and not args.redis:
        raise SystemExit("--processes needs --redis URL: the workers share state there")
    configs = [Config("nearmiss", args.db, args.mode, r, args.workers, spread,
                      args.processes, args.redis) for r in runs]
    if args.echo:  # each run ours makes: its realistic run is the harness's own floor
        configs += [Config("echo", "-", args.mode, r, args.workers, spread) for r in runs]
    print(HEADER)
    rounds: list[list[Result]] = []
    for _ in range(args.repeat):
        rounds.append([])
        for config in configs:
            rounds[-1].append(await measure(config))
            print(row(rounds[-1][-1]), flush=True)
            if (args.by_step and config.bot == "nearmiss") or config.run == "lockstep":
                print(steps(rounds[-1][-1]), flush=True)
    return verdict_over(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--run", choices=("saturation", "realistic", "both", "lockstep"),
                        default="both",
                        help="lockstep: every worker takes each step together, and the bot's "
                             "CPU time is printed step by step (where an update's cost is)")
    parser.add_argument("--by-step", action="store_true",
                        help="also print each step's p50 and p99 (step 0 is /start CODE)")
    parser.add_argument("--steady-pause", action="store_true",
                        help="realistic run: every pause exactly 2 s, not 1.5-2.5 s")
    parser.add_argument("--processes", type=int, default=1,
                        help="webhook on PostgreSQL: run `nearmiss run --webhook --workers N`")
    parser.add_argument("--redis", default=None, help="Redis URL for --processes > 1")
    parser.add_argument("--echo", action="store_true",
                        help="also drive a bare aiogram echo bot through the same runs; "
                             "print our ratio to it, and its realistic p99 beside ours")
    parser.add_argument("--repeat", type=int, default=1,
                        help="this many rounds, each ours then (with --echo) the echo bot's; "
                             "goals judged by the median round")
    raise SystemExit(0 if asyncio.run(run(parser.parse_args())) else 1)


if __name__ == "__main__":
    main()
