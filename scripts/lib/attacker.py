"""Hostile clients against the bootstrap server, for scripts/attack-serve.

Runs until SIGTERM (or --seconds), then prints one JSON object with what each attack saw:
  idle       holds as many idle connections as it can (reopening closed ones)
  slowloris  sends a request head one byte every 2 s
  flood      requests with a 24 KiB header block, back to back
  traversal  paths that try to leave serve/ or reach the secrets without a token
Every response status is counted per attack; a 200 to a traversal or secrets request is a breach.
Each attack can come from its own source address (--sources), as separate attackers would: the server
caps connections per client address, so one attacker's idle connections do not refuse another's.
A refused connection (503) is retried after --retry seconds (5): holding connections is the attack,
not a connect flood, which on a two-core test machine measures the cores, not the server.
"""
import argparse
import asyncio
import collections
import json
import signal

TRAVERSAL = [
    "/../config.yaml", "/%2e%2e/config.yaml", "/%2E%2E/keys/node-token.key", "/bundles/../../config.yaml",
    "/bundles/%2e%2e/%2e%2e/keys/manifest-signing.key", "/..%2fconfig.yaml", "/%2e%2e%2fconfig.yaml",
    "//etc/passwd", "/secrets/../keys/node-token.key", "/secrets/%2e%2e/keys/node-token.key",
    "/packages/../../secrets", "/serve/../config.yaml", "/.\\./config.yaml", "/..\\config.yaml",
    "/%00/config.yaml", "/manifest.json%00.sig", "/keys/node-token.key", "/secrets",
    "/secrets/", "/state/", "/../genconf/keys/secrets-salt.key",
]


class Stats:
    def __init__(self):
        self.status = collections.defaultdict(collections.Counter)
        self.errors = collections.Counter()
        self.breaches = []
        self.peak_idle = 0


async def read_status(reader, timeout):
    line = await asyncio.wait_for(reader.readline(), timeout)
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


SOURCES = {}
RETRY = 5.0
PAUSE = 0.02


async def connect(host, port, attack):
    source = SOURCES.get(attack)
    return await asyncio.open_connection(host, port, local_addr=(source, 0) if source else None)


async def idle(host, port, count, stats, stop):
    held = set()

    async def one():
        try:
            reader, writer = await connect(host, port, "idle")
        except OSError as error:
            stats.errors["idle connect " + type(error).__name__] += 1
            await asyncio.sleep(0.5)
            return
        held.add(writer)
        stats.peak_idle = max(stats.peak_idle, len(held))
        try:
            data = await reader.read(4096)  # a 503 for connections over the cap, or the idle timeout's close
            if data.startswith(b"HTTP/1.1 "):
                stats.status["idle"][int(data.split()[1])] += 1
                await asyncio.sleep(RETRY)
            else:
                stats.status["idle"]["closed"] += 1
        except OSError:
            stats.status["idle"]["reset"] += 1
        finally:
            held.discard(writer)
            writer.close()

    async def keeper():
        while not stop.is_set():
            await one()

    tasks = [asyncio.create_task(keeper()) for _ in range(count)]
    await stop.wait()
    for task in tasks:
        task.cancel()
    for writer in list(held):
        writer.close()


async def slowloris(host, port, count, stats, stop):
    async def one():
        while not stop.is_set():
            try:
                reader, writer = await connect(host, port, "slowloris")
            except OSError:
                await asyncio.sleep(0.5)
                continue
            try:
                for byte in b"GET /dcos_install.sh HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000:
                    writer.write(bytes([byte]))
                    await writer.drain()
                    try:
                        data = await asyncio.wait_for(reader.read(4096), 2)
                    except asyncio.TimeoutError:
                        continue
                    status = int(data.split()[1]) if data.startswith(b"HTTP/1.1 ") else "closed"
                    stats.status["slowloris"][status] += 1
                    if status == 503:
                        await asyncio.sleep(RETRY)
                    break
            except OSError:
                stats.status["slowloris"]["reset"] += 1
            finally:
                writer.close()

    tasks = [asyncio.create_task(one()) for _ in range(count)]
    await stop.wait()
    for task in tasks:
        task.cancel()


async def request(host, port, target, headers=b"", attack=None):
    reader, writer = await connect(host, port, attack)
    try:
        writer.write(b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\n" + headers + b"Connection: close\r\n\r\n")
        await writer.drain()
        return await read_status(reader, 10)
    finally:
        writer.close()


async def flood(host, port, workers, stats, stop):
    headers = b"".join(b"X-Flood-%d: %s\r\n" % (i, b"f" * 100) for i in range(240))

    async def one():
        while not stop.is_set():
            try:
                stats.status["flood"][await request(host, port, "/dcos_install.sh", headers, "flood")] += 1
                await asyncio.sleep(PAUSE)
            except (OSError, asyncio.TimeoutError, IndexError, ValueError):
                stats.status["flood"]["error"] += 1
                await asyncio.sleep(0.05)

    tasks = [asyncio.create_task(one()) for _ in range(workers)]
    await stop.wait()
    for task in tasks:
        task.cancel()


async def traversal(host, port, secrets, stats, stop):
    targets = TRAVERSAL + ["/" + path for path in secrets]
    tokens = [None, "Bearer dcos1.master.0.guess", "Bearer dcos1.slave.99999999999.x", "Basic YWRtaW46YWRtaW4="]
    index = 0
    while not stop.is_set():
        target = targets[index % len(targets)]
        token = tokens[(index // len(targets)) % len(tokens)]
        index += 1
        try:
            header = b"Authorization: " + token.encode() + b"\r\n" if token else b""
            status = await request(host, port, target, header, "traversal")
        except (OSError, asyncio.TimeoutError, IndexError, ValueError):
            stats.status["traversal"]["error"] += 1
            await asyncio.sleep(0.05)
            continue
        stats.status["traversal"][status] += 1
        if status == 200:
            stats.breaches.append(target)
        await asyncio.sleep(PAUSE)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--slowloris", type=int, default=100)
    parser.add_argument("--flood", type=int, default=2)
    parser.add_argument("--retry", type=float, default=5.0, help="seconds before a refused connection is retried")
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between flood and traversal requests")
    parser.add_argument("--sources", default="", help="source addresses: idle,slowloris,flood,traversal")
    parser.add_argument("--secrets", nargs="*", default=[])
    parser.add_argument("--seconds", type=float, default=3600)
    args = parser.parse_args()
    global RETRY, PAUSE
    RETRY, PAUSE = args.retry, args.pause
    for attack, source in zip(["idle", "slowloris", "flood", "traversal"], args.sources.split(",")):
        if source:
            SOURCES[attack] = source
    stats = Stats()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.call_later(args.seconds, stop.set)
    await asyncio.gather(
        idle(args.host, args.port, args.idle, stats, stop),
        slowloris(args.host, args.port, args.slowloris, stats, stop),
        flood(args.host, args.port, args.flood, stats, stop),
        traversal(args.host, args.port, args.secrets, stats, stop),
    )
    print(json.dumps({
        "status": {attack: {str(k): v for k, v in sorted(c.items(), key=str)} for attack, c in stats.status.items()},
        "errors": dict(stats.errors), "peak_idle_connections": stats.peak_idle, "breaches": stats.breaches,
        "attacker_cpu_seconds": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
    }, sort_keys=True))


import resource

if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    asyncio.run(main())
