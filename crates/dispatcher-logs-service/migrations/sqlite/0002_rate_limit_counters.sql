-- The in-memory rate limit's counters, saved every few seconds and at
-- shutdown, so a restart keeps every (OAuth client, user) budget.
CREATE TABLE rate_limit_counters (
    caller TEXT PRIMARY KEY NOT NULL,
    head BIGINT NOT NULL,
    counts TEXT NOT NULL
);
