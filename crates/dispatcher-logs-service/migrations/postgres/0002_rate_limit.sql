-- Requests counted against each (OAuth client, user) budget, so that several
-- stateless service instances share one rolling window.
CREATE TABLE rate_limit_events (
    id BIGSERIAL PRIMARY KEY,
    caller TEXT NOT NULL,
    at_us BIGINT NOT NULL
);

CREATE INDEX rate_limit_events_by_caller_time ON rate_limit_events (caller, at_us);
