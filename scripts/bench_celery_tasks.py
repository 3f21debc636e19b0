"""The Celery side of the queue benchmark: one no-op task, late acknowledgement (at-least-once,
as the platform's queue), Redis broker, no result backend."""

import os

from celery import Celery

app = Celery("bench", broker=os.environ.get("BENCH_BROKER", "redis://127.0.0.1:56379/7"))
app.conf.task_acks_late = True
app.conf.task_ignore_result = True
app.conf.broker_connection_retry_on_startup = True


@app.task(name="noop")
def noop():
    return None
