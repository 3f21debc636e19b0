"""A login storm: N clients send wrong-password logins in a loop until stopped (SIGTERM or
SIGINT), then print what they got as JSON. scripts/bench runs it next to wrk, to measure how
other requests fare while every login costs a full password hash.

Usage: bench_login_storm.py URL EMAIL [--clients 16]
"""

import argparse
import collections
import http.client
import json
import signal
import threading
import time
import urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("email")
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    target = urllib.parse.urlsplit(args.url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    statuses = collections.Counter()
    lock = threading.Lock()
    body = json.dumps({"email": args.email, "password": "Wrong-Password-For-The-Storm"})

    def client():
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        while not stop.is_set():
            try:
                connection.request("POST", "/api/v1/auth/login", body=body, headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                with lock:
                    statuses[response.status] += 1
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                with lock:
                    statuses["error"] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    while not stop.is_set():
        stop.wait(0.2)
    for thread in threads:
        thread.join(65)
    elapsed = time.monotonic() - started
    logins = sum(count for status, count in statuses.items() if status != "error")
    print(json.dumps({"clients": args.clients, "seconds": round(elapsed, 1), "logins": logins,
                      "logins_per_second": round(logins / elapsed, 1), "statuses": {str(k): v for k, v in statuses.items()}}))


if __name__ == "__main__":
    main()
