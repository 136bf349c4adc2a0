//! Certification on PostgreSQL: bodies, applications, findings, history, the
//! public lookup and the signing key. Each write is one transaction with its
//! audit entry; the certification row is locked before the audit head.

use crate::audit;
use crate::{db, PgStore};
use async_trait::async_trait;
use naikkelas_core::audit::AuditRecord;
use naikkelas_core::certification::{BodyKind, CertificateNumber, FindingGrade, Scheme, State};
use naikkelas_core::{FieldError, Nib, Scope};
use naikkelas_store::certification::*;
use naikkelas_store::{AuditContext, Result, StoreError};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use time::Date;

const KEY: &str = "certification_signing_key";
const RETIRED: &str = "certification_retired_keys";

const COLUMNS: &str = "SELECT c.id, e.nib, e.name AS business_name, e.regency_code, c.body_id, b.code AS body_code, \
     b.name AS body_name, c.standard_code, s.title AS standard_title, c.scheme, c.scope, c.applied_on, c.state, \
     c.number, c.decided_on, c.issued_on, c.expires_on, c.last_surveillance_on, c.surveillance_due_on, \
     c.testing_passed, c.reason, c.state_since, c.version \
     FROM certifications c JOIN enterprises e ON e.id = c.enterprise_id \
     JOIN certification_bodies b ON b.id = c.body_id JOIN certification_standards s ON s.code = c.standard_code";

fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("domain records always serialise")
}

fn corrupt(what: &str, value: impl std::fmt::Debug) -> StoreError {
    StoreError::Backend(format!("stored {what} {value:?} is not valid"))
}

/// The audit record of a store write, as the SQLite backend writes it.
fn record(
    ctx: &AuditContext,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before: Option<String>,
    after: Option<String>,
) -> AuditRecord {
    AuditRecord {
        at: ctx.at_text(),
        actor: ctx.actor.clone(),
        action: action.to_string(),
        entity_type: entity_type.to_string(),
        entity_id: entity_id.to_string(),
        before,
        after,
    }
}

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

fn status_from(r: &PgRow) -> Result<CertStatus> {
    let number: Option<String> = r.try_get("number").map_err(db)?;
    Ok(CertStatus {
        state: state_of(&r.try_get::<String, _>("state").map_err(db)?)?,
        number: number
            .map(|n| CertificateNumber::parse(&n).map_err(|_| corrupt("certificate number", &n)))
            .transpose()?,
        decided_on: parse_day(r.try_get("decided_on").map_err(db)?)?,
        issued_on: parse_day(r.try_get("issued_on").map_err(db)?)?,
        expires_on: parse_day(r.try_get("expires_on").map_err(db)?)?,
        last_surveillance_on: parse_day(r.try_get("last_surveillance_on").map_err(db)?)?,
        surveillance_due_on: parse_day(r.try_get("surveillance_due_on").map_err(db)?)?,
        testing_passed: r.try_get("testing_passed").map_err(db)?,
        reason: r.try_get("reason").map_err(db)?,
    })
}

fn record_from(r: &PgRow) -> Result<CertificationRecord> {
    let nib: String = r.try_get("nib").map_err(db)?;
    let scheme: String = r.try_get("scheme").map_err(db)?;
    Ok(CertificationRecord {
        id: r.try_get("id").map_err(db)?,
        nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
        business_name: r.try_get("business_name").map_err(db)?,
        regency_code: r.try_get("regency_code").map_err(db)?,
        body_id: r.try_get("body_id").map_err(db)?,
        body_code: r.try_get("body_code").map_err(db)?,
        body_name: r.try_get("body_name").map_err(db)?,
        standard_code: r.try_get("standard_code").map_err(db)?,
        standard_title: r.try_get("standard_title").map_err(db)?,
        scheme: Scheme::parse(&scheme).ok_or_else(|| corrupt("scheme", &scheme))?,
        scope: r.try_get("scope").map_err(db)?,
        applied_on: parse_day(r.try_get("applied_on").map_err(db)?)?.ok_or_else(|| corrupt("applied_on", "null"))?,
        status: status_from(r)?,
        state_since: r.try_get("state_since").map_err(db)?,
        version: r.try_get("version").map_err(db)?,
        findings: Vec::new(),
        events: Vec::new(),
    })
}

fn event_from(r: &PgRow) -> Result<EventRecord> {
    let from: Option<String> = r.try_get("from_state").map_err(db)?;
    Ok(EventRecord {
        certification_id: r.try_get("certification_id").map_err(db)?,
        seq: r.try_get("seq").map_err(db)?,
        at: r.try_get("at").map_err(db)?,
        actor: r.try_get("actor").map_err(db)?,
        event: r.try_get("event").map_err(db)?,
        from_state: from.as_deref().map(state_of).transpose()?,
        to_state: state_of(&r.try_get::<String, _>("to_state").map_err(db)?)?,
        note: r.try_get("note").map_err(db)?,
    })
}

fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, q: &CertificationQuery) {
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
    conn: &mut PgConnection,
    id: i64,
    audit: &AuditContext,
    event: &str,
    from: Option<State>,
    to: State,
    note: Option<&str>,
) -> Result<()> {
    let seq: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM certification_events WHERE certification_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
    sqlx::query(
        "INSERT INTO certification_events (certification_id, seq, at, actor, event, from_state, to_state, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
    .map_err(db)?;
    Ok(())
}

#[async_trait]
impl CertificationStore for PgStore {
    async fn standards(&self) -> Result<Vec<StandardRecord>> {
        let rows = sqlx::query(
            "SELECT code, title, scheme, validity_months, source FROM certification_standards ORDER BY scheme DESC, code",
        )
        .fetch_all(&self.primary)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let scheme: String = r.try_get("scheme").map_err(db)?;
                Ok(StandardRecord {
                    code: r.try_get("code").map_err(db)?,
                    title: r.try_get("title").map_err(db)?,
                    scheme: Scheme::parse(&scheme).ok_or_else(|| corrupt("scheme", &scheme))?,
                    validity_months: r.try_get("validity_months").map_err(db)?,
                    source: r.try_get("source").map_err(db)?,
                })
            })
            .collect()
    }

    async fn create_body(&self, b: &NewBody, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM certification_bodies WHERE code = $1")
            .bind(&b.code)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if exists.is_some() {
            return Err(StoreError::Conflict(FieldError::new("code", "body.duplicate").with("value", &b.code)));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO certification_bodies (code, name, kind, kan_number, scope) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&b.code)
        .bind(&b.name)
        .bind(b.kind.as_str())
        .bind(&b.kan_number)
        .bind(json(&b.scope))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let after = json(
            &serde_json::json!({"code": b.code, "name": b.name, "kind": b.kind, "kan_number": b.kan_number, "scope": b.scope}),
        );
        audit::append(&mut tx, record(audit, "create", "certification_body", &id.to_string(), None, Some(after)))
            .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn bodies(&self) -> Result<Vec<BodyRecord>> {
        let rows =
            sqlx::query("SELECT id, code, name, kind, kan_number, scope FROM certification_bodies ORDER BY code")
                .fetch_all(&self.primary)
                .await
                .map_err(db)?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind").map_err(db)?;
                let scope: String = r.try_get("scope").map_err(db)?;
                Ok(BodyRecord {
                    id: r.try_get("id").map_err(db)?,
                    code: r.try_get("code").map_err(db)?,
                    name: r.try_get("name").map_err(db)?,
                    kind: BodyKind::parse(&kind).ok_or_else(|| corrupt("body kind", &kind))?,
                    kan_number: r.try_get("kan_number").map_err(db)?,
                    scope: serde_json::from_str(&scope).map_err(|_| corrupt("body scope", &scope))?,
                })
            })
            .collect()
    }

    async fn assign_certifier(&self, user_id: i64, body_id: i64, audit: &AuditContext) -> Result<()> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let ok: Option<i64> =
            sqlx::query_scalar("SELECT u.id FROM users u, certification_bodies b WHERE u.id = $1 AND b.id = $2")
                .bind(user_id)
                .bind(body_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        if ok.is_none() {
            return Err(StoreError::NotFound);
        }
        let before: Option<i64> = sqlx::query_scalar("SELECT body_id FROM certifier_bodies WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO certifier_bodies (user_id, body_id) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET body_id = excluded.body_id",
        )
        .bind(user_id)
        .bind(body_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let rec = record(
            audit,
            "assign_body",
            "user",
            &user_id.to_string(),
            before.map(|b| json(&serde_json::json!({ "body_id": b }))),
            Some(json(&serde_json::json!({ "body_id": body_id }))),
        );
        audit::append(&mut tx, rec).await?;
        tx.commit().await.map_err(db)
    }

    async fn certifier_body(&self, user_id: i64) -> Result<Option<i64>> {
        sqlx::query_scalar("SELECT body_id FROM certifier_bodies WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.primary)
            .await
            .map_err(db)
    }

    async fn apply(&self, a: &NewApplication, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let enterprise: Option<i64> = sqlx::query_scalar("SELECT id FROM enterprises WHERE nib = $1")
            .bind(a.nib.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let body: Option<i64> = sqlx::query_scalar("SELECT id FROM certification_bodies WHERE id = $1")
            .bind(a.body_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let standard: Option<String> = sqlx::query_scalar("SELECT code FROM certification_standards WHERE code = $1")
            .bind(&a.standard_code)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let (Some(enterprise), Some(_), Some(_)) = (enterprise, body, standard) else {
            return Err(StoreError::NotFound);
        };
        let at = audit.at_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO certifications (enterprise_id, body_id, standard_code, scheme, scope, applied_on, state,
                 state_since, version, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'applied', $7, 1, $8) RETURNING id",
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
        .map_err(db)?;
        append_event(&mut tx, id, audit, "apply", None, State::Applied, None).await?;
        let after = json(&serde_json::json!({
            "nib": a.nib, "body_id": a.body_id, "standard": a.standard_code, "scope": a.scope,
            "status": CertStatus::applied(),
        }));
        audit::append(&mut tx, record(audit, "apply", "certification", &id.to_string(), None, Some(after))).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn certification(&self, id: i64) -> Result<Option<CertificationRecord>> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let sql = format!("{COLUMNS} WHERE c.id = $1");
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await.map_err(db)? else {
            return Ok(None);
        };
        let mut rec = record_from(&row)?;
        let rows = sqlx::query(
            "SELECT id, grade, clause, description, raised_at, raised_by, corrective_action, evidence, closed_at, closed_by
             FROM certification_findings WHERE certification_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for r in &rows {
            let grade: String = r.try_get("grade").map_err(db)?;
            rec.findings.push(FindingRecord {
                id: r.try_get("id").map_err(db)?,
                grade: FindingGrade::parse(&grade).ok_or_else(|| corrupt("finding grade", &grade))?,
                clause: r.try_get("clause").map_err(db)?,
                description: r.try_get("description").map_err(db)?,
                raised_at: r.try_get("raised_at").map_err(db)?,
                raised_by: r.try_get("raised_by").map_err(db)?,
                corrective_action: r.try_get("corrective_action").map_err(db)?,
                evidence: r.try_get("evidence").map_err(db)?,
                closed_at: r.try_get("closed_at").map_err(db)?,
                closed_by: r.try_get("closed_by").map_err(db)?,
            });
        }
        let rows = sqlx::query(
            "SELECT certification_id, seq, at, actor, event, from_state, to_state, note
             FROM certification_events WHERE certification_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        rec.events = rows.iter().map(event_from).collect::<Result<_>>()?;
        tx.commit().await.map_err(db)?;
        Ok(Some(rec))
    }

    async fn list_certifications(&self, q: &CertificationQuery) -> Result<Vec<CertificationRecord>> {
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(COLUMNS);
        push_filters(&mut qb, q);
        qb.push(" ORDER BY c.id DESC LIMIT ").push_bind(i64::from(q.limit));
        let rows = qb.build().fetch_all(&self.primary).await.map_err(db)?;
        rows.iter().map(record_from).collect()
    }

    async fn events_in(&self, q: &CertificationQuery) -> Result<Vec<EventRecord>> {
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
            "SELECT v.certification_id, v.seq, v.at, v.actor, v.event, v.from_state, v.to_state, v.note
             FROM certification_events v JOIN certifications c ON c.id = v.certification_id
             JOIN enterprises e ON e.id = c.enterprise_id",
        );
        push_filters(&mut qb, q);
        qb.push(" ORDER BY v.certification_id, v.seq");
        let rows = qb.build().fetch_all(&self.primary).await.map_err(db)?;
        rows.iter().map(event_from).collect()
    }

    async fn record_event(&self, id: i64, w: &EventWrite, audit: &AuditContext) -> Result<Option<i64>> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let sql = format!("{COLUMNS} WHERE c.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await.map_err(db)?.ok_or(StoreError::NotFound)?;
        let before = record_from(&row)?;
        if before.version != w.expected_version {
            return Err(StoreError::StaleVersion);
        }
        let s = &w.after;
        let state_since = if s.state == before.status.state { before.state_since.clone() } else { audit.at_text() };
        let updated = sqlx::query(
            "UPDATE certifications SET state = $1, number = $2, decided_on = $3, issued_on = $4, expires_on = $5,
                 last_surveillance_on = $6, surveillance_due_on = $7, testing_passed = $8, reason = $9, state_since = $10,
                 version = version + 1
             WHERE id = $11 AND version = $12",
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
        .map_err(db)?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::StaleVersion);
        }
        let mut new_finding = None;
        if let Some(f) = &w.new_finding {
            let fid: i64 = sqlx::query_scalar(
                "INSERT INTO certification_findings (certification_id, grade, clause, description, raised_at, raised_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(id)
            .bind(f.grade.as_str())
            .bind(&f.clause)
            .bind(&f.description)
            .bind(audit.at_text())
            .bind(&audit.actor)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            new_finding = Some(fid);
        }
        if let Some(c) = &w.close_finding {
            let done = sqlx::query(
                "UPDATE certification_findings SET corrective_action = $1, evidence = $2, closed_at = $3, closed_by = $4
                 WHERE id = $5 AND certification_id = $6 AND closed_at IS NULL",
            )
            .bind(&c.corrective_action)
            .bind(&c.evidence)
            .bind(audit.at_text())
            .bind(&audit.actor)
            .bind(c.finding_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
        }
        append_event(&mut tx, id, audit, w.event.as_str(), Some(before.status.state), s.state, w.note.as_deref())
            .await?;
        // Issue, suspension, withdrawal, expiry and restoration move the holder on the ladder at once.
        if s.state.has_certificate() || before.status.state.has_certificate() {
            let eid: i64 = sqlx::query_scalar("SELECT enterprise_id FROM certifications WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
            crate::registry::refresh_quality(&mut tx, eid, audit).await?;
        }
        let detail = |status: &CertStatus| {
            json(&serde_json::json!({
                "status": status, "note": w.note, "finding": new_finding,
                "closed_finding": w.close_finding.as_ref().map(|c| c.finding_id),
            }))
        };
        let rec = record(
            audit,
            w.event.as_str(),
            "certification",
            &id.to_string(),
            Some(json(&serde_json::json!({ "status": before.status }))),
            Some(detail(s)),
        );
        audit::append(&mut tx, rec).await?;
        tx.commit().await.map_err(db)?;
        Ok(new_finding)
    }

    async fn public_certificate(&self, number: &str) -> Result<Option<PublicCertificate>> {
        let row = sqlx::query(
            "SELECT c.number, c.state, c.scheme, c.standard_code, s.title AS standard_title, c.scope, c.issued_on,
                    c.expires_on, c.surveillance_due_on, c.reason, e.nib, e.name AS business_name, e.regency_code,
                    b.name AS body_name
             FROM certifications c JOIN enterprises e ON e.id = c.enterprise_id
             JOIN certification_bodies b ON b.id = c.body_id JOIN certification_standards s ON s.code = c.standard_code
             WHERE c.number = $1",
        )
        .bind(number)
        .fetch_optional(&self.primary)
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let number: String = r.try_get("number").map_err(db)?;
        let nib: String = r.try_get("nib").map_err(db)?;
        let scheme: String = r.try_get("scheme").map_err(db)?;
        Ok(Some(PublicCertificate {
            number: CertificateNumber::parse(&number).map_err(|_| corrupt("certificate number", &number))?,
            state: state_of(&r.try_get::<String, _>("state").map_err(db)?)?,
            scheme: Scheme::parse(&scheme).ok_or_else(|| corrupt("scheme", &scheme))?,
            standard_code: r.try_get("standard_code").map_err(db)?,
            standard_title: r.try_get("standard_title").map_err(db)?,
            scope: r.try_get("scope").map_err(db)?,
            issued_on: parse_day(r.try_get("issued_on").map_err(db)?)?,
            expires_on: parse_day(r.try_get("expires_on").map_err(db)?)?,
            surveillance_due_on: parse_day(r.try_get("surveillance_due_on").map_err(db)?)?,
            reason: r.try_get("reason").map_err(db)?,
            nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
            business_name: r.try_get("business_name").map_err(db)?,
            regency_code: r.try_get("regency_code").map_err(db)?,
            body_name: r.try_get("body_name").map_err(db)?,
        }))
    }

    async fn signing_key(&self) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(KEY)
            .fetch_optional(&self.primary)
            .await
            .map_err(db)
    }

    async fn init_signing_key(&self, secret_hex: &str, audit: &AuditContext) -> Result<String> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let done = sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(KEY)
            .bind(secret_hex)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if done.rows_affected() == 1 {
            audit::append(&mut tx, record(audit, "create", "signing_key", "certification", None, None)).await?;
        }
        let key: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(KEY)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(key)
    }

    async fn rotate_signing_key(&self, secret_hex: &str, retired_public_hex: &str, audit: &AuditContext) -> Result<()> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let retired: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(RETIRED)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let mut list: Vec<String> = retired.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default();
        list.push(retired_public_hex.to_string());
        for (k, v) in [(KEY, secret_hex.to_string()), (RETIRED, json(&list))] {
            sqlx::query(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(k)
            .bind(v)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        let after = json(&serde_json::json!({ "retired_public_key": retired_public_hex }));
        audit::append(&mut tx, record(audit, "rotate", "signing_key", "certification", None, Some(after))).await?;
        tx.commit().await.map_err(db)
    }

    async fn retired_keys(&self) -> Result<Vec<String>> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(RETIRED)
            .fetch_optional(&self.primary)
            .await
            .map_err(db)?;
        Ok(v.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default())
    }
}
