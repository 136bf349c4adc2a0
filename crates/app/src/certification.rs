//! Certification use cases: bodies and certifiers, applications through
//! certificates, the pipeline, public verification and signed QR payloads.
//!
//! Who does what (DESIGN.md §1, issue 6):
//! - owners apply for their own enterprise, officers for enterprises in
//!   their region, administrators for any;
//! - certifiers of the chosen body review, audit, record findings and tests,
//!   decide and issue, surveil, suspend, reinstate, renew and withdraw; a
//!   certifier of another body is refused;
//! - ministry and officers follow the pipeline; anyone verifies.
//!
//! The state machine is `naikkelas_core::certification::lifecycle`; this
//! module turns its answer into dates (validity from the standard's
//! catalogue entry, surveillance schedule) and one store write.

use crate::error::{AppError, AppResult};
use crate::service::Service;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use naikkelas_core::certification::lifecycle::{self, Facts};
use naikkelas_core::certification::schedule::{self, LiveStatus};
use naikkelas_core::certification::{BodyKind, CertificateNumber, Event, FindingGrade, QrClaims, Scheme, State};
use naikkelas_core::{Actor, FieldError, Nib, Role, Scope, ValidationErrors};
use naikkelas_store::certification::*;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::Date;

/// How long a public answer may be reused. A transition made through this
/// process clears the cache at once, so "suspended" shows immediately on the
/// node that recorded it; another web node's transition shows here within
/// this time. Unknown numbers are cached too, so a cache hit says nothing
/// about whether a number exists.
const PUBLIC_TTL: Duration = Duration::from_secs(1);
const PUBLIC_CACHE_MAX: usize = 20_000;

/// The public certificate lookups of the last second, by number.
#[derive(Default)]
pub struct PublicCache {
    entries: Mutex<HashMap<String, (Instant, Option<PublicCertificate>)>>,
}

impl PublicCache {
    fn get(&self, number: &str) -> Option<Option<PublicCertificate>> {
        let m = self.entries.lock().expect("public cache lock");
        m.get(number).filter(|(at, _)| at.elapsed() < PUBLIC_TTL).map(|(_, v)| v.clone())
    }

    fn put(&self, number: &str, value: Option<PublicCertificate>) {
        let mut m = self.entries.lock().expect("public cache lock");
        if m.len() >= PUBLIC_CACHE_MAX {
            m.clear();
        }
        m.insert(number.to_string(), (Instant::now(), value));
    }

    pub fn clear(&self) {
        self.entries.lock().expect("public cache lock").clear();
    }
}

/// An application as typed in a form or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplicationDraft {
    pub nib: String,
    pub body: String,
    pub standard: String,
    pub scope: String,
}

/// A certification body as typed by an administrator.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BodyDraft {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kan_number: String,
    /// Standard codes, comma-separated or one per line.
    pub scope: String,
}

/// One step of the lifecycle as sent by a form or the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventInput {
    pub event: String,
    /// Reason (suspension, withdrawal, refusal) or remark.
    #[serde(default)]
    pub note: Option<String>,
    /// `record_finding`: `major`, `minor` or `observation`.
    #[serde(default)]
    pub grade: Option<String>,
    #[serde(default)]
    pub clause: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `close_finding`: which finding, the corrective action and its evidence.
    #[serde(default)]
    pub finding_id: Option<i64>,
    #[serde(default)]
    pub corrective_action: Option<String>,
    #[serde(default)]
    pub evidence: Option<String>,
    /// `record_test`: did the laboratory test pass.
    #[serde(default)]
    pub passed: Option<bool>,
}

/// A certification as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificationView {
    pub record: CertificationRecord,
    /// Status of the certificate today (None before a grant or after a refusal).
    pub live: Option<LiveStatus>,
    /// Events the viewer may send now (empty for those who only follow).
    pub allowed: Vec<Event>,
}

/// What the public check answers: no personal data.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyView {
    pub number: String,
    pub status: LiveStatus,
    pub business_name: String,
    pub nib: String,
    pub regency_code: String,
    pub regency: String,
    pub province: String,
    pub standard: String,
    pub standard_title: String,
    pub scheme: Scheme,
    pub scope: String,
    pub body: String,
    pub issued_on: Option<Date>,
    pub expires_on: Option<Date>,
    /// Why it is suspended or withdrawn (set by the certifier, never personal).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DueItem {
    pub id: i64,
    pub number: Option<String>,
    pub business_name: String,
    pub regency_code: String,
    pub standard: String,
    /// `surveillance` or `expiry`.
    pub kind: &'static str,
    pub due_on: Date,
}

/// The pipeline as ministry and officers follow it.
#[derive(Debug, Clone, Serialize)]
pub struct Pipeline {
    /// Every state with its count (zero included), in lifecycle order.
    pub counts: Vec<(State, i64)>,
    /// Mean days spent in each state (stays still open count up to today).
    pub mean_days: Vec<(State, f64)>,
    /// Surveillance or expiry within the next 90 days, soonest first.
    pub due: Vec<DueItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub expired: usize,
    pub suspended: usize,
}

/// Published verification keys.
#[derive(Debug, Clone, Serialize)]
pub struct PublicKeys {
    pub algorithm: &'static str,
    /// base64url of the 32-byte Ed25519 public key.
    pub current: String,
    pub key_id: String,
    /// Earlier keys (after a rotation), base64url.
    pub retired: Vec<String>,
}

pub const DUE_WINDOW_DAYS: i64 = 90;
const SYSTEM: &str = "system";

fn text(v: &Option<String>) -> &str {
    v.as_deref().map(str::trim).unwrap_or("")
}

fn need(e: &mut ValidationErrors, field: &str, v: &str, max: usize) -> String {
    if v.is_empty() {
        e.push(FieldError::new(field, "required"));
    } else if v.chars().count() > max {
        e.push(FieldError::new(field, "text.too_long").with("max", max));
    }
    v.to_string()
}

/// The key id printed in payloads: first 16 hex digits of the public key's SHA-256.
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))[..16].to_string()
}

/// Signs claims into the QR payload: `base64url(message).base64url(signature)`.
pub fn sign_payload(key: &SigningKey, claims: &QrClaims) -> String {
    let msg = claims.message();
    let sig = key.sign(msg.as_bytes());
    format!("{}.{}", URL_SAFE_NO_PAD.encode(msg.as_bytes()), URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

/// Parses a public key published as base64url (or hex).
pub fn parse_public_key(s: &str) -> Result<VerifyingKey, FieldError> {
    let s = s.trim();
    let bytes = URL_SAFE_NO_PAD.decode(s).ok().filter(|b| b.len() == 32).or_else(|| hex::decode(s).ok());
    let arr: [u8; 32] = bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| FieldError::new("key", "qr.bad_key"))?;
    VerifyingKey::from_bytes(&arr).map_err(|_| FieldError::new("key", "qr.bad_key"))
}

/// Checks a payload offline against the given keys; any change to the
/// message or signature is refused.
pub fn verify_payload(payload: &str, keys: &[VerifyingKey]) -> Result<QrClaims, FieldError> {
    let malformed = || FieldError::new("payload", "qr.malformed");
    let (m, s) = payload.trim().split_once('.').ok_or_else(malformed)?;
    let msg = URL_SAFE_NO_PAD.decode(m).map_err(|_| malformed())?;
    let sig: [u8; 64] = URL_SAFE_NO_PAD.decode(s).ok().and_then(|b| b.try_into().ok()).ok_or_else(malformed)?;
    let msg = String::from_utf8(msg).map_err(|_| malformed())?;
    let claims = QrClaims::parse(&msg)?;
    let sig = Signature::from_bytes(&sig);
    let key =
        keys.iter().find(|k| key_id(k) == claims.key_id).ok_or_else(|| FieldError::new("payload", "qr.unknown_key"))?;
    key.verify(msg.as_bytes(), &sig).map_err(|_| FieldError::new("payload", "qr.bad_signature"))?;
    Ok(claims)
}

/// A QR code of `text` as an SVG document.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build();
            // Inline in HTML: no XML declaration.
            svg.find("<svg").map(|i| svg[i..].to_string()).unwrap_or_default()
        }
        Err(_) => String::new(),
    }
}

/// Mean days per state from histories, counting open stays up to `now`.
pub fn mean_days(events: &[EventRecord], now: time::OffsetDateTime) -> Vec<(State, f64)> {
    let parse = |s: &str| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok();
    let mut total: BTreeMap<State, (f64, u32)> = BTreeMap::new();
    let mut add = |state: State, from: time::OffsetDateTime, to: time::OffsetDateTime| {
        let e = total.entry(state).or_insert((0.0, 0));
        e.0 += (to - from).as_seconds_f64() / 86_400.0;
        e.1 += 1;
    };
    let mut i = 0;
    while i < events.len() {
        let id = events[i].certification_id;
        let mut current: Option<(State, time::OffsetDateTime)> = None;
        while i < events.len() && events[i].certification_id == id {
            let ev = &events[i];
            if let Some(at) = parse(&ev.at) {
                match current {
                    Some((s, since)) if s != ev.to_state => {
                        add(s, since, at);
                        current = Some((ev.to_state, at));
                    }
                    None => current = Some((ev.to_state, at)),
                    _ => {}
                }
            }
            i += 1;
        }
        if let Some((s, since)) = current {
            if !s.is_final() {
                add(s, since, now);
            }
        }
    }
    total.into_iter().map(|(s, (sum, n))| (s, sum / f64::from(n.max(1)))).collect()
}

impl Pipeline {
    /// The pipeline as CSV (three sections: counts, mean days, due list).
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        let _ = w.write_record(["section", "state", "count", "mean_days"]);
        for (s, n) in &self.counts {
            let days = self.mean_days.iter().find(|(x, _)| x == s).map(|(_, d)| format!("{d:.1}")).unwrap_or_default();
            let _ = w.write_record(["state", s.as_str(), &n.to_string(), &days]);
        }
        let _ = w.write_record(["section", "kind", "due_on", "number", "business_name", "regency_code", "standard"]);
        for d in &self.due {
            let _ = w.write_record([
                "due",
                d.kind,
                &d.due_on.to_string(),
                d.number.as_deref().unwrap_or(""),
                &d.business_name,
                &d.regency_code,
                &d.standard,
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

impl Service {
    fn cert(&self) -> &dyn CertificationStore {
        self.store().certification()
    }

    /// The body a certifier belongs to; `None` for everyone else.
    pub async fn certifier_body(&self, actor: &Actor) -> AppResult<Option<i64>> {
        if actor.role != Role::Certifier {
            return Ok(None);
        }
        Ok(self.cert().certifier_body(actor.user_id).await?)
    }

    pub async fn certification_bodies(&self) -> AppResult<Vec<BodyRecord>> {
        Ok(self.cert().bodies().await?)
    }

    pub async fn certification_standards(&self) -> AppResult<Vec<StandardRecord>> {
        Ok(self.cert().standards().await?)
    }

    /// Registers a certification body (administrators).
    pub async fn add_certification_body(&self, actor: &Actor, d: &BodyDraft) -> AppResult<i64> {
        if actor.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        let mut e = ValidationErrors::default();
        let code = need(&mut e, "code", &d.code.trim().to_ascii_uppercase(), 32);
        let name = need(&mut e, "name", d.name.trim(), 200);
        let kan_number = need(&mut e, "kan_number", d.kan_number.trim(), 40);
        let kind = BodyKind::parse(&d.kind);
        if kind.is_none() {
            e.push(FieldError::new("kind", "body.kind").with("value", d.kind.trim()));
        }
        let standards = self.certification_standards().await?;
        let scope: Vec<String> =
            d.scope.split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        for s in &scope {
            match standards.iter().find(|x| &x.code == s) {
                None => e.push(FieldError::new("scope", "certification.standard_unknown").with("value", s)),
                Some(x) if kind.is_some_and(|k| k.scheme() != x.scheme) => {
                    e.push(FieldError::new("scope", "body.kind_mismatch").with("value", s))
                }
                _ => {}
            }
        }
        if scope.is_empty() {
            e.push(FieldError::new("scope", "required"));
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        let b = NewBody { code, name, kind: kind.expect("checked"), kan_number, scope };
        Ok(self.cert().create_body(&b, &self.audit_ctx(actor)).await?)
    }

    /// Binds a certifier account to a body by the body's code (administrators, CLI).
    pub async fn assign_certifier(&self, actor: &Actor, username: &str, body_code: &str) -> AppResult<()> {
        if actor.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        let u = self.store().user_by_username(&username.trim().to_ascii_lowercase()).await?.ok_or_else(|| {
            AppError::field(FieldError::new("username", "user.unknown").with("value", username.trim()))
        })?;
        if u.role != Role::Certifier {
            return Err(AppError::field(FieldError::new("body", "user.not_certifier")));
        }
        let code = body_code.trim().to_ascii_uppercase();
        let body = self
            .certification_bodies()
            .await?
            .into_iter()
            .find(|b| b.code == code)
            .ok_or_else(|| AppError::field(FieldError::new("body", "body.unknown").with("value", &code)))?;
        Ok(self.cert().assign_certifier(u.id, body.id, &self.audit_ctx(actor)).await?)
    }

    /// Applies for certification: owners for their own enterprise, officers
    /// within their region, administrators for any.
    pub async fn apply_for_certification(&self, actor: &Actor, d: &ApplicationDraft) -> AppResult<i64> {
        if !actor.can_apply_for_certification() {
            return Err(AppError::Forbidden);
        }
        let mut e = ValidationErrors::default();
        let nib = e.take(Nib::parse(&d.nib));
        let scope = need(&mut e, "scope", d.scope.trim(), 500);
        let bodies = self.certification_bodies().await?;
        let code = d.body.trim().to_ascii_uppercase();
        let body = bodies.iter().find(|b| b.code == code || b.id.to_string() == code);
        if body.is_none() {
            e.push(FieldError::new("body", "body.unknown").with("value", &code));
        }
        let standards = self.certification_standards().await?;
        let standard = standards.iter().find(|s| s.code == d.standard.trim());
        match (standard, body) {
            (None, _) => {
                e.push(FieldError::new("standard", "certification.standard_unknown").with("value", d.standard.trim()))
            }
            (Some(s), Some(b)) if !b.scope.contains(&s.code) => {
                e.push(FieldError::new("standard", "body.scope").with("value", &s.code).with("body", &b.name))
            }
            _ => {}
        }
        if let Some(n) = &nib {
            // Out of scope reads as unknown, as everywhere in the registry.
            let rec = self.store().enterprise(n).await?;
            if !rec.is_some_and(|r| actor.can_edit_enterprise(&r.profile.regency, &r.profile.nib)) {
                e.push(FieldError::new("nib", "enterprise.unknown").with("value", n));
            }
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        let (standard, body) = (standard.expect("checked"), body.expect("checked"));
        let a = NewApplication {
            nib: nib.expect("checked"),
            body_id: body.id,
            standard_code: standard.code.clone(),
            scheme: standard.scheme,
            scope,
            applied_on: self.now().date(),
        };
        Ok(self.cert().apply(&a, &self.audit_ctx(actor)).await?)
    }

    /// The record if the actor may see it: the enterprise is in their
    /// registry scope, or they certify for its body. Anything else is NotFound.
    async fn readable_certification(&self, actor: &Actor, id: i64) -> AppResult<(CertificationRecord, bool)> {
        let rec = self.cert().certification(id).await?.ok_or(AppError::NotFound)?;
        let body = self.certifier_body(actor).await?;
        let acts = body == Some(rec.body_id);
        let reads = match actor.registry_scope() {
            Scope::Nothing => false,
            s => naikkelas_core::RegionCode::parse(&rec.regency_code).is_ok_and(|r| s.permits(&r, &rec.nib)),
        };
        if actor.role == Role::Certifier && !acts {
            // Another body's certifier: refused, not hidden (they know the body exists).
            return Err(AppError::Forbidden);
        }
        if !(acts || reads) {
            return Err(AppError::NotFound);
        }
        Ok((rec, acts))
    }

    fn facts<'a>(&self, rec: &CertificationRecord, open: &'a [String]) -> Facts<'a> {
        Facts {
            scheme: rec.scheme,
            open_major: open,
            testing_passed: rec.status.testing_passed,
            today: self.now().date(),
            expires_on: rec.status.expires_on,
        }
    }

    fn live(&self, s: &CertStatus) -> Option<LiveStatus> {
        schedule::live_status(s.state, s.expires_on, s.surveillance_due_on, self.now().date())
    }

    pub async fn certification_view(&self, actor: &Actor, id: i64) -> AppResult<CertificationView> {
        let (record, acts) = self.readable_certification(actor, id).await?;
        let open = record.open_major();
        let f = self.facts(&record, &open);
        let allowed = if acts {
            Event::ALL
                .into_iter()
                .filter(|e| *e != Event::Expire)
                .filter(|e| match lifecycle::next(record.status.state, *e, &f) {
                    Ok(_) => true,
                    // Shown so that the refusal can name the open findings.
                    Err(r) => !matches!(r, lifecycle::Refusal::Illegal { .. } | lifecycle::Refusal::TestingNotInScheme),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(CertificationView { live: self.live(&record.status), allowed, record })
    }

    /// Certifications the actor may follow: their registry scope, or their body.
    pub async fn certifications(&self, actor: &Actor, state: Option<&str>) -> AppResult<Vec<CertificationView>> {
        let q = self.certification_query(actor).await?;
        let q = CertificationQuery { state: state.and_then(State::parse), ..q };
        let list = self.cert().list_certifications(&q).await?;
        Ok(list
            .into_iter()
            .map(|r| CertificationView { live: self.live(&r.status), allowed: Vec::new(), record: r })
            .collect())
    }

    async fn certification_query(&self, actor: &Actor) -> AppResult<CertificationQuery> {
        if actor.role == Role::Certifier {
            let body = self.certifier_body(actor).await?.ok_or(AppError::Forbidden)?;
            return Ok(CertificationQuery { body_id: Some(body), ..CertificationQuery::in_scope(Scope::National) });
        }
        match actor.registry_scope() {
            Scope::Nothing => Err(AppError::Forbidden),
            s => Ok(CertificationQuery::in_scope(s)),
        }
    }

    /// One step of the lifecycle by a certifier of the certification's body.
    pub async fn certification_event(
        &self,
        actor: &Actor,
        id: i64,
        input: &EventInput,
    ) -> AppResult<CertificationView> {
        let (rec, acts) = self.readable_certification(actor, id).await?;
        if !acts {
            return Err(AppError::Forbidden);
        }
        let event = Event::parse(&input.event).ok_or_else(|| {
            AppError::field(FieldError::new("event", "certification.unknown_event").with("value", &input.event))
        })?;
        if event == Event::Expire {
            // Expiry happens on its date by itself (the sweep), never by hand.
            return Err(AppError::field(
                lifecycle::Refusal::Illegal { from: rec.status.state, event }.to_field_error(),
            ));
        }
        self.apply_event(&rec, event, input, &self.audit_ctx(actor)).await?;
        self.certification_view(actor, id).await
    }

    async fn apply_event(
        &self,
        rec: &CertificationRecord,
        event: Event,
        input: &EventInput,
        audit: &naikkelas_store::AuditContext,
    ) -> AppResult<()> {
        let open = rec.open_major();
        let f = self.facts(rec, &open);
        let mut e = ValidationErrors::default();
        let note = text(&input.note).to_string();
        if event.needs_reason() {
            need(&mut e, "note", &note, 500);
        } else if note.chars().count() > 500 {
            e.push(FieldError::new("note", "text.too_long").with("max", 500));
        }
        let mut w = EventWrite {
            event,
            expected_version: rec.version,
            after: rec.status.clone(),
            note: (!note.is_empty()).then(|| note.clone()),
            new_finding: None,
            close_finding: None,
        };
        match event {
            Event::RecordFinding => {
                let grade = FindingGrade::parse(text(&input.grade));
                if grade.is_none() {
                    e.push(FieldError::new("grade", "finding.grade").with("value", text(&input.grade)));
                }
                let clause = need(&mut e, "clause", text(&input.clause), 40);
                let description = need(&mut e, "description", text(&input.description), 2000);
                if let Some(grade) = grade {
                    w.new_finding = Some(NewFinding { grade, clause, description });
                }
            }
            Event::CloseFinding => {
                let open_ids: Vec<i64> = rec.findings.iter().filter(|f| f.is_open()).map(|f| f.id).collect();
                match input.finding_id {
                    Some(fid) if open_ids.contains(&fid) => {}
                    other => e.push(
                        FieldError::new("finding_id", "finding.unknown")
                            .with("value", other.map(|x| x.to_string()).unwrap_or_default()),
                    ),
                }
                let corrective_action = need(&mut e, "corrective_action", text(&input.corrective_action), 2000);
                let evidence = need(&mut e, "evidence", text(&input.evidence), 2000);
                if let Some(fid) = input.finding_id {
                    w.close_finding = Some(FindingClosure { finding_id: fid, corrective_action, evidence });
                }
            }
            Event::RecordTest => match input.passed {
                Some(p) => w.after.testing_passed = Some(p),
                None => e.push(FieldError::new("passed", "required")),
            },
            _ => {}
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        let to = lifecycle::next(rec.status.state, event, &f).map_err(|r| AppError::field(r.to_field_error()))?;
        let today = self.now().date();
        let s = &mut w.after;
        s.state = to;
        match event {
            Event::Grant => {
                let validity = self.validity_months(&rec.standard_code).await?;
                let expires = schedule::expiry(today, validity);
                s.number = Some(CertificateNumber::issue(rec.scheme.number_prefix(), today.year(), rec.id));
                s.decided_on = Some(today);
                s.issued_on = Some(today);
                s.expires_on = Some(expires);
                s.last_surveillance_on = None;
                s.surveillance_due_on = schedule::next_surveillance_due(rec.scheme, today, None, expires);
                s.reason = None;
            }
            Event::Renew => {
                let validity = self.validity_months(&rec.standard_code).await?;
                // Renewed before expiry, the new period follows on from the old one (17021-1 §9.6.3).
                let from = s.expires_on.filter(|x| *x > today).unwrap_or(today);
                let expires = schedule::expiry(from, validity);
                s.decided_on = Some(today);
                s.issued_on = Some(today);
                s.expires_on = Some(expires);
                s.last_surveillance_on = None;
                s.surveillance_due_on = schedule::next_surveillance_due(rec.scheme, today, None, expires);
            }
            Event::CompleteSurveillance | Event::Reinstate => {
                if let (Some(decided), Some(expires)) = (s.decided_on, s.expires_on) {
                    s.last_surveillance_on = Some(today);
                    s.surveillance_due_on = schedule::next_surveillance_due(rec.scheme, decided, Some(today), expires);
                }
                s.reason = None;
            }
            Event::StartRenewal if rec.scheme == Scheme::SniType5 => s.testing_passed = None,
            Event::Refuse | Event::Suspend | Event::Withdraw => s.reason = Some(note),
            _ => {}
        }
        self.cert().record_event(rec.id, &w, audit).await?;
        self.public_cache().clear();
        Ok(())
    }

    async fn validity_months(&self, standard: &str) -> AppResult<i32> {
        self.certification_standards()
            .await?
            .into_iter()
            .find(|s| s.code == standard)
            .map(|s| s.validity_months)
            .ok_or_else(|| AppError::Internal(format!("standard {standard} is not in the catalogue")))
    }

    /// Records what the dates say: expiry on its date, suspension after a
    /// missed surveillance. Runs periodically (`spawn_sweep`) as `system`.
    pub async fn sweep_certifications(&self) -> AppResult<SweepReport> {
        let q =
            CertificationQuery { live_only: true, limit: u32::MAX, ..CertificationQuery::in_scope(Scope::National) };
        let today = self.now().date();
        let mut report = SweepReport::default();
        for r in self.cert().list_certifications(&q).await? {
            let s = &r.status;
            let Some(event) = schedule::sweep_event(s.state, s.expires_on, s.surveillance_due_on, today) else {
                continue;
            };
            let rec = match self.cert().certification(r.id).await? {
                Some(rec) => rec,
                None => continue,
            };
            let input = EventInput {
                event: event.as_str().into(),
                note: (event == Event::Suspend).then(|| "surveillance.missed".to_string()),
                ..EventInput::default()
            };
            let audit = naikkelas_store::AuditContext::new(SYSTEM, self.now());
            match self.apply_event(&rec, event, &input, &audit).await {
                Ok(()) if event == Event::Expire => report.expired += 1,
                Ok(()) => report.suspended += 1,
                // Someone acted in between: the next sweep looks again.
                Err(AppError::Stale) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Counts per state, time in each state, and what falls due in 90 days.
    pub async fn certification_pipeline(&self, actor: &Actor) -> AppResult<Pipeline> {
        if !actor.can_follow_pipeline() {
            return Err(AppError::Forbidden);
        }
        let q = CertificationQuery { limit: u32::MAX, ..self.certification_query(actor).await? };
        let list = self.cert().list_certifications(&q).await?;
        let events = self.cert().events_in(&q).await?;
        let today = self.now().date();
        let horizon = today + time::Duration::days(DUE_WINDOW_DAYS);
        let mut counts: BTreeMap<State, i64> = State::ALL.into_iter().map(|s| (s, 0)).collect();
        let mut due = Vec::new();
        for r in &list {
            *counts.entry(r.status.state).or_default() += 1;
            let live = self.live(&r.status);
            if !matches!(live, Some(LiveStatus::Active | LiveStatus::Suspended)) {
                continue;
            }
            let item = |kind, due_on| DueItem {
                id: r.id,
                number: r.status.number.as_ref().map(|n| n.to_string()),
                business_name: r.business_name.clone(),
                regency_code: r.regency_code.clone(),
                standard: r.standard_code.clone(),
                kind,
                due_on,
            };
            if let Some(d) =
                r.status.surveillance_due_on.filter(|d| *d <= horizon && r.status.state == State::Certified)
            {
                due.push(item("surveillance", d));
            }
            if let Some(d) = r.status.expires_on.filter(|d| *d <= horizon) {
                due.push(item("expiry", d));
            }
        }
        due.sort_by_key(|d| (d.due_on, d.id));
        Ok(Pipeline { counts: counts.into_iter().collect(), mean_days: mean_days(&events, self.now()), due })
    }

    /// The public check by number. Malformed and unknown numbers do the same
    /// lookup work, so the answer time does not tell which numbers exist.
    pub async fn verify_certificate(&self, raw: &str) -> AppResult<VerifyView> {
        let parsed = CertificateNumber::parse(raw);
        let key = parsed.as_ref().map(|n| n.as_str().to_string()).unwrap_or_else(|_| "NK-INVALID-000000".into());
        let found = match self.public_cache().get(&key) {
            Some(hit) => hit,
            None => {
                let found = self.cert().public_certificate(&key).await?;
                self.public_cache().put(&key, found.clone());
                found
            }
        };
        let number = parsed.map_err(|_| AppError::field(FieldError::new("number", "certificate_number.format")))?;
        let p = found.ok_or(AppError::NotFound)?;
        let status = schedule::live_status(p.state, p.expires_on, p.surveillance_due_on, self.now().date())
            .ok_or(AppError::NotFound)?;
        let r = self.reference();
        let province = r.region_name(&p.regency_code[..2.min(p.regency_code.len())]).unwrap_or("").to_string();
        Ok(VerifyView {
            number: number.to_string(),
            status,
            business_name: p.business_name,
            nib: p.nib.to_string(),
            regency: r.region_name(&p.regency_code).unwrap_or(&p.regency_code).to_string(),
            regency_code: p.regency_code,
            province,
            standard: p.standard_code,
            standard_title: p.standard_title,
            scheme: p.scheme,
            scope: p.scope,
            body: p.body_name,
            issued_on: p.issued_on,
            expires_on: p.expires_on,
            reason: if status == LiveStatus::Suspended && p.state == State::Certified {
                Some("surveillance.missed".into())
            } else if matches!(status, LiveStatus::Suspended | LiveStatus::Withdrawn) {
                p.reason
            } else {
                None
            },
        })
    }

    /// The installation's signing key, created on first use.
    pub async fn signing_key(&self) -> AppResult<SigningKey> {
        let hex_key = match self.cert().signing_key().await? {
            Some(k) => k,
            None => {
                let mut seed = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut seed);
                let audit = naikkelas_store::AuditContext::new(SYSTEM, self.now());
                self.cert().init_signing_key(&hex::encode(seed), &audit).await?
            }
        };
        let bytes: [u8; 32] = hex::decode(hex_key.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| AppError::Internal("stored signing key is not 32 bytes of hex".into()))?;
        Ok(SigningKey::from_bytes(&bytes))
    }

    /// Replaces the signing key (administrators); earlier payloads still verify.
    pub async fn rotate_signing_key(&self, actor: &Actor) -> AppResult<PublicKeys> {
        if actor.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        let old = self.signing_key().await?;
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let retired = URL_SAFE_NO_PAD.encode(old.verifying_key().as_bytes());
        self.cert().rotate_signing_key(&hex::encode(seed), &retired, &self.audit_ctx(actor)).await?;
        self.public_keys().await
    }

    pub async fn public_keys(&self) -> AppResult<PublicKeys> {
        let key = self.signing_key().await?.verifying_key();
        Ok(PublicKeys {
            algorithm: "Ed25519",
            current: URL_SAFE_NO_PAD.encode(key.as_bytes()),
            key_id: key_id(&key),
            retired: self.cert().retired_keys().await?,
        })
    }

    /// Checks a QR payload against this installation's current and retired keys.
    pub async fn check_payload(&self, payload: &str) -> AppResult<QrClaims> {
        let pk = self.public_keys().await?;
        let mut keys = vec![parse_public_key(&pk.current).map_err(AppError::field)?];
        keys.extend(pk.retired.iter().filter_map(|k| parse_public_key(k).ok()));
        verify_payload(payload, &keys).map_err(AppError::field)
    }

    /// The signed payload of an issued certificate.
    pub async fn certificate_payload(&self, rec: &CertificationRecord) -> AppResult<Option<String>> {
        let s = &rec.status;
        let (Some(number), Some(issued), Some(expires)) = (&s.number, s.issued_on, s.expires_on) else {
            return Ok(None);
        };
        let key = self.signing_key().await?;
        let claims = QrClaims {
            key_id: key_id(&key.verifying_key()),
            number: number.clone(),
            nib: rec.nib.clone(),
            standard: rec.standard_code.clone(),
            issued_on: issued,
            expires_on: expires,
        };
        Ok(Some(sign_payload(&key, &claims)))
    }

    /// Quality ladder inputs: an active product (L3) and system (L4) certificate.
    pub async fn active_certificates(&self, nib: &Nib) -> AppResult<(bool, bool)> {
        let q = CertificationQuery { live_only: true, ..CertificationQuery::in_scope(Scope::Enterprise(nib.clone())) };
        let mut out = (false, false);
        for r in self.cert().list_certifications(&q).await? {
            if self.live(&r.status) == Some(LiveStatus::Active) {
                if r.scheme.is_product() {
                    out.0 = true;
                } else {
                    out.1 = true;
                }
            }
        }
        Ok(out)
    }
}

/// Runs the sweep now and then every `every` until the process ends.
pub fn spawn_sweep(svc: Service, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match svc.sweep_certifications().await {
                Ok(r) if r != SweepReport::default() => {
                    tracing::info!(expired = r.expired, suspended = r.suspended, "certification sweep")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "certification sweep failed"),
            }
            tokio::time::sleep(every).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn claims(key: &SigningKey) -> QrClaims {
        QrClaims {
            key_id: key_id(&key.verifying_key()),
            number: CertificateNumber::parse("NK-SNI-2026-000001").unwrap(),
            nib: Nib::parse("6472000000001").unwrap(),
            standard: "SNI 2983:2014".into(),
            issued_on: date!(2026 - 03 - 10),
            expires_on: date!(2030 - 03 - 10),
        }
    }

    #[test]
    fn payload_verifies_and_any_tampering_is_refused() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let pk = key.verifying_key();
        let p = sign_payload(&key, &claims(&key));
        assert_eq!(verify_payload(&p, &[pk]).unwrap(), claims(&key));
        // Change the expiry inside the message, keep the signature.
        let (m, s) = p.split_once('.').unwrap();
        let msg = String::from_utf8(URL_SAFE_NO_PAD.decode(m).unwrap()).unwrap().replace("2030", "2035");
        let forged = format!("{}.{s}", URL_SAFE_NO_PAD.encode(msg));
        assert_eq!(verify_payload(&forged, &[pk]).unwrap_err().code, "qr.bad_signature");
        // Flip one character of the signature.
        let mut bad = p.clone().into_bytes();
        let last = bad.len() - 2;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert!(verify_payload(std::str::from_utf8(&bad).unwrap(), &[pk]).is_err());
        // Another installation's key.
        let other = SigningKey::from_bytes(&[9u8; 32]).verifying_key();
        assert_eq!(verify_payload(&p, &[other]).unwrap_err().code, "qr.unknown_key");
        assert_eq!(verify_payload("garbage", &[pk]).unwrap_err().code, "qr.malformed");
        assert_eq!(parse_public_key(&URL_SAFE_NO_PAD.encode(pk.as_bytes())).unwrap(), pk);
        assert!(qr_svg(&format!("https://example.id/v/NK-SNI-2026-000001?p={p}")).starts_with("<svg"));
    }

    #[test]
    fn mean_days_count_closed_and_open_stays() {
        let ev = |id, at: &str, to| EventRecord {
            certification_id: id,
            seq: 0,
            at: at.into(),
            actor: "a".into(),
            event: "x".into(),
            from_state: None,
            to_state: to,
            note: None,
        };
        let events = vec![
            ev(1, "2026-01-01T00:00:00Z", State::Applied),
            ev(1, "2026-01-03T00:00:00Z", State::DocumentReview),
            ev(1, "2026-01-04T00:00:00Z", State::DocumentReview),
            ev(2, "2026-01-01T00:00:00Z", State::Applied),
        ];
        let now = time::macros::datetime!(2026-01-05 00:00 UTC);
        let m: BTreeMap<State, f64> = mean_days(&events, now).into_iter().collect();
        assert_eq!(m[&State::Applied], 3.0, "2 days closed, 4 days open");
        assert_eq!(m[&State::DocumentReview], 2.0);
    }
}
