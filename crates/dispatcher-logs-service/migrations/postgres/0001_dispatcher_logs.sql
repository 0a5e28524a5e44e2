-- Charging sub-sessions (the subset the API embeds) and their dispatcher logs.
-- Times are microseconds since the Unix epoch, UTC.
CREATE TABLE charging_sub_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    start_us BIGINT NOT NULL,
    end_us BIGINT,
    mode TEXT NOT NULL,
    energy_delivered_watt_hours DOUBLE PRECISION NOT NULL,
    location TEXT NOT NULL,
    cost BIGINT,
    currency TEXT NOT NULL,
    total_co2_grams DOUBLE PRECISION NOT NULL,
    duration_minutes BIGINT NOT NULL
);

CREATE INDEX charging_sub_sessions_by_user ON charging_sub_sessions (user_id);

CREATE TABLE dispatcher_logs (
    id BIGSERIAL PRIMARY KEY,
    charging_sub_session_id TEXT NOT NULL REFERENCES charging_sub_sessions (id),
    logged_at_us BIGINT NOT NULL,
    schedule_valid_period_start_us BIGINT NOT NULL,
    schedule_created_at_us BIGINT NOT NULL,
    internal_command_id TEXT NOT NULL,
    device_type TEXT NOT NULL CHECK (device_type IN ('EVSE', 'VEHICLE')),
    reason_not_sent TEXT
);

-- The one query: one sub-session, a time window, newest first.
CREATE INDEX dispatcher_logs_by_sub_session_time
    ON dispatcher_logs (charging_sub_session_id, logged_at_us DESC);
