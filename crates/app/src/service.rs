//! The service handle shared by all entry points.

use naikkelas_core::reference::Reference;
use naikkelas_core::Actor;
use naikkelas_store::{AuditContext, Store};
use std::sync::Arc;
use time::OffsetDateTime;

/// Cheap to clone; holds the store, the reference catalogue and the clock.
#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    reference: Arc<Reference>,
    clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    public_cache: Arc<crate::certification::PublicCache>,
}

impl Service {
    /// Loads the reference catalogue from the (migrated) store.
    pub async fn new(store: Arc<dyn Store>) -> Result<Self, naikkelas_store::StoreError> {
        let reference = Arc::new(store.reference().await?);
        Ok(Self { store, reference, clock: Arc::new(OffsetDateTime::now_utc), public_cache: Arc::default() })
    }

    /// A service whose clock is fixed, for tests of time rules.
    pub fn with_clock(mut self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// Public certificate answers of the last second (see `certification`).
    pub fn public_cache(&self) -> &crate::certification::PublicCache {
        &self.public_cache
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    pub fn this_year(&self) -> i32 {
        self.now().year()
    }

    pub fn audit_ctx(&self, actor: &Actor) -> AuditContext {
        AuditContext::new(actor.username.clone(), self.now())
    }
}
