//! Realistic, deterministic demo data: the same `--seed` always gives the
//! same sub-sessions and logs.

use indicatif::{ProgressBar, ProgressStyle};

use crate::store::{LogRow, Store, StoreError, SubSessionRow};

/// The first seeded user, whom `token` and the demo act for by default.
pub const DEMO_USER: &str = "user01HN2P75GBNFRJPCZJXEFVXH5E";

/// The sub-session the document's examples use: the demo user's first,
/// so that the examples (and conformance tools that send them) find data.
pub const EXAMPLE_SUB_SESSION: &str = "csub01HSH04KDEWF6Z4DB2J77J74K5";

/// Logs written per transaction.
const BATCH_LOGS: usize = 20_000;

/// A small, stable pseudo-random generator (SplitMix64). Hand-written on
/// purpose: its output must never change with a dependency upgrade, or
/// the demo data would.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn ulid(&mut self, prefix: &str, at_ms: u64) -> String {
        let random =
            (u128::from(self.next_u64()) << 64 | u128::from(self.next_u64())) & ((1 << 80) - 1);
        format!("{prefix}{}", ulid::Ulid::from_parts(at_ms, random))
    }

    fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }
}

/// What to seed.
#[derive(Clone, Debug)]
pub struct SeedOptions {
    /// How many dispatcher logs in all.
    pub logs: u64,
    /// How many users own the sub-sessions (the first is [`DEMO_USER`]).
    pub users: u64,
    /// The generator's seed.
    pub seed: u64,
    /// The base of resource URLs (`https://api.ev.energy/v2`).
    pub public_base_url: String,
    /// Show a progress bar on stderr (when it is a terminal).
    pub progress: bool,
}

const MODES: &[&str] = &[
    "SMART",
    "SMART",
    "SMART",
    "BOOST",
    "UNMANAGED_HOME",
    "UNMANAGED_OTG",
    "MANAGED_OTG",
];
const REASONS: &[&str] = &[
    "Charger offline",
    "Vehicle not plugged in",
    "Command rejected by the vehicle",
    "Schedule superseded before dispatch",
    "Vehicle API rate limited",
];
const CURRENCIES: &[&str] = &["GBP", "GBP", "EUR", "USD"];
const MICROS_PER_SEC: i64 = 1_000_000;
const HALF_HOUR_US: i64 = 30 * 60 * MICROS_PER_SEC;

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The store already has data; seeding is deterministic, so it would clash.
    #[error("the store already holds {0} dispatcher logs; seed an empty store (delete the file or use another --database)")]
    NotEmpty(i64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Fills an empty `store` with `options.logs` logs; returns how many
/// sub-sessions it wrote.
pub async fn seed(store: &Store, options: &SeedOptions) -> Result<u64, SeedError> {
    let existing = store.count_logs().await?;
    if existing > 0 {
        return Err(SeedError::NotEmpty(existing));
    }
    let mut rng = SplitMix64::new(options.seed);
    let users = seed_users(&mut rng, options.users);
    let locations = seed_locations(&mut rng, &options.public_base_url, users.len());
    let bar = progress_bar(options);

    // 2024-04-01T00:00:00Z; sub-sessions follow each other, a few hours apart.
    let mut clock_us: i64 = 1_711_929_600 * MICROS_PER_SEC;
    let mut written = 0u64;
    let mut sub_sessions = 0u64;
    let (mut subs, mut logs) = (Vec::new(), Vec::with_capacity(BATCH_LOGS + 200));
    while written < options.logs {
        let count = (20 + rng.below(160)).min(options.logs - written);
        let user = sub_sessions as usize % users.len();
        let start_us = clock_us + rng.below(3600) as i64 * MICROS_PER_SEC;
        let generated = rng.ulid("csub", (start_us / 1000) as u64);
        let id = if sub_sessions == 0 {
            EXAMPLE_SUB_SESSION.to_string()
        } else {
            generated
        };
        let last_log_us = push_logs(&mut rng, &id, start_us, count, &mut logs);
        let (sub, end_us) = sub_session(
            &mut rng,
            id,
            (&users[user], &locations[user]),
            start_us,
            last_log_us,
            count,
        );
        subs.push(sub);
        written += count;
        sub_sessions += 1;
        clock_us = end_us + (1 + rng.below(6)) as i64 * 3600 * MICROS_PER_SEC;
        if logs.len() >= BATCH_LOGS || written == options.logs {
            store.insert(&subs, &logs).await?;
            bar.inc(logs.len() as u64);
            subs.clear();
            logs.clear();
        }
    }
    bar.finish_and_clear();
    Ok(sub_sessions)
}

/// The ids of `count` users (at least one), [`DEMO_USER`] first.
fn seed_users(rng: &mut SplitMix64, count: u64) -> Vec<String> {
    (0..count.max(1))
        .map(|i| {
            if i == 0 {
                DEMO_USER.to_string()
            } else {
                rng.ulid("user", 1_706_000_000_000 + i)
            }
        })
        .collect()
}

/// One location URL per user, under `public_base_url`.
fn seed_locations(rng: &mut SplitMix64, public_base_url: &str, users: usize) -> Vec<String> {
    (0..users)
        .map(|i| {
            format!(
                "{public_base_url}/locations/{}",
                rng.ulid("loca", 1_706_000_000_000 + i as u64)
            )
        })
        .collect()
}

/// A bar of `options.logs` logs, hidden unless `options.progress`.
fn progress_bar(options: &SeedOptions) -> ProgressBar {
    let bar = if options.progress {
        ProgressBar::new(options.logs)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} seeding [{bar:40}] {human_pos}/{human_len} logs ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

/// Pushes `count` logs of sub-session `id` to `logs`, two to six minutes
/// apart from `start_us`; returns when the last was logged.
fn push_logs(
    rng: &mut SplitMix64,
    id: &str,
    start_us: i64,
    count: u64,
    logs: &mut Vec<LogRow>,
) -> i64 {
    let mut at_us = start_us;
    for _ in 0..count {
        at_us += (120 + rng.below(240)) as i64 * MICROS_PER_SEC + rng.below(1_000_000) as i64;
        let period_start_us = at_us - at_us.rem_euclid(HALF_HOUR_US);
        logs.push(LogRow {
            charging_sub_session_id: id.to_string(),
            logged_at_us: at_us,
            schedule_valid_period_start_us: period_start_us,
            schedule_created_at_us: period_start_us
                - (30 + rng.below(870)) as i64 * MICROS_PER_SEC
                - rng.below(1_000_000) as i64,
            internal_command_id: rng.uuid(),
            device_type: if rng.chance(50) { "EVSE" } else { "VEHICLE" }.to_string(),
            reason_not_sent: rng
                .chance(15)
                .then(|| REASONS[rng.below(REASONS.len() as u64) as usize].to_string()),
        });
    }
    at_us
}

/// The sub-session `id` of `(user, location)` with `count` logs, the last
/// at `last_log_us`; and when it ended (if it is still ongoing, when it
/// would have).
fn sub_session(
    rng: &mut SplitMix64,
    id: String,
    (user, location): (&str, &str),
    start_us: i64,
    last_log_us: i64,
    count: u64,
) -> (SubSessionRow, i64) {
    let ongoing = rng.chance(5);
    let end_us = last_log_us + rng.below(600) as i64 * MICROS_PER_SEC;
    let energy = (count as f64 * (60.0 + rng.below(90) as f64)).round();
    let row = SubSessionRow {
        id,
        user_id: user.to_string(),
        start_us,
        end_us: (!ongoing).then_some(end_us),
        mode: MODES[rng.below(MODES.len() as u64) as usize].to_string(),
        energy_delivered_watt_hours: energy,
        location: location.to_string(),
        cost: rng
            .chance(80)
            .then(|| (energy * (0.07 + rng.below(25) as f64 / 100.0) / 10.0).round() as i64),
        currency: CURRENCIES[rng.below(CURRENCIES.len() as u64) as usize].to_string(),
        total_co2_grams: (energy * (0.05 + rng.below(20) as f64 / 100.0) * 10.0).round() / 10.0,
        duration_minutes: (end_us - start_us) / (60 * MICROS_PER_SEC),
    };
    (row, end_us)
}
