#!/usr/bin/env python3
"""Samples the masters' ZooKeeper every INTERVAL seconds until SIGTERM, then writes a JSON summary.

For each sample, every master is asked at once (one thread each, TIMEOUT seconds): `ruok` (the server
answers: "imok"; a connection it accepted and closed unanswered, as a follower does for a moment while
it changes state in an election, is asked once more) and `srvr` (its mode: leader, follower, or not
serving during an election). The summary
counts samples where a majority answered and where a majority served, the slowest answer, and which
masters were silent in samples without a majority, so a test can require "a majority answers at every
sample".

Usage: zk_sampler.py OUT.json INTERVAL HOST[:PORT]...
"""
import json
import signal
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 1.0


def ask(host, port, word, timeout=TIMEOUT):
    """The answer to a four-letter word, or why there was none: refused, timeout, or an error."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            conn.sendall(word.encode())
            chunks = []
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                chunks.append(data)
                if sum(len(c) for c in chunks) > 65536:
                    break
            return b"".join(chunks).decode(errors="replace") or "(closed without an answer)"
    except ConnectionRefusedError:
        return "(refused)"
    except socket.timeout:
        return "(timeout)"
    except OSError as error:
        return f"({error.strerror or error})"


def main():
    out, interval, targets = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    masters = []
    for target in targets:
        host, _, port = target.partition(":")
        masters.append((host, int(port or 2181)))
    majority = len(masters) // 2 + 1
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    samples = answered_ok = served_ok = 0
    worst_answered = worst_served = len(masters)
    no_majority_answer = []
    no_majority_serving = 0
    slowest = 0.0
    started = time.time()

    def sample(master):
        host, port = master
        asked = time.time()
        reply = ask(host, port, "ruok")
        if reply == "(closed without an answer)":
            # The server is up (it accepted the connection) but dropped it while a follower changed state
            # (an election): a client reconnects, so does the sample, once.
            time.sleep(0.05)
            reply = ask(host, port, "ruok")
        answered = reply == "imok"
        latency = time.time() - asked
        mode = [line for line in ask(host, port, "srvr").splitlines() if line.startswith("Mode: ")]
        served = bool(mode) and mode[0][6:] in ("leader", "follower", "standalone")
        return f"{host}:{port}", answered, served, latency, reply[:80]

    with ThreadPoolExecutor(max_workers=len(masters)) as pool:
        while not stopping:
            tick = time.time()
            results = list(pool.map(sample, masters))
            answered = sum(1 for r in results if r[1])
            served = sum(1 for r in results if r[2])
            slowest = max([slowest] + [r[3] for r in results if r[1]])
            samples += 1
            worst_answered = min(worst_answered, answered)
            worst_served = min(worst_served, served)
            if answered >= majority:
                answered_ok += 1
            else:
                silent = [f"{r[0]} {r[4]} after {r[3]:.2f}s" for r in results if not r[1]]
                no_majority_answer.append({"at_s": round(tick - started, 1), "silent": silent})
            if served >= majority:
                served_ok += 1
            else:
                no_majority_serving += 1
            time.sleep(max(0.0, interval - (time.time() - tick)))
    summary = {
        "masters": [f"{h}:{p}" for h, p in masters],
        "interval_s": interval,
        "duration_s": round(time.time() - started, 1),
        "samples": samples,
        "majority_answered": answered_ok,
        "majority_serving": served_ok,
        "samples_without_answering_majority": no_majority_answer[:50],
        "slowest_answer_s": round(slowest, 3),
        "timeout_s": TIMEOUT,
        "samples_without_serving_majority": no_majority_serving,
        "fewest_answering": worst_answered,
        "fewest_serving": worst_served,
    }
    with open(out, "w") as handle:
        json.dump(summary, handle, indent=2, sort_keys=True)
        handle.write("\n")


if __name__ == "__main__":
    main()
