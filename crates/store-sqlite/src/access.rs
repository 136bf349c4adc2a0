//! Users, sessions and API tokens.

use crate::audit::{self, json};
use crate::registry::corrupt;
use crate::Db;
use naikkelas_core::{FieldError, Nib, RegionCode, Role};
use naikkelas_store::{AuditContext, NewApiToken, NewUser, Result, SessionRecord, StoreError, UserRecord};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use time::OffsetDateTime;

const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.password_hash, u.role, u.region_code, u.enterprise_nib, u.disabled, u.created_at";

/// Session times are kept as Unix microseconds, the precision PostgreSQL
/// keeps too, so both backends hand back the same instant.
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

fn from_micros(m: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1_000).map_err(|_| corrupt("timestamp", m))
}

fn user_from_row(r: &SqliteRow) -> Result<UserRecord> {
    let role: String = r.try_get("role").db()?;
    let region: Option<String> = r.try_get("region_code").db()?;
    let enterprise: Option<String> = r.try_get("enterprise_nib").db()?;
    Ok(UserRecord {
        id: r.try_get("id").db()?,
        username: r.try_get("username").db()?,
        display_name: r.try_get("display_name").db()?,
        password_hash: r.try_get("password_hash").db()?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        region: region.map(|c| RegionCode::parse(&c).map_err(|_| corrupt("region", &c))).transpose()?,
        enterprise: enterprise.map(|n| Nib::parse(&n).map_err(|_| corrupt("NIB", &n))).transpose()?,
        disabled: r.try_get("disabled").db()?,
        created_at: r.try_get("created_at").db()?,
    })
}

/// How a user is looked up.
pub(crate) enum UserKey<'a> {
    Id(i64),
    Username(&'a str),
    TokenHash(&'a str),
}

pub(crate) async fn user(pool: &SqlitePool, key: UserKey<'_>) -> Result<Option<UserRecord>> {
    let (condition, text, id) = match key {
        UserKey::Id(id) => ("u.id = ?", None, Some(id)),
        UserKey::Username(n) => ("u.username = ?", Some(n), None),
        UserKey::TokenHash(h) => ("u.id = (SELECT user_id FROM api_tokens WHERE token_hash = ?)", Some(h), None),
    };
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE {condition}");
    let query = sqlx::query(&sql);
    let query = match (text, id) {
        (Some(t), _) => query.bind(t),
        (None, id) => query.bind(id),
    };
    let row = query.fetch_optional(pool).await.db()?;
    row.as_ref().map(user_from_row).transpose()
}

pub(crate) async fn list_users(pool: &SqlitePool) -> Result<Vec<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username");
    let rows = sqlx::query(&sql).fetch_all(pool).await.db()?;
    rows.iter().map(user_from_row).collect()
}

pub(crate) async fn create_user(conn: &mut SqliteConnection, u: &NewUser, audit: &AuditContext) -> Result<i64> {
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = ?")
        .bind(&u.username)
        .fetch_optional(&mut *conn)
        .await
        .db()?;
    if taken.is_some() {
        return Err(StoreError::Conflict(FieldError::new("username", "username.duplicate").with("value", &u.username)));
    }
    let done = sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, role, region_code, enterprise_nib, disabled, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
    )
    .bind(&u.username)
    .bind(&u.display_name)
    .bind(&u.password_hash)
    .bind(u.role.as_str())
    .bind(u.region.as_ref().map(|r| r.as_str()))
    .bind(u.enterprise.as_ref().map(|n| n.as_str()))
    .bind(audit.at_text())
    .execute(&mut *conn)
    .await
    .db()?;
    let id = done.last_insert_rowid();
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?");
    let created = user_from_row(&sqlx::query(&sql).bind(id).fetch_one(&mut *conn).await.db()?)?;
    // UserRecord never serialises its password hash.
    let rec = audit::record(audit, "create", "user", &id.to_string(), None, Some(json(&created)));
    audit::append(conn, rec).await?;
    Ok(id)
}

pub(crate) async fn set_password(
    conn: &mut SqliteConnection,
    user_id: i64,
    hash: &str,
    audit: &AuditContext,
) -> Result<()> {
    let done = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *conn)
        .await
        .db()?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(conn, audit::record(audit, "set_password", "user", &user_id.to_string(), None, None)).await?;
    Ok(())
}

pub(crate) async fn create_session(pool: &SqlitePool, s: &SessionRecord) -> Result<()> {
    sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
        .bind(&s.id_hash)
        .bind(s.user_id)
        .bind(&s.csrf_token)
        .bind(micros(s.created_at))
        .bind(micros(s.expires_at))
        .execute(pool)
        .await
        .db()?;
    Ok(())
}

pub(crate) async fn session(pool: &SqlitePool, id_hash: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>> {
    let row: Option<(String, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?",
    )
    .bind(id_hash)
    .bind(micros(now))
    .fetch_optional(pool)
    .await
    .db()?;
    row.map(|(id_hash, user_id, csrf_token, created, expires)| {
        Ok(SessionRecord {
            id_hash,
            user_id,
            csrf_token,
            created_at: from_micros(created)?,
            expires_at: from_micros(expires)?,
        })
    })
    .transpose()
}

pub(crate) async fn create_api_token(
    conn: &mut SqliteConnection,
    t: &NewApiToken,
    audit: &AuditContext,
) -> Result<i64> {
    let user: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = ?")
        .bind(t.user_id)
        .fetch_optional(&mut *conn)
        .await
        .db()?;
    if user.is_none() {
        return Err(StoreError::NotFound);
    }
    let done = sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)")
        .bind(t.user_id)
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(audit.at_text())
        .execute(&mut *conn)
        .await
        .db()?;
    let id = done.last_insert_rowid();
    // The hash stays out of the log: it is as good as the token for lookups.
    let after = serde_json::json!({ "user_id": t.user_id, "name": t.name }).to_string();
    audit::append(conn, audit::record(audit, "create", "api_token", &id.to_string(), None, Some(after))).await?;
    Ok(id)
}
