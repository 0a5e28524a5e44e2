//! Where the service reads listings from ([`Listings`]): the store itself
//! in production, or [`FaultyStore`], a decorator around it whose next
//! listings fail as if the database were down (`serve --fail-store-reads
//! N`, and tests of clients). The production path has no fault counter.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use super::{LogRow, Store, StoreError, SubSessionRow};

/// What the service reads: one listing per request, and the store under
/// it for everything else (rate-limit counts, seeding, closing).
pub trait Listings: Send + Sync + 'static {
    /// The store under this source.
    fn store(&self) -> &Store;

    /// As [`Store::listing`]: the sub-session `id` if `user_id` owns it,
    /// with its logs newest first within inclusive bounds.
    fn listing(
        &self,
        user_id: &str,
        id: &str,
        logged_at_gte_us: Option<i64>,
        logged_at_lte_us: Option<i64>,
    ) -> impl Future<Output = Result<Option<(SubSessionRow, Vec<LogRow>)>, StoreError>> + Send;
}

impl Listings for Store {
    fn store(&self) -> &Store {
        self
    }

    fn listing(
        &self,
        user_id: &str,
        id: &str,
        logged_at_gte_us: Option<i64>,
        logged_at_lte_us: Option<i64>,
    ) -> impl Future<Output = Result<Option<(SubSessionRow, Vec<LogRow>)>, StoreError>> + Send {
        Store::listing(self, user_id, id, logged_at_gte_us, logged_at_lte_us)
    }
}

/// A store whose next listings fail on purpose with
/// [`StoreError::Injected`], which the service answers with the
/// document's 503: fault injection, for tests of clients.
#[derive(Debug)]
pub struct FaultyStore {
    store: Store,
    /// Listings still to fail.
    faults: AtomicU32,
}

impl FaultyStore {
    /// `store`, failing no listing until told to.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            faults: AtomicU32::new(0),
        }
    }

    /// The next `n` listings fail as if the store were unavailable
    /// (replacing any failures still pending; 0 clears them).
    pub fn fail_next_reads(&self, n: u32) {
        self.faults.store(n, Ordering::SeqCst);
    }

    /// Takes one pending failure, if any.
    fn take_fault(&self) -> bool {
        self.faults
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

impl Listings for FaultyStore {
    fn store(&self) -> &Store {
        &self.store
    }

    async fn listing(
        &self,
        user_id: &str,
        id: &str,
        logged_at_gte_us: Option<i64>,
        logged_at_lte_us: Option<i64>,
    ) -> Result<Option<(SubSessionRow, Vec<LogRow>)>, StoreError> {
        if self.take_fault() {
            return Err(StoreError::Injected);
        }
        self.store
            .listing(user_id, id, logged_at_gte_us, logged_at_lte_us)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_next_n_listings_fail_then_the_store_answers_again() {
        let store = FaultyStore::new(Store::open(":memory:").await.unwrap());
        store.fail_next_reads(2);
        for _ in 0..2 {
            assert!(matches!(
                store.listing("u", "csub", None, None).await,
                Err(StoreError::Injected)
            ));
        }
        assert!(matches!(
            store.listing("u", "csub", None, None).await,
            Ok(None)
        ));
        store.fail_next_reads(1);
        store.fail_next_reads(0);
        assert!(matches!(
            store.listing("u", "csub", None, None).await,
            Ok(None)
        ));
        store.store().close().await;
    }
}
