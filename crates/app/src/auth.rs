//! Accounts, passwords, sessions, API tokens and the login rate limit.
//!
//! Passwords are hashed with argon2id (OWASP parameters of the `argon2`
//! crate's defaults) on a blocking thread. Session cookies and API tokens
//! are 256-bit random values; only their SHA-256 is stored, so a leaked
//! database does not yield live credentials.

use crate::error::{AppError, AppResult};
use crate::service::Service;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use naikkelas_core::{Actor, FieldError, Nib, RegionCode, Role, ValidationErrors};
use naikkelas_store::{NewApiToken, NewUser, SessionRecord, UserRecord};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MIN_PASSWORD_LEN: usize = 8;
pub const SESSION_HOURS: i64 = 12;

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the user does not
/// exist so that "no such user" takes as long as "wrong password".
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn dummy_hash() -> String {
    DUMMY_HASH
        .get_or_init(|| {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            Argon2::default().hash_password(random_token().as_bytes(), &salt).expect("hash").to_string()
        })
        .clone()
}

pub fn actor_of(u: &UserRecord) -> Actor {
    Actor {
        user_id: u.id,
        username: u.username.clone(),
        role: u.role,
        region: u.region.clone(),
        enterprise: u.enterprise.clone(),
    }
}

/// A new account as typed by an administrator or on the command line.
#[derive(Debug, Clone, Default)]
pub struct UserDraft {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: String,
    pub region: String,
    pub enterprise: String,
}

/// A logged-in browser session.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub display_name: String,
    pub csrf_token: String,
}

impl Service {
    pub async fn add_user(&self, actor: &Actor, d: &UserDraft) -> AppResult<i64> {
        if !actor.can_manage_users() {
            return Err(AppError::Forbidden);
        }
        let mut e = ValidationErrors::default();
        let username = d.username.trim().to_ascii_lowercase();
        let ok_name = (3..=32).contains(&username.len())
            && username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !ok_name {
            e.push(FieldError::new("username", "username.format"));
        }
        if d.password.chars().count() < MIN_PASSWORD_LEN {
            e.push(FieldError::new("password", "password.too_short").with("min", MIN_PASSWORD_LEN));
        }
        let role = Role::parse(&d.role);
        if role.is_none() {
            e.push(FieldError::new("role", "role.unknown").with("value", &d.role));
        }
        let mut region = None;
        if !d.region.trim().is_empty() {
            match RegionCode::parse_field(&d.region, "region") {
                Ok(r) if self.reference().region_exists(&r) && r.level() != naikkelas_core::RegionLevel::District => {
                    region = Some(r)
                }
                _ => e.push(FieldError::new("region", "region.unknown").with("value", d.region.trim())),
            }
        }
        let mut enterprise = None;
        if !d.enterprise.trim().is_empty() {
            match Nib::parse(&d.enterprise) {
                Ok(n) if self.store().enterprise(&n).await?.is_some() => enterprise = Some(n),
                Ok(n) => e.push(FieldError::new("enterprise", "enterprise.unknown").with("value", n)),
                Err(mut x) => {
                    x.field = "enterprise".into();
                    e.push(x)
                }
            }
        }
        match role {
            Some(Role::Officer) if region.is_none() && e.for_field("region").is_none() => {
                e.push(FieldError::new("region", "user.officer_needs_region"))
            }
            Some(Role::Owner) if enterprise.is_none() && e.for_field("enterprise").is_none() => {
                e.push(FieldError::new("enterprise", "user.owner_needs_enterprise"))
            }
            _ => {}
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        let password_hash = hash_password(d.password.clone()).await?;
        let display_name =
            if d.display_name.trim().is_empty() { username.clone() } else { d.display_name.trim().to_string() };
        let u = NewUser { username, display_name, password_hash, role: role.expect("checked"), region, enterprise };
        Ok(self.store().create_user(&u, &self.audit_ctx(actor)).await?)
    }

    /// Every account, for administrators.
    pub async fn list_users(&self, actor: &Actor) -> AppResult<Vec<UserRecord>> {
        if !actor.can_manage_users() {
            return Err(AppError::Forbidden);
        }
        Ok(self.store().list_users().await?)
    }

    /// Checks a password. Unknown users and wrong passwords give the same
    /// answer in the same time.
    pub async fn authenticate(&self, username: &str, password: &str) -> AppResult<UserRecord> {
        let user = self.store().user_by_username(&username.trim().to_ascii_lowercase()).await?;
        let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(dummy_hash);
        let ok = verify_password(password.to_string(), hash).await;
        match user {
            Some(u) if ok && !u.disabled => Ok(u),
            _ => Err(AppError::Unauthenticated),
        }
    }

    /// Starts a session; returns the cookie value (shown once) and the session.
    pub async fn login(&self, username: &str, password: &str) -> AppResult<(String, Session)> {
        let u = self.authenticate(username, password).await?;
        let cookie = random_token();
        let now = self.now();
        let rec = SessionRecord {
            id_hash: sha256_hex(&cookie),
            user_id: u.id,
            csrf_token: random_token(),
            created_at: now,
            expires_at: now + time::Duration::hours(SESSION_HOURS),
        };
        self.store().create_session(&rec).await?;
        Ok((cookie, Session { actor: actor_of(&u), display_name: u.display_name, csrf_token: rec.csrf_token }))
    }

    pub async fn session(&self, cookie: &str) -> AppResult<Option<Session>> {
        let Some(s) = self.store().session(&sha256_hex(cookie), self.now()).await? else { return Ok(None) };
        let Some(u) = self.store().user_by_id(s.user_id).await? else { return Ok(None) };
        if u.disabled {
            return Ok(None);
        }
        Ok(Some(Session { actor: actor_of(&u), display_name: u.display_name, csrf_token: s.csrf_token }))
    }

    pub async fn logout(&self, cookie: &str) -> AppResult<()> {
        Ok(self.store().delete_session(&sha256_hex(cookie)).await?)
    }

    /// Issues an API token for `username`; the token is returned once.
    pub async fn create_token(&self, actor: &Actor, username: &str, name: &str) -> AppResult<String> {
        if !actor.can_manage_users() && actor.username != username {
            return Err(AppError::Forbidden);
        }
        let u = self
            .store()
            .user_by_username(username)
            .await?
            .ok_or_else(|| AppError::field(FieldError::new("username", "user.unknown").with("value", username)))?;
        let token = format!("nk_{}", random_token());
        let t = NewApiToken { user_id: u.id, name: name.to_string(), token_hash: sha256_hex(&token) };
        self.store().create_api_token(&t, &self.audit_ctx(actor)).await?;
        Ok(token)
    }

    pub async fn actor_for_token(&self, token: &str) -> AppResult<Actor> {
        match self.store().user_by_token(&sha256_hex(token)).await? {
            Some(u) if !u.disabled => Ok(actor_of(&u)),
            _ => Err(AppError::Unauthenticated),
        }
    }
}

/// A fixed-window counter per key (client address, username) that refuses
/// after `max` attempts in `window`. In memory: a restart forgets, which is
/// acceptable for slowing down password guessing on one node.
pub struct RateLimiter {
    max: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        Self { max, window, hits: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt; `Err(RateLimited)` once the key is over its limit.
    pub fn check(&self, key: &str) -> AppResult<()> {
        let now = Instant::now();
        let mut hits = self.hits.lock().expect("rate limiter lock");
        if hits.len() > 100_000 {
            hits.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let e = hits.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(e.0) >= self.window {
            *e = (now, 0);
        }
        e.1 += 1;
        if e.1 > self.max {
            Err(AppError::RateLimited)
        } else {
            Ok(())
        }
    }

    pub fn reset(&self, key: &str) {
        self.hits.lock().expect("rate limiter lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_refuses_after_max_and_resets() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        assert!(l.check("a").is_ok());
        assert!(l.check("a").is_ok());
        assert!(matches!(l.check("a"), Err(AppError::RateLimited)));
        assert!(l.check("b").is_ok());
        l.reset("a");
        assert!(l.check("a").is_ok());
    }

    #[tokio::test]
    async fn argon2id_hashes_verify() {
        let h = hash_password("rahasia-sekali".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("rahasia-sekali".into(), h.clone()).await);
        assert!(!verify_password("salah".into(), h).await);
    }
}
