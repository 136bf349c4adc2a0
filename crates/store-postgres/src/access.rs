//! Users, sessions and API tokens.

use crate::{audit, corrupt, db, is_unique_violation};
use naikkelas_core::{FieldError, Nib, RegionCode, Role};
use naikkelas_store::{rfc3339, AuditContext, NewApiToken, NewUser, Result, SessionRecord, StoreError, UserRecord};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use time::OffsetDateTime;

const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.password_hash, u.role, u.region, u.enterprise_nib, u.disabled, u.created_at";

fn user_of(row: &PgRow) -> Result<UserRecord> {
    let role: String = row.get(4);
    let region: Option<String> = row.get(5);
    let enterprise: Option<String> = row.get(6);
    Ok(UserRecord {
        id: row.get(0),
        username: row.get(1),
        display_name: row.get(2),
        password_hash: row.get(3),
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        region: region.map(|r| RegionCode::parse(&r).map_err(|e| corrupt("region", e))).transpose()?,
        enterprise: enterprise.map(|n| Nib::parse(&n).map_err(|e| corrupt("NIB", e))).transpose()?,
        disabled: row.get(7),
        created_at: rfc3339(row.get::<OffsetDateTime, _>(8)),
    })
}

pub(crate) async fn create_user(pool: &PgPool, u: &NewUser, ctx: &AuditContext) -> Result<i64> {
    let duplicate =
        || StoreError::Conflict(FieldError::new("username", "username.duplicate").with("value", &u.username));
    let mut tx = pool.begin().await.map_err(db)?;
    let inserted = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, region, enterprise_nib, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&u.username)
    .bind(&u.display_name)
    .bind(&u.password_hash)
    .bind(u.role.as_str())
    .bind(u.region.as_ref().map(|r| r.as_str()))
    .bind(u.enterprise.as_ref().map(|n| n.as_str()))
    .bind(ctx.at)
    .fetch_one(&mut *tx)
    .await;
    let id: i64 = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e, "users_username_key") => return Err(duplicate()),
        Err(e) => return Err(db(e)),
    };
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    let created = user_of(&sqlx::query(&sql).bind(id).fetch_one(&mut *tx).await.map_err(db)?)?;
    // UserRecord never serialises its password hash.
    let after = serde_json::to_string(&created).expect("serialises");
    audit::record(&mut tx, ctx, "create", "user", &id.to_string(), None, Some(after)).await?;
    tx.commit().await.map_err(db)?;
    Ok(id)
}

async fn one_user(
    pool: &PgPool,
    clause: &str,
    bind: impl FnOnce(
        sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u {clause}");
    let row = bind(sqlx::query(&sql)).fetch_optional(pool).await.map_err(db)?;
    row.as_ref().map(user_of).transpose()
}

pub(crate) async fn user_by_username(pool: &PgPool, username: &str) -> Result<Option<UserRecord>> {
    one_user(pool, "WHERE u.username = $1", |q| q.bind(username.to_string())).await
}

pub(crate) async fn user_by_id(pool: &PgPool, id: i64) -> Result<Option<UserRecord>> {
    one_user(pool, "WHERE u.id = $1", |q| q.bind(id)).await
}

pub(crate) async fn user_by_token(pool: &PgPool, token_hash: &str) -> Result<Option<UserRecord>> {
    one_user(pool, "JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1", |q| q.bind(token_hash.to_string()))
        .await
}

pub(crate) async fn list_users(pool: &PgPool) -> Result<Vec<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username");
    let rows = sqlx::query(&sql).fetch_all(pool).await.map_err(db)?;
    rows.iter().map(user_of).collect()
}

pub(crate) async fn set_password(pool: &PgPool, user_id: i64, hash: &str, ctx: &AuditContext) -> Result<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record(&mut tx, ctx, "set_password", "user", &user_id.to_string(), None, None).await?;
    tx.commit().await.map_err(db)
}

pub(crate) async fn create_session(pool: &PgPool, s: &SessionRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&s.id_hash)
    .bind(s.user_id)
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn session(pool: &PgPool, id_hash: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>> {
    let row = sqlx::query(
        "SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    Ok(row.map(|r| SessionRecord {
        id_hash: r.get(0),
        user_id: r.get(1),
        csrf_token: r.get(2),
        created_at: r.get(3),
        expires_at: r.get(4),
    }))
}

pub(crate) async fn delete_session(pool: &PgPool, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(pool).await.map_err(db)?;
    Ok(())
}

pub(crate) async fn delete_expired_sessions(pool: &PgPool, now: OffsetDateTime) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await.map_err(db)?;
    Ok(done.rows_affected())
}

pub(crate) async fn create_api_token(pool: &PgPool, t: &NewApiToken, ctx: &AuditContext) -> Result<i64> {
    let mut tx = pool.begin().await.map_err(db)?;
    let inserted = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(t.user_id)
    .bind(&t.name)
    .bind(&t.token_hash)
    .bind(ctx.at)
    .fetch_one(&mut *tx)
    .await;
    let id: i64 = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e, "api_tokens_token_hash_key") => {
            return Err(StoreError::Conflict(FieldError::new("token", "token.duplicate")))
        }
        Err(e) if e.as_database_error().is_some_and(|d| d.code().as_deref() == Some("23503")) => {
            return Err(StoreError::NotFound)
        }
        Err(e) => return Err(db(e)),
    };
    // The hash stays out of the log: it is as good as the token for lookups.
    let after = serde_json::json!({ "user_id": t.user_id, "name": t.name }).to_string();
    audit::record(&mut tx, ctx, "create", "api_token", &id.to_string(), None, Some(after)).await?;
    tx.commit().await.map_err(db)?;
    Ok(id)
}
