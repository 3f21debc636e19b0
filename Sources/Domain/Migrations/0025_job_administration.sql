-- Job administration: who ran a job, when its retry is due, how it failed for good, and what
-- an operator did about it; plus the indexes of the operations views and the job retention.

ALTER TABLE outbox
    -- The consumer running (or that last ran) the job.
    ADD COLUMN started_by text,
    -- Set while a failed attempt waits for its retry; cleared when the next attempt begins.
    ADD COLUMN retry_at timestamptz,
    -- How a job failed for good: a permanent error at once, or every attempt used.
    ADD COLUMN failure text CHECK (failure IN ('permanent', 'exhausted')),
    -- When an operator last sent a failed job back to its queue, or discarded it.
    ADD COLUMN retried_at timestamptz,
    ADD COLUMN discarded_at timestamptz;

-- The operations list, newest first, and the retention of finished jobs.
CREATE INDEX outbox_created ON outbox (created_at DESC, id DESC);

-- Jobs waiting for an operator: failed for good and not discarded.
CREATE INDEX outbox_failed ON outbox (queue, failed_at DESC) WHERE failed_at IS NOT NULL AND discarded_at IS NULL;
