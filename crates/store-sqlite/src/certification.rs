//! Certification on SQLite: bodies, applications, findings, history, the
//! public lookup and the signing key. Each write is one `BEGIN IMMEDIATE`
//! transaction with its audit entry.

use crate::audit::{self, json};
use crate::registry::corrupt;
use crate::{Db, SqliteStore};
use async_trait::async_trait;
use naikkelas_core::certification::{BodyKind, CertificateNumber, FindingGrade, Scheme, State};
use naikkelas_core::{FieldError, Nib, Scope};
use naikkelas_store::certification::*;
use naikkelas_store::{AuditContext, Result, StoreError};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use time::Date;

const KEY: &str = "certification_signing_key";
const RETIRED: &str = "certification_retired_keys";

const COLUMNS: &str = "SELECT c.id, e.nib, e.name AS business_name, e.regency_code, c.body_id, b.code AS body_code, \
     b.name AS body_name, c.standard_code, s.title AS standard_title, c.scheme, c.scope, c.applied_on, c.state, \
     c.number, c.decided_on, c.issued_on, c.expires_on, c.last_surveillance_on, c.surveillance_due_on, \
     c.testing_passed, c.reason, c.state_since, c.version \
     FROM certifications c JOIN enterprises e ON e.id = c.enterprise_id \
     JOIN certification_bodies b ON b.id = c.body_id JOIN certification_standards s ON s.code = c.standard_code";

fn day(d: Option<Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn parse_day(s: Option<String>) -> Result<Option<Date>> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    s.map(|s| Date::parse(&s, &fmt).map_err(|_| corrupt("date", &s))).transpose()
}

fn state_of(s: &str) -> Result<State> {
    State::parse(s).ok_or_else(|| corrupt("certification state", s))
}

fn status_from(r: &SqliteRow) -> Result<CertStatus> {
    let number: Option<String> = r.try_get("number").db()?;
    Ok(CertStatus {
        state: state_of(&r.try_get::<String, _>("state").db()?)?,
        number: number
            .map(|n| CertificateNumber::parse(&n).map_err(|_| corrupt("certificate number", &n)))
            .transpose()?,
        decided_on: parse_day(r.try_get("decided_on").db()?)?,
        issued_on: parse_day(r.try_get("issued_on").db()?)?,
        expires_on: parse_day(r.try_get("expires_on").db()?)?,
        last_surveillance_on: parse_day(r.try_get("last_surveillance_on").db()?)?,
        surveillance_due_on: parse_day(r.try_get("surveillance_due_on").db()?)?,
        testing_passed: r.try_get("testing_passed").db()?,
        reason: r.try_get("reason").db()?,
    })
}

fn record_from(r: &SqliteRow) -> Result<CertificationRecord> {
    let nib: String = r.try_get("nib").db()?;
    let scheme: String = r.try_get("scheme").db()?;
    Ok(CertificationRecord {
        id: r.try_get("id").db()?,
        nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
        business_name: r.try_get("business_name").db()?,
        regency_code: r.try_get("regency_code").db()?,
        body_id: r.try_get("body_id").db()?,
        body_code: r.try_get("body_code").db()?,
        body_name: r.try_get("body_name").db()?,
        standard_code: r.try_get("standard_code").db()?,
        standard_title: r.try_get("standard_title").db()?,
        scheme: Scheme::parse(&scheme).ok_or_else(|| corrupt("scheme", &scheme))?,
        scope: r.try_get("scope").db()?,
        applied_on: parse_day(r.try_get("applied_on").db()?)?.ok_or_else(|| corrupt("applied_on", "null"))?,
        status: status_from(r)?,
        state_since: r.try_get("state_since").db()?,
        version: r.try_get("version").db()?,
        findings: Vec::new(),
        events: Vec::new(),
    })
}

fn event_from(r: &SqliteRow) -> Result<EventRecord> {
    let from: Option<String> = r.try_get("from_state").db()?;
    Ok(EventRecord {
        certification_id: r.try_get("certification_id").db()?,
        seq: r.try_get("seq").db()?,
        at: r.try_get("at").db()?,
        actor: r.try_get("actor").db()?,
        event: r.try_get("event").db()?,
        from_state: from.as_deref().map(state_of).transpose()?,
        to_state: state_of(&r.try_get::<String, _>("to_state").db()?)?,
        note: r.try_get("note").db()?,
    })
}

fn push_filters(qb: &mut QueryBuilder<'_, Sqlite>, q: &CertificationQuery) {
    qb.push(" WHERE 1 = 1");
    match &q.scope {
        Scope::National => {}
        Scope::Region(r) => {
            qb.push(" AND (e.regency_code = ").push_bind(r.to_string());
            qb.push(" OR e.regency_code LIKE ").push_bind(format!("{r}.%")).push(")");
        }
        Scope::Enterprise(n) => {
            qb.push(" AND e.nib = ").push_bind(n.to_string());
        }
        Scope::Nothing => {
            qb.push(" AND 1 = 0");
        }
    }
    if let Some(b) = q.body_id {
        qb.push(" AND c.body_id = ").push_bind(b);
    }
    if let Some(s) = q.state {
        qb.push(" AND c.state = ").push_bind(s.as_str());
    }
    if q.live_only {
        qb.push(" AND c.state IN ('certified', 'surveillance', 'renewal', 'suspended')");
    }
}

async fn append_event(
    conn: &mut SqliteConnection,
    id: i64,
    audit: &AuditContext,
    event: &str,
    from: Option<State>,
    to: State,
    note: Option<&str>,
) -> Result<()> {
    let seq: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM certification_events WHERE certification_id = ?")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .db()?;
    sqlx::query(
        "INSERT INTO certification_events (certification_id, seq, at, actor, event, from_state, to_state, note)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(seq)
    .bind(audit.at_text())
    .bind(&audit.actor)
    .bind(event)
    .bind(from.map(State::as_str))
    .bind(to.as_str())
    .bind(note)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

#[async_trait]
impl CertificationStore for SqliteStore {
    async fn standards(&self) -> Result<Vec<StandardRecord>> {
        let rows = sqlx::query(
            "SELECT code, title, scheme, validity_months, source FROM certification_standards ORDER BY scheme DESC, code",
        )
        .fetch_all(self.pool())
        .await
        .db()?;
        rows.iter()
            .map(|r| {
                let scheme: String = r.try_get("scheme").db()?;
                Ok(StandardRecord {
                    code: r.try_get("code").db()?,
                    title: r.try_get("title").db()?,
                    scheme: Scheme::parse(&scheme).ok_or_else(|| corrupt("scheme", &scheme))?,
                    validity_months: r.try_get("validity_months").db()?,
                    source: r.try_get("source").db()?,
                })
            })
            .collect()
    }

    async fn create_body(&self, b: &NewBody, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM certification_bodies WHERE code = ?")
            .bind(&b.code)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        if exists.is_some() {
            return Err(StoreError::Conflict(FieldError::new("code", "body.duplicate").with("value", &b.code)));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO certification_bodies (code, name, kind, kan_number, scope) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&b.code)
        .bind(&b.name)
        .bind(b.kind.as_str())
        .bind(&b.kan_number)
        .bind(json(&b.scope))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let after = json(
            &serde_json::json!({"code": b.code, "name": b.name, "kind": b.kind, "kan_number": b.kan_number, "scope": b.scope}),
        );
        audit::append(
            &mut tx,
            audit::record(audit, "create", "certification_body", &id.to_string(), None, Some(after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(id)
    }

    async fn bodies(&self) -> Result<Vec<BodyRecord>> {
        let rows =
            sqlx::query("SELECT id, code, name, kind, kan_number, scope FROM certification_bodies ORDER BY code")
                .fetch_all(self.pool())
                .await
                .db()?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind").db()?;
                let scope: String = r.try_get("scope").db()?;
                Ok(BodyRecord {
                    id: r.try_get("id").db()?,
                    code: r.try_get("code").db()?,
                    name: r.try_get("name").db()?,
                    kind: BodyKind::parse(&kind).ok_or_else(|| corrupt("body kind", &kind))?,
                    kan_number: r.try_get("kan_number").db()?,
                    scope: serde_json::from_str(&scope).map_err(|_| corrupt("body scope", &scope))?,
                })
            })
            .collect()
    }

    async fn assign_certifier(&self, user_id: i64, body_id: i64, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        let ok: Option<i64> =
            sqlx::query_scalar("SELECT u.id FROM users u, certification_bodies b WHERE u.id = ? AND b.id = ?")
                .bind(user_id)
                .bind(body_id)
                .fetch_optional(&mut *tx)
                .await
                .db()?;
        if ok.is_none() {
            return Err(StoreError::NotFound);
        }
        let before: Option<i64> = sqlx::query_scalar("SELECT body_id FROM certifier_bodies WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        sqlx::query(
            "INSERT INTO certifier_bodies (user_id, body_id) VALUES (?, ?)
             ON CONFLICT (user_id) DO UPDATE SET body_id = excluded.body_id",
        )
        .bind(user_id)
        .bind(body_id)
        .execute(&mut *tx)
        .await
        .db()?;
        let rec = audit::record(
            audit,
            "assign_body",
            "user",
            &user_id.to_string(),
            before.map(|b| json(&serde_json::json!({ "body_id": b }))),
            Some(json(&serde_json::json!({ "body_id": body_id }))),
        );
        audit::append(&mut tx, rec).await?;
        tx.commit().await.db()
    }

    async fn certifier_body(&self, user_id: i64) -> Result<Option<i64>> {
        sqlx::query_scalar("SELECT body_id FROM certifier_bodies WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await
            .db()
    }

    async fn apply(&self, a: &NewApplication, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.write().await?;
        let enterprise: Option<i64> = sqlx::query_scalar("SELECT id FROM enterprises WHERE nib = ?")
            .bind(a.nib.as_str())
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        let body: Option<i64> = sqlx::query_scalar("SELECT id FROM certification_bodies WHERE id = ?")
            .bind(a.body_id)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        let standard: Option<String> = sqlx::query_scalar("SELECT code FROM certification_standards WHERE code = ?")
            .bind(&a.standard_code)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        let (Some(enterprise), Some(_), Some(_)) = (enterprise, body, standard) else {
            return Err(StoreError::NotFound);
        };
        let at = audit.at_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO certifications (enterprise_id, body_id, standard_code, scheme, scope, applied_on, state,
                 state_since, version, created_at)
             VALUES (?, ?, ?, ?, ?, ?, 'applied', ?, 1, ?) RETURNING id",
        )
        .bind(enterprise)
        .bind(a.body_id)
        .bind(&a.standard_code)
        .bind(a.scheme.as_str())
        .bind(&a.scope)
        .bind(a.applied_on.to_string())
        .bind(&at)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        append_event(&mut tx, id, audit, "apply", None, State::Applied, None).await?;
        let after = json(&serde_json::json!({
            "nib": a.nib, "body_id": a.body_id, "standard": a.standard_code, "scope": a.scope,
            "status": CertStatus::applied(),
        }));
        audit::append(&mut tx, audit::record(audit, "apply", "certification", &id.to_string(), None, Some(after)))
            .await?;
        tx.commit().await.db()?;
        Ok(id)
    }

    async fn certification(&self, id: i64) -> Result<Option<CertificationRecord>> {
        let mut tx = self.pool().begin().await.db()?;
        let sql = format!("{COLUMNS} WHERE c.id = ?");
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await.db()? else {
            return Ok(None);
        };
        let mut rec = record_from(&row)?;
        let rows = sqlx::query(
            "SELECT id, grade, clause, description, raised_at, raised_by, corrective_action, evidence, closed_at, closed_by
             FROM certification_findings WHERE certification_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        for r in &rows {
            let grade: String = r.try_get("grade").db()?;
            rec.findings.push(FindingRecord {
                id: r.try_get("id").db()?,
                grade: FindingGrade::parse(&grade).ok_or_else(|| corrupt("finding grade", &grade))?,
                clause: r.try_get("clause").db()?,
                description: r.try_get("description").db()?,
                raised_at: r.try_get("raised_at").db()?,
                raised_by: r.try_get("raised_by").db()?,
                corrective_action: r.try_get("corrective_action").db()?,
                evidence: r.try_get("evidence").db()?,
                closed_at: r.try_get("closed_at").db()?,
                closed_by: r.try_get("closed_by").db()?,
            });
        }
        let rows = sqlx::query(
            "SELECT certification_id, seq, at, actor, event, from_state, to_state, note
             FROM certification_events WHERE certification_id = ? ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        rec.events = rows.iter().map(event_from).collect::<Result<_>>()?;
        tx.commit().await.db()?;
        Ok(Some(rec))
    }

    async fn list_certifications(&self, q: &CertificationQuery) -> Result<Vec<CertificationRecord>> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(COLUMNS);
        push_filters(&mut qb, q);
        qb.push(" ORDER BY c.id DESC LIMIT ").push_bind(i64::from(q.limit));
        let rows = qb.build().fetch_all(self.pool()).await.db()?;
        rows.iter().map(record_from).collect()
    }

    async fn events_in(&self, q: &CertificationQuery) -> Result<Vec<EventRecord>> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT v.certification_id, v.seq, v.at, v.actor, v.event, v.from_state, v.to_state, v.note
             FROM certification_events v JOIN certifications c ON c.id = v.certification_id
             JOIN enterprises e ON e.id = c.enterprise_id",
        );
        push_filters(&mut qb, q);
        qb.push(" ORDER BY v.certification_id, v.seq");
        let rows = qb.build().fetch_all(self.pool()).await.db()?;
        rows.iter().map(event_from).collect()
    }

    async fn record_event(&self, id: i64, w: &EventWrite, audit: &AuditContext) -> Result<Option<i64>> {
        let mut tx = self.write().await?;
        let sql = format!("{COLUMNS} WHERE c.id = ?");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await.db()?.ok_or(StoreError::NotFound)?;
        let before = record_from(&row)?;
        if before.version != w.expected_version {
            return Err(StoreError::StaleVersion);
        }
        let s = &w.after;
        let state_since = if s.state == before.status.state { before.state_since.clone() } else { audit.at_text() };
        let updated = sqlx::query(
            "UPDATE certifications SET state = ?, number = ?, decided_on = ?, issued_on = ?, expires_on = ?,
                 last_surveillance_on = ?, surveillance_due_on = ?, testing_passed = ?, reason = ?, state_since = ?,
                 version = version + 1
             WHERE id = ? AND version = ?",
        )
        .bind(s.state.as_str())
        .bind(s.number.as_ref().map(|n| n.to_string()))
        .bind(day(s.decided_on))
        .bind(day(s.issued_on))
        .bind(day(s.expires_on))
        .bind(day(s.last_surveillance_on))
        .bind(day(s.surveillance_due_on))
        .bind(s.testing_passed)
        .bind(&s.reason)
        .bind(&state_since)
        .bind(id)
        .bind(w.expected_version)
        .execute(&mut *tx)
        .await
        .db()?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::StaleVersion);
        }
        let mut new_finding = None;
        if let Some(f) = &w.new_finding {
            let fid: i64 = sqlx::query_scalar(
                "INSERT INTO certification_findings (certification_id, grade, clause, description, raised_at, raised_by)
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(id)
            .bind(f.grade.as_str())
            .bind(&f.clause)
            .bind(&f.description)
            .bind(audit.at_text())
            .bind(&audit.actor)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            new_finding = Some(fid);
        }
        if let Some(c) = &w.close_finding {
            let done = sqlx::query(
                "UPDATE certification_findings SET corrective_action = ?, evidence = ?, closed_at = ?, closed_by = ?
                 WHERE id = ? AND certification_id = ? AND closed_at IS NULL",
            )
            .bind(&c.corrective_action)
            .bind(&c.evidence)
            .bind(audit.at_text())
            .bind(&audit.actor)
            .bind(c.finding_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .db()?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
        }
        append_event(&mut tx, id, audit, w.event.as_str(), Some(before.status.state), s.state, w.note.as_deref())
            .await?;
        // Issue, suspension, withdrawal, expiry and restoration move the holder on the ladder at once.
        if s.state.has_certificate() || before.status.state.has_certificate() {
            let eid: i64 = sqlx::query_scalar("SELECT enterprise_id FROM certifications WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .db()?;
            crate::registry::recompute_quality(&mut tx, eid, audit).await?;
        }
        let detail = |status: &CertStatus| {
            json(&serde_json::json!({
                "status": status, "note": w.note, "finding": new_finding,
                "closed_finding": w.close_finding.as_ref().map(|c| c.finding_id),
            }))
        };
        let rec = audit::record(
            audit,
            w.event.as_str(),
            "certification",
            &id.to_string(),
            Some(json(&serde_json::json!({ "status": before.status }))),
            Some(detail(s)),
        );
        audit::append(&mut tx, rec).await?;
        tx.commit().await.db()?;
        Ok(new_finding)
    }

    async fn public_certificate(&self, number: &str) -> Result<Option<PublicCertificate>> {
        let row = sqlx::query(
            "SELECT c.number, c.state, c.scheme, c.standard_code, s.title AS standard_title, c.scope, c.issued_on,
                    c.expires_on, c.surveillance_due_on, c.reason, e.nib, e.name AS business_name, e.regency_code,
                    b.name AS body_name
             FROM certifications c JOIN enterprises e ON e.id = c.enterprise_id
             JOIN certification_bodies b ON b.id = c.body_id JOIN certification_standards s ON s.code = c.standard_code
             WHERE c.number = ?",
        )
        .bind(number)
        .fetch_optional(self.pool())
        .await
        .db()?;
        let Some(r) = row else { return Ok(None) };
        let number: String = r.try_get("number").db()?;
        let nib: String = r.try_get("nib").db()?;
        let scheme: String = r.try_get("scheme").db()?;
        Ok(Some(PublicCertificate {
            number: CertificateNumber::parse(&number).map_err(|_| corrupt("certificate number", &number))?,
            state: state_of(&r.try_get::<String, _>("state").db()?)?,
            scheme: Scheme::parse(&scheme).ok_or_else(|| corrupt("scheme", &scheme))?,
            standard_code: r.try_get("standard_code").db()?,
            standard_title: r.try_get("standard_title").db()?,
            scope: r.try_get("scope").db()?,
            issued_on: parse_day(r.try_get("issued_on").db()?)?,
            expires_on: parse_day(r.try_get("expires_on").db()?)?,
            surveillance_due_on: parse_day(r.try_get("surveillance_due_on").db()?)?,
            reason: r.try_get("reason").db()?,
            nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
            business_name: r.try_get("business_name").db()?,
            regency_code: r.try_get("regency_code").db()?,
            body_name: r.try_get("body_name").db()?,
        }))
    }

    async fn signing_key(&self) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = ?").bind(KEY).fetch_optional(self.pool()).await.db()
    }

    async fn init_signing_key(&self, secret_hex: &str, audit: &AuditContext) -> Result<String> {
        let mut tx = self.write().await?;
        let done = sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
            .bind(KEY)
            .bind(secret_hex)
            .execute(&mut *tx)
            .await
            .db()?;
        if done.rows_affected() == 1 {
            audit::append(&mut tx, audit::record(audit, "create", "signing_key", "certification", None, None)).await?;
        }
        let key: String =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = ?").bind(KEY).fetch_one(&mut *tx).await.db()?;
        tx.commit().await.db()?;
        Ok(key)
    }

    async fn rotate_signing_key(&self, secret_hex: &str, retired_public_hex: &str, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        let retired: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(RETIRED)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        let mut list: Vec<String> = retired.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default();
        list.push(retired_public_hex.to_string());
        for (k, v) in [(KEY, secret_hex.to_string()), (RETIRED, json(&list))] {
            sqlx::query(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(k)
            .bind(v)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        let after = json(&serde_json::json!({ "retired_public_key": retired_public_hex }));
        audit::append(&mut tx, audit::record(audit, "rotate", "signing_key", "certification", None, Some(after)))
            .await?;
        tx.commit().await.db()
    }

    async fn retired_keys(&self) -> Result<Vec<String>> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(RETIRED)
            .fetch_optional(self.pool())
            .await
            .db()?;
        Ok(v.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default())
    }
}
