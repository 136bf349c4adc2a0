//! The standards catalogue and readiness assessments (see
//! `naikkelas_store::readiness`). Writes lock the enterprise row, then append
//! their audit entry in the same transaction (the audit head is locked last).

use crate::registry::lock_id;
use crate::{audit, corrupt, db, PgStore};
use async_trait::async_trait;
use naikkelas_core::standards::score::Answer;
use naikkelas_core::standards::Standard;
use naikkelas_core::{Nib, RegionCode, RegionLevel, Scope};
use naikkelas_store::readiness::*;
use naikkelas_store::{rfc3339, standards_data, AuditContext, Result, StoreError};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};
use time::OffsetDateTime;

/// Serialises concurrent catalogue loads (two nodes starting at once).
const CATALOGUE_LOCK: i64 = 0x6e6b_7374_6400;

fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("records serialise")
}

/// Loads the shipped catalogue when its stamp differs from the stored one.
pub(crate) async fn load_catalogue(pool: &PgPool) -> Result<()> {
    let c = standards_data::shipped().map_err(StoreError::backend)?;
    let mut tx = pool.begin().await.map_err(db)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CATALOGUE_LOCK).execute(&mut *tx).await.map_err(db)?;
    let stored: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(standards_data::STAMP_KEY)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    if stored.as_deref() == Some(c.version.as_str()) {
        return Ok(());
    }
    sqlx::query("DELETE FROM standards").execute(&mut *tx).await.map_err(db)?;
    let mut v: Vec<&Standard> = c.standards.values().collect();
    v.sort_by(|a, b| {
        (a.kind.as_str() != "management_system", &a.code).cmp(&(b.kind.as_str() != "management_system", &b.code))
    });
    for (position, s) in v.into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO standards (code, kind, number, revision, position, body) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.code)
        .bind(s.kind.as_str())
        .bind(&s.number)
        .bind(&s.revision)
        .bind(position as i32)
        .bind(json(s))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
        .bind(standards_data::STAMP_KEY)
        .bind(&c.version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)
}

fn standard_of(body: &str) -> Result<Standard> {
    serde_json::from_str(body).map_err(|e| corrupt("standard", e))
}

fn answer_of(s: &str) -> Result<Answer> {
    Answer::parse(s).ok_or_else(|| corrupt("answer", s))
}

fn status_of(s: &str) -> Result<AssessmentStatus> {
    AssessmentStatus::parse(s).ok_or_else(|| corrupt("assessment status", s))
}

/// The L2 input for the enterprise with row id `id`.
pub(crate) async fn ready(conn: &mut PgConnection, id: i64) -> Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM assessments a \
         WHERE a.enterprise_id = $1 AND a.status = 'completed' AND a.meets_threshold \
           AND a.id = (SELECT max(b.id) FROM assessments b WHERE b.enterprise_id = a.enterprise_id \
                       AND b.standard_code = a.standard_code AND b.status = 'completed') \
           AND NOT EXISTS (SELECT 1 FROM assessment_actions x \
                           WHERE x.assessment_id = a.id AND x.critical AND x.status <> 'done'))",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)
}

/// Locks the assessment's enterprise row and the assessment; its status and enterprise id.
async fn head(conn: &mut PgConnection, id: i64) -> Result<(AssessmentStatus, i64)> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT status, enterprise_id FROM assessments WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    let (status, eid) = row.ok_or(StoreError::NotFound)?;
    Ok((status_of(&status)?, eid))
}

fn action_of(r: &PgRow) -> Result<ActionRecord> {
    let status: String = r.get("status");
    let updated: OffsetDateTime = r.get("updated_at");
    Ok(ActionRecord {
        id: r.get("id"),
        item_id: r.get("item_id"),
        critical: r.get("critical"),
        priority: r.get::<i32, _>("priority") as u32,
        text: r.get("text"),
        owner: r.get("owner"),
        due_date: r.get("due_date"),
        status: ActionStatus::parse(&status).ok_or_else(|| corrupt("action status", &status))?,
        updated_at: rfc3339(updated),
    })
}

const ACTION_COLUMNS: &str = "id, item_id, critical, priority, text, owner, due_date, status, updated_at";

#[async_trait]
impl ReadinessStore for PgStore {
    async fn standards(&self) -> Result<Vec<Standard>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT body FROM standards ORDER BY position")
            .fetch_all(&self.primary)
            .await
            .map_err(db)?;
        rows.iter().map(|(b,)| standard_of(b)).collect()
    }

    async fn standard(&self, code: &str) -> Result<Option<Standard>> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM standards WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.primary)
            .await
            .map_err(db)?;
        body.as_deref().map(standard_of).transpose()
    }

    async fn catalogue_version(&self) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(standards_data::STAMP_KEY)
            .fetch_optional(&self.primary)
            .await
            .map_err(db)
    }

    async fn start_assessment(&self, nib: &Nib, standard: &Standard, ctx: &AuditContext) -> Result<i64> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let eid = lock_id(&mut tx, nib).await?;
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM assessments WHERE enterprise_id = $1 AND standard_code = $2 AND status = 'in_progress'",
        )
        .bind(eid)
        .bind(&standard.code)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(open) = open {
            return Err(already_open_error(open));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO assessments (enterprise_id, standard_code, standard_revision, status, started_by, started_at, \
             updated_at) VALUES ($1, $2, $3, 'in_progress', $4, $5, $5) RETURNING id",
        )
        .bind(eid)
        .bind(&standard.code)
        .bind(&standard.revision)
        .bind(&ctx.actor)
        .bind(ctx.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let after = serde_json::json!({"nib": nib, "standard": standard.code, "revision": standard.revision});
        audit::record(&mut tx, ctx, "start_assessment", "assessment", &id.to_string(), None, Some(after.to_string()))
            .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn assessment(&self, id: i64) -> Result<Option<AssessmentRecord>> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let Some(r) = sqlx::query(
            "SELECT a.id, e.nib, e.regency_code, a.standard_code, a.standard_revision, a.status, a.started_by, \
                    a.started_at, a.updated_at, a.completed_at, a.score_permille, a.meets_threshold \
             FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let mut answers = Vec::new();
        for a in sqlx::query(
            "SELECT item_id, answer, evidence, answered_by, answered_at FROM assessment_answers \
             WHERE assessment_id = $1 ORDER BY item_id COLLATE \"C\"",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        {
            let answer: String = a.get("answer");
            let at: OffsetDateTime = a.get("answered_at");
            answers.push(AnswerRecord {
                item_id: a.get("item_id"),
                answer: answer_of(&answer)?,
                evidence: a.get("evidence"),
                answered_by: a.get("answered_by"),
                answered_at: rfc3339(at),
            });
        }
        let sql = format!("SELECT {ACTION_COLUMNS} FROM assessment_actions WHERE assessment_id = $1 ORDER BY position");
        let actions = sqlx::query(&sql)
            .bind(id)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            .iter()
            .map(action_of)
            .collect::<Result<Vec<_>>>()?;
        tx.commit().await.map_err(db)?;
        let nib: String = r.get("nib");
        let regency: String = r.get("regency_code");
        let status: String = r.get("status");
        let started: OffsetDateTime = r.get("started_at");
        let updated: OffsetDateTime = r.get("updated_at");
        let completed: Option<OffsetDateTime> = r.get("completed_at");
        let score: Option<i32> = r.get("score_permille");
        Ok(Some(AssessmentRecord {
            id,
            nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
            regency: RegionCode::parse(&regency).map_err(|_| corrupt("regency", &regency))?,
            standard: r.get("standard_code"),
            standard_revision: r.get("standard_revision"),
            status: status_of(&status)?,
            started_by: r.get("started_by"),
            started_at: rfc3339(started),
            updated_at: rfc3339(updated),
            completed_at: completed.map(rfc3339),
            score_permille: score.map(|s| s as u32),
            meets_threshold: r.get("meets_threshold"),
            answers,
            actions,
        }))
    }

    async fn assessments_of(&self, nib: &Nib) -> Result<Vec<AssessmentSummary>> {
        let rows = sqlx::query(
            "SELECT a.id, a.standard_code, a.status, a.started_at, a.completed_at, a.score_permille, a.meets_threshold, \
                    (SELECT count(*) FROM assessment_answers x WHERE x.assessment_id = a.id) AS answered \
             FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id \
             WHERE e.nib = $1 ORDER BY a.id DESC",
        )
        .bind(nib.as_str())
        .fetch_all(&self.primary)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let status: String = r.get("status");
                let started: OffsetDateTime = r.get("started_at");
                let completed: Option<OffsetDateTime> = r.get("completed_at");
                let score: Option<i32> = r.get("score_permille");
                Ok(AssessmentSummary {
                    id: r.get("id"),
                    standard: r.get("standard_code"),
                    status: status_of(&status)?,
                    started_at: rfc3339(started),
                    completed_at: completed.map(rfc3339),
                    score_permille: score.map(|s| s as u32),
                    meets_threshold: r.get("meets_threshold"),
                    answered: r.get("answered"),
                })
            })
            .collect()
    }

    async fn save_answers(&self, id: i64, answers: &[AnswerInput], ctx: &AuditContext) -> Result<()> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let (status, _) = head(&mut tx, id).await?;
        if status == AssessmentStatus::Completed {
            return Err(completed_error());
        }
        for a in answers {
            sqlx::query(
                "INSERT INTO assessment_answers (assessment_id, item_id, answer, evidence, answered_by, answered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (assessment_id, item_id) DO UPDATE SET answer = EXCLUDED.answer, \
                     evidence = EXCLUDED.evidence, answered_by = EXCLUDED.answered_by, answered_at = EXCLUDED.answered_at",
            )
            .bind(id)
            .bind(&a.item_id)
            .bind(a.answer.as_str())
            .bind(&a.evidence)
            .bind(&ctx.actor)
            .bind(ctx.at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        sqlx::query("UPDATE assessments SET updated_at = $1 WHERE id = $2")
            .bind(ctx.at)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit::record(&mut tx, ctx, "answer", "assessment", &id.to_string(), None, Some(json(answers))).await?;
        tx.commit().await.map_err(db)
    }

    async fn complete_assessment(&self, id: i64, c: &Completion, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let (status, eid) = head(&mut tx, id).await?;
        if status == AssessmentStatus::Completed {
            return Err(completed_error());
        }
        sqlx::query(
            "UPDATE assessments SET status = 'completed', completed_at = $1, updated_at = $1, score_permille = $2, \
             meets_threshold = $3 WHERE id = $4",
        )
        .bind(ctx.at)
        .bind(c.score_permille.map(|s| s as i32))
        .bind(c.meets_threshold)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if !c.actions.is_empty() {
            let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
                "INSERT INTO assessment_actions (assessment_id, position, item_id, critical, priority, owner, due_date, \
                 status, updated_at) ",
            );
            qb.push_values(c.actions.iter().enumerate(), |mut b, (i, a)| {
                b.push_bind(id)
                    .push_bind(i as i32)
                    .push_bind(a.item_id.clone())
                    .push_bind(a.critical)
                    .push_bind(a.priority as i32)
                    .push_bind(a.owner.clone())
                    .push_bind(a.due_date)
                    .push_bind("open")
                    .push_bind(ctx.at);
            });
            qb.build().execute(&mut *tx).await.map_err(db)?;
        }
        crate::registry::refresh_quality(&mut tx, eid, ctx).await?;
        audit::record(&mut tx, ctx, "complete_assessment", "assessment", &id.to_string(), None, Some(json(c))).await?;
        tx.commit().await.map_err(db)
    }

    async fn update_action(
        &self,
        assessment_id: i64,
        action_id: i64,
        u: &ActionUpdate,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let (_, eid) = head(&mut tx, assessment_id).await?;
        let sql =
            format!("SELECT {ACTION_COLUMNS} FROM assessment_actions WHERE id = $1 AND assessment_id = $2 FOR UPDATE");
        let before = sqlx::query(&sql)
            .bind(action_id)
            .bind(assessment_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        let before = action_of(&before)?;
        sqlx::query(
            "UPDATE assessment_actions SET text = $1, owner = $2, due_date = $3, status = $4, updated_at = $5 \
             WHERE id = $6",
        )
        .bind(&u.text)
        .bind(&u.owner)
        .bind(u.due_date)
        .bind(u.status.as_str())
        .bind(ctx.at)
        .bind(action_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        crate::registry::refresh_quality(&mut tx, eid, ctx).await?;
        let after = serde_json::json!({"action_id": action_id, "update": u});
        audit::record(
            &mut tx,
            ctx,
            "update_action",
            "assessment",
            &assessment_id.to_string(),
            Some(json(&before)),
            Some(after.to_string()),
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn assessment_ready(&self, nib: &Nib) -> Result<bool> {
        let mut conn = self.primary.acquire().await.map_err(db)?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM enterprises WHERE nib = $1")
            .bind(nib.as_str())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        match id {
            Some(id) => ready(&mut conn, id).await,
            None => Ok(false),
        }
    }

    async fn latest_in_scope(&self, scope: &Scope) -> Result<Vec<LatestAssessment>> {
        if *scope == Scope::Nothing {
            return Ok(Vec::new());
        }
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
            "SELECT a.id, e.nib, e.regency_code, a.standard_code, a.score_permille, \
                    ARRAY(SELECT x.item_id FROM assessment_actions x WHERE x.assessment_id = a.id ORDER BY x.position) \
                        AS gaps \
             FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id \
             WHERE a.status = 'completed' \
               AND a.id = (SELECT max(b.id) FROM assessments b WHERE b.enterprise_id = a.enterprise_id \
                           AND b.standard_code = a.standard_code AND b.status = 'completed')",
        );
        match scope {
            Scope::National | Scope::Nothing => {}
            Scope::Region(r) => {
                let column = match r.level() {
                    RegionLevel::Province => " AND e.province_code = ",
                    RegionLevel::Regency => " AND e.regency_code = ",
                    RegionLevel::District => " AND e.district_code = ",
                };
                qb.push(column).push_bind(r.as_str().to_string());
            }
            Scope::Enterprise(n) => {
                qb.push(" AND e.nib = ").push_bind(n.as_str().to_string());
            }
        }
        qb.push(" ORDER BY a.standard_code COLLATE \"C\", e.nib");
        let rows = qb.build().fetch_all(&self.primary).await.map_err(db)?;
        rows.iter()
            .map(|r| {
                let nib: String = r.get("nib");
                let regency: String = r.get("regency_code");
                let score: Option<i32> = r.get("score_permille");
                Ok(LatestAssessment {
                    assessment_id: r.get("id"),
                    nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
                    regency: RegionCode::parse(&regency).map_err(|_| corrupt("regency", &regency))?,
                    standard: r.get("standard_code"),
                    score_permille: score.map(|s| s as u32),
                    gap_items: r.get("gaps"),
                })
            })
            .collect()
    }
}
