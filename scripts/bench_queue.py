"""Queue throughput: no-op jobs drained by one consumer process, ours and Celery's.

For each system the queue is filled first, the worker is started, and the clock runs from the
first job taken to the last one acknowledged (so neither process's start-up is counted).
Usage: bench_queue.py {governance|celery} --jobs N --redis-port P [--worker-bin PATH] [--idle-queues NAMES] [--processes N]
                      [--tracked --bench-bin PATH] [--celery-pool prefork|threads --celery-concurrency N]

With --tracked (the path production takes), the jobs are recorded in the outbox by
`governance-bench queue-fill` (transactions of 100, pushed after each commit; DATABASE_URL from
the environment), timed apart, and the consumer begins and completes each one in PostgreSQL
before acknowledging it; the run fails unless every outbox row ends completed. Without it, bare
envelopes are pushed to Redis and the consumer touches no database. With --idle-queues, the
consumer also serves those (empty) queues, listed before the one that holds the jobs: taking
jobs must not wait on the empty ones. With --processes, that many consumer processes (each of
--concurrency slots) drain the same queue.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid

import redis


def drain(r, pending, start_worker, stop_worker, total):
    worker = start_worker()
    try:
        deadline = time.time() + 300
        while pending() >= total:
            if time.time() > deadline:
                raise SystemExit("worker took no job")
            time.sleep(0.001)
        started = time.perf_counter()
        while pending() > 0:
            if time.time() > deadline:
                raise SystemExit("worker did not finish")
            time.sleep(0.005)
        return time.perf_counter() - started
    finally:
        stop_worker(worker)


def psql(sql):
    return subprocess.run(["psql", os.environ["DATABASE_URL"], "-tAc", sql], check=True, capture_output=True, text=True).stdout.strip()


def governance(args):
    r = redis.Redis(port=args.redis_port, db=args.redis_db)
    prefix = f"bench:{uuid.uuid4().hex[:8]}"
    queue = f"{prefix}:queue:bench"
    result = {}
    env = dict(os.environ, QUEUE_PREFIX=prefix, LOG_LEVEL="warning", REDIS_URL=f"redis://127.0.0.1:{args.redis_port}/{args.redis_db}")
    if args.tracked:
        psql("DELETE FROM outbox WHERE queue = 'bench'")
        filled = subprocess.run([args.bench_bin, "queue-fill", "--jobs", str(args.jobs), "--queue", "bench"], env=env, check=True,
                                capture_output=True, text=True)
        result.update(json.loads(filled.stdout.strip().splitlines()[-1]))
    else:
        pipe = r.pipeline(transaction=False)
        now = int(time.time() * 1000)
        for i in range(args.jobs):
            envelope = {"id": f"b{i}", "kind": "noop", "queue": "bench", "payload": "{}", "attempt": 1, "enqueued_at": now, "tracked": False}
            pipe.lpush(queue, json.dumps(envelope, separators=(",", ":")))
            if i % 1000 == 999:
                pipe.execute()
        pipe.execute()
    consumers = [f"bench-{uuid.uuid4().hex[:6]}" for _ in range(args.processes)]
    processing = [f"{prefix}:processing:bench:{consumer}" for consumer in consumers]

    def pending():
        pipe = r.pipeline(transaction=False)
        for key in [queue] + processing:
            pipe.llen(key)
        return sum(pipe.execute())

    def start():
        queues = ",".join([q for q in args.idle_queues.split(",") if q] + ["bench"])
        return [subprocess.Popen([args.worker_bin, "consume", "--id", consumer, "--queues", queues, "--concurrency", str(args.concurrency)],
                                 env=env, stdout=subprocess.DEVNULL, stderr=sys.stderr) for consumer in consumers]

    def stop(processes):
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(30)

    elapsed = drain(r, pending, start, stop, args.jobs)
    r.delete(queue, *processing)
    if args.tracked:
        unfinished = int(psql("SELECT count(*) FROM outbox WHERE queue = 'bench' AND completed_at IS NULL"))
        psql("DELETE FROM outbox WHERE queue = 'bench'")
        if unfinished:
            raise SystemExit(f"{unfinished} tracked jobs were acknowledged without being completed in PostgreSQL")
    result["seconds"] = elapsed
    return result


def celery(args):
    sys.path.insert(0, os.path.dirname(__file__))
    os.environ["BENCH_BROKER"] = f"redis://127.0.0.1:{args.redis_port}/{args.redis_db}"
    import bench_celery_tasks as tasks

    r = redis.Redis(port=args.redis_port, db=args.redis_db)
    r.delete("celery", "unacked", "unacked_index")
    for _ in range(args.jobs):
        tasks.noop.apply_async()

    def pending():
        return r.llen("celery") + r.hlen("unacked")

    def start():
        return subprocess.Popen([sys.executable, "-m", "celery", "-A", "bench_celery_tasks", "worker", "--loglevel", "WARNING",
                                 "--concurrency", str(args.celery_concurrency), "--pool", args.celery_pool, "--without-gossip",
                                 "--without-mingle", "--without-heartbeat"],
                                cwd=os.path.dirname(os.path.abspath(__file__)), env=dict(os.environ), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def stop(p):
        p.terminate()
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()

    return {"seconds": drain(r, pending, start, stop, args.jobs)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=["governance", "celery"])
    parser.add_argument("--jobs", type=int, default=50000)
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("--redis-db", type=int, default=7)
    parser.add_argument("--worker-bin")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--processes", type=int, default=1, help="consumer processes (governance only)")
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--celery-pool", default="prefork")
    parser.add_argument("--idle-queues", default="", help="comma-separated empty queues the consumer serves too, before the busy one")
    parser.add_argument("--tracked", action="store_true", help="jobs recorded in the outbox and completed in PostgreSQL (governance only)")
    parser.add_argument("--bench-bin", help="the governance-bench executable (with --tracked)")
    args = parser.parse_args()
    result = (governance if args.system == "governance" else celery)(args)
    elapsed = result.pop("seconds")
    print(json.dumps({"system": args.system, "jobs": args.jobs, "seconds": round(elapsed, 3), "jobs_per_second": round(args.jobs / elapsed),
                      **{k: (round(v) if k.endswith("per_second") else round(v, 3)) if isinstance(v, float) else v
                         for k, v in result.items() if k != "jobs"}}))


if __name__ == "__main__":
    main()
