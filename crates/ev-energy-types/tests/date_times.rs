//! The generated types write date-times digit by digit (the generator's
//! `types/date_times.rs`); the bytes must be chrono's own, for every
//! date-time, or a client comparing strings would see a change.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ev_energy_types::{ChargingMode, ChargingSubSession};

/// A sub-session starting at `start` and ending at `end`.
fn sub_session(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> ChargingSubSession {
    ChargingSubSession {
        cost: None,
        currency: "GBP".parse().unwrap(),
        duration_minutes: 1,
        end,
        energy_delivered_watt_hours: 0.0,
        id: "csub01HSH04KDEWF6Z4DB2J77J74K5".parse().unwrap(),
        location: "home".into(),
        mode: ChargingMode::Smart,
        start,
        total_co2_grams: 0.0,
        url: "https://api.ev.energy/v2/charging_sub_sessions/csub01HSH04KDEWF6Z4DB2J77J74K5".into(),
    }
}

/// What chrono writes for `value`.
fn chrono_writes(value: &DateTime<Utc>) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

fn check(value: DateTime<Utc>) {
    let written = serde_json::to_value(sub_session(value, Some(value))).unwrap();
    assert_eq!(written["start"], chrono_writes(&value), "{value:?}");
    assert_eq!(written["end"], chrono_writes(&value), "{value:?}");
}

fn at(date: NaiveDate, seconds: u32, nanos: u32) -> DateTime<Utc> {
    let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(seconds, nanos).unwrap();
    NaiveDateTime::new(date, time).and_utc()
}

#[test]
fn date_times_are_written_as_chrono_writes_them() {
    // Every kind of fraction (none, 3, 6, 9 digits, and their edges), on
    // dates across the years the fast path writes and those it leaves to
    // chrono (before year 0, after 9999), a leap second, and the extremes.
    let fractions = [
        0,
        1,
        999_999_999,
        1_000,
        999_000,
        1_000_000,
        120_000_000,
        500_000_000,
        271_197_000,
        123_456_789,
        100,
        10_000_000,
    ];
    let years = [
        -262_143, -1, 0, 1, 9, 10, 99, 100, 999, 1000, 1970, 2024, 9999, 10_000, 262_142,
    ];
    for year in years {
        for (month, day) in [(1, 1), (2, 29), (12, 31), (7, 15)] {
            let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
                continue;
            };
            for seconds in [0, 1, 59, 3_599, 43_210, 86_399] {
                for nanos in fractions {
                    check(at(date, seconds, nanos));
                }
            }
        }
    }
    // A leap second (chrono writes :60).
    let date = NaiveDate::from_ymd_opt(2016, 12, 31).unwrap();
    for nanos in [1_000_000_000, 1_500_000_000, 1_999_999_999] {
        check(at(date, 86_399, nanos));
    }
    check(DateTime::<Utc>::MIN_UTC);
    check(DateTime::<Utc>::MAX_UTC);
    check(DateTime::<Utc>::UNIX_EPOCH);
    // A spread of ordinary instants, microsecond precision as the store keeps them.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let micros = (x % 4_102_444_800_000_000) as i64; // 1970..2100
        check(DateTime::from_timestamp_micros(micros).unwrap());
    }
}

#[test]
fn a_missing_end_is_still_null() {
    let value = at(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(), 0, 0);
    let written = serde_json::to_value(sub_session(value, None)).unwrap();
    assert_eq!(written["end"], serde_json::Value::Null);
}
