//! Shared state of the web application.

use crate::templates::Templates;
use naikkelas_app::auth::RateLimiter;
use naikkelas_app::Service;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure`: on whenever the site is served over HTTPS
    /// (directly or behind a TLS-terminating proxy).
    pub secure_cookies: bool,
    /// Show the one-click demo logins on the home page.
    pub demo: bool,
    /// Failed-login attempts allowed per client and per username per minute.
    pub login_attempts_per_minute: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self { secure_cookies: false, demo: false, login_attempts_per_minute: 10 }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub svc: Service,
    pub templates: Arc<Templates>,
    pub login_limiter: Arc<RateLimiter>,
    pub config: Arc<WebConfig>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub jobs: crate::jobs::Jobs,
}

impl AppState {
    pub fn new(svc: Service, config: WebConfig) -> Self {
        let limiter = RateLimiter::new(config.login_attempts_per_minute, Duration::from_secs(60));
        Self {
            svc,
            templates: Arc::new(Templates::new()),
            login_limiter: Arc::new(limiter),
            config: Arc::new(config),
            metrics: crate::metrics::install(),
            jobs: crate::jobs::Jobs::default(),
        }
    }
}
