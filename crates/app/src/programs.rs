//! Facilitation programme use cases (issue 7, DOMAIN.md §9).
//!
//! Who does what (rules in `naikkelas_core::access`):
//! - the ministry and administrators set up programmes and allocations;
//! - owners apply for their own enterprise, officers enrol enterprises of
//!   their region; the enterprise must meet every eligibility rule, and the
//!   refusal names each unmet one;
//! - officers of the region verify; a second person (another officer of the
//!   region, the ministry or an administrator) approves or rejects — never
//!   the one who verified (the state machine in core says so, the store
//!   checks it again under its lock);
//! - approvals and disbursements are ledger entries; the store refuses any
//!   that would break a money rule, inside its write transaction.
//!
//! Amounts come in as text (forms) or JSON numbers/strings (API) and are
//! parsed here with the Indonesian number rules, so `80.000.000,5` is refused
//! as more precise than a rupiah and `-5` as negative, each with its code.

use crate::error::{AppError, AppResult};
use crate::export::ExportFormat;
use crate::service::Service;
use naikkelas_core::money::Decimal;
use naikkelas_core::programs::benefit::MachineRates;
use naikkelas_core::programs::enrolment;
use naikkelas_core::programs::{
    Benefit, CertificateRule, Eligibility, EnrolmentState, EnterpriseFacts, MachineOrigin, ProgramDraft, ProgramKind,
    Purchase, ReadinessRule,
};
use naikkelas_core::{Actor, FieldError, Nib, RegionCode, Rupiah, Scope, SizeClass, ValidationErrors};
use naikkelas_ingest::writer::{Cell, CsvWriter, SheetWriter, XlsxWriter};
use naikkelas_store::certification::CertificationQuery;
use naikkelas_store::programs::*;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::Path;
use time::Date;

/// Accepts a JSON string or number (and form text) as the text it reads as,
/// so an amount is always parsed by the rupiah rules rather than by serde.
pub fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a number or text")
        }
        fn visit_str<E>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E>(self, v: bool) -> Result<String, E> {
            Ok(if v { "on".into() } else { String::new() })
        }
        fn visit_unit<E>(self) -> Result<String, E> {
            Ok(String::new())
        }
    }
    d.deserialize_any(V)
}

/// A programme as typed in the set-up form or sent to the API. Lists are
/// comma-separated; rates are percentages (`40`, `27,5`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProgramForm {
    #[serde(deserialize_with = "text_or_number")]
    pub year: String,
    pub kind: String,
    pub name: String,
    pub owner_unit: String,
    #[serde(deserialize_with = "text_or_number")]
    pub budget: String,
    #[serde(deserialize_with = "text_or_number")]
    pub quota: String,
    pub starts_on: String,
    pub ends_on: String,
    pub size_classes: String,
    pub kbli_prefixes: String,
    pub regions: String,
    pub readiness_standard: String,
    #[serde(deserialize_with = "text_or_number")]
    pub readiness_min: String,
    pub certificate: String,
    #[serde(deserialize_with = "text_or_number")]
    pub max_investment: String,
    #[serde(deserialize_with = "text_or_number")]
    pub first_time_only: String,
    #[serde(deserialize_with = "text_or_number")]
    pub domestic_rate: String,
    #[serde(deserialize_with = "text_or_number")]
    pub imported_rate: String,
    #[serde(deserialize_with = "text_or_number")]
    pub benefit_min: String,
    #[serde(deserialize_with = "text_or_number")]
    pub benefit_max: String,
    #[serde(deserialize_with = "text_or_number")]
    pub benefit_amount: String,
}

/// An allocation as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AllocationForm {
    pub region: String,
    #[serde(deserialize_with = "text_or_number")]
    pub amount: String,
}

/// An application as typed by an owner or officer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EnrolForm {
    pub nib: String,
    /// Machine restructuring: the machine's price and origin.
    #[serde(deserialize_with = "text_or_number")]
    pub machine_price: String,
    pub machine_origin: String,
    pub note: String,
}

/// A decision or a payment as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MoneyForm {
    /// Approval: optional (the computed benefit); disbursement: required.
    #[serde(deserialize_with = "text_or_number")]
    pub amount: String,
    pub note: String,
}

/// A programme as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramView {
    pub program: ProgramRecord,
    /// The absorption rows the viewer may see.
    pub absorption: Vec<AbsorptionRow>,
    /// Enrolments in the viewer's scope, newest first.
    pub enrolments: Vec<EnrolmentRecord>,
    pub can_manage: bool,
    /// Owners: whether their own enterprise may apply.
    pub own_nib: Option<Nib>,
}

/// An enrolment as its page shows it, with what the viewer may do now.
#[derive(Debug, Clone, Serialize)]
pub struct EnrolmentView {
    pub record: EnrolmentRecord,
    pub program: ProgramRecord,
    pub can_verify: bool,
    pub can_decide: bool,
    pub can_disburse: bool,
    pub can_reverse: bool,
    pub can_link: bool,
    /// Certification applications of the enterprise it may be linked to.
    pub linkable: Vec<(i64, String)>,
}

fn need(e: &mut ValidationErrors, field: &str, v: &str, max: usize) -> String {
    let t = v.trim();
    if t.is_empty() {
        e.push(FieldError::new(field, "required"));
    } else if t.chars().count() > max {
        e.push(FieldError::new(field, "text.too_long").with("max", max));
    }
    t.to_string()
}

fn rupiah(e: &mut ValidationErrors, field: &str, v: &str) -> Option<Rupiah> {
    e.take(Rupiah::parse(v, field))
}

fn opt_rupiah(e: &mut ValidationErrors, field: &str, v: &str) -> Option<Option<Rupiah>> {
    if v.trim().is_empty() {
        return Some(None);
    }
    rupiah(e, field, v).map(Some)
}

/// A percentage with at most one decimal as per mille.
fn permille(e: &mut ValidationErrors, field: &str, v: &str) -> Option<u32> {
    let d = e.take(Decimal::parse(v, field))?;
    match d.to_scaled(1) {
        Ok(p) if (0..=1000).contains(&p) => Some(p as u32),
        Ok(p) => {
            e.push(FieldError::new(field, "benefit.rate_range").with("value", p));
            None
        }
        Err(_) => {
            e.push(FieldError::new(field, "number.too_precise").with("value", v.trim()).with("decimals", 1));
            None
        }
    }
}

fn date(e: &mut ValidationErrors, field: &str, v: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(v.trim(), &fmt) {
        Ok(d) => Some(d),
        Err(_) => {
            e.push(FieldError::new(field, "date.format").with("value", v.trim()));
            None
        }
    }
}

fn list(v: &str) -> impl Iterator<Item = &str> {
    v.split([',', '\n', ';']).map(str::trim).filter(|s| !s.is_empty())
}

impl ProgramForm {
    /// Parses and validates the whole form; every fault at once.
    pub fn parse(&self) -> AppResult<ProgramDraft> {
        let mut e = ValidationErrors::default();
        let year = e.take(Decimal::parse_integer(&self.year, "year"));
        let kind = ProgramKind::parse(&self.kind);
        if kind.is_none() {
            e.push(FieldError::new("kind", "program.kind_unknown").with("value", self.kind.trim()));
        }
        let name = need(&mut e, "name", &self.name, 200);
        let owner_unit = need(&mut e, "owner_unit", &self.owner_unit, 200);
        let budget = rupiah(&mut e, "budget", &self.budget);
        let quota = if self.quota.trim().is_empty() {
            Some(None)
        } else {
            e.take(Decimal::parse_integer(&self.quota, "quota")).map(|q| Some(u32::try_from(q).unwrap_or(0)))
        };
        let starts_on = date(&mut e, "starts_on", &self.starts_on);
        let ends_on = date(&mut e, "ends_on", &self.ends_on);
        let mut size_classes = Vec::new();
        for s in list(&self.size_classes) {
            match SizeClass::parse(s) {
                Some(c) => size_classes.push(c),
                None => e.push(FieldError::new("size_classes", "size_class.unknown").with("value", s)),
            }
        }
        let mut regions = Vec::new();
        for r in list(&self.regions) {
            if let Some(code) = e.take(RegionCode::parse_field(r, "regions")) {
                regions.push(code);
            }
        }
        let readiness = if self.readiness_standard.trim().is_empty() {
            None
        } else {
            permille(&mut e, "readiness_min", &self.readiness_min)
                .map(|m| ReadinessRule { standard: self.readiness_standard.trim().to_string(), min_permille: m })
        };
        let certificate = if self.certificate.trim().is_empty() {
            CertificateRule::Any
        } else {
            CertificateRule::parse(self.certificate.trim()).unwrap_or_else(|| {
                e.push(FieldError::new("certificate", "eligibility.certificate_rule").with("value", &self.certificate));
                CertificateRule::Any
            })
        };
        let max_investment = opt_rupiah(&mut e, "max_investment", &self.max_investment);
        let benefit = match kind {
            Some(ProgramKind::RestrukturisasiMesin) => {
                let d = permille(&mut e, "domestic_rate", &self.domestic_rate);
                let i = permille(&mut e, "imported_rate", &self.imported_rate);
                let min = rupiah(&mut e, "benefit_min", &self.benefit_min);
                let max = rupiah(&mut e, "benefit_max", &self.benefit_max);
                match (d, i, min, max) {
                    (Some(d), Some(i), Some(min), Some(max)) => Some(Benefit::MachinePrice(MachineRates {
                        domestic_permille: d,
                        imported_permille: i,
                        min,
                        max,
                    })),
                    _ => None,
                }
            }
            Some(_) => rupiah(&mut e, "benefit_amount", &self.benefit_amount).map(|amount| Benefit::Flat { amount }),
            None => None,
        };
        if !e.is_empty() {
            return Err(e.into());
        }
        let year = year.expect("checked");
        let draft = ProgramDraft {
            year: i32::try_from(year).unwrap_or(0),
            kind: kind.expect("checked"),
            name,
            owner_unit,
            budget: budget.expect("checked"),
            quota: quota.expect("checked"),
            starts_on: starts_on.expect("checked"),
            ends_on: ends_on.expect("checked"),
            eligibility: Eligibility {
                size_classes,
                kbli_prefixes: list(&self.kbli_prefixes).map(String::from).collect(),
                regions,
                readiness,
                certificate,
                max_investment: max_investment.expect("checked"),
                first_time_only: matches!(self.first_time_only.trim(), "on" | "true" | "1" | "ya"),
            },
            benefit: benefit.expect("checked"),
        };
        draft.validate()?;
        Ok(draft)
    }
}

/// Readiness catalogue codes (`sni-2983-2014`) and certification standard
/// codes (`SNI 2983:2014`, `SNI ISO 9001:2015`) name the same standard in
/// two spellings; both normalise to `sni-2983-2014` / `iso-9001-2015`.
pub fn standard_key(code: &str) -> String {
    let lower = code.trim().to_lowercase().replace([' ', ':', '/', '.'], "-");
    let key = lower.strip_prefix("sni-iso-").map(|r| format!("iso-{r}")).unwrap_or(lower);
    key.trim_matches('-').to_string()
}

impl Service {
    fn progs(&self) -> &dyn ProgramStore {
        self.store().programs()
    }

    fn decider(actor: &Actor) -> Decider {
        Decider { user_id: actor.user_id }
    }

    pub async fn programs(&self, actor: &Actor, year: Option<i32>) -> AppResult<Vec<ProgramRecord>> {
        if !actor.can_read_programs() {
            return Err(AppError::Forbidden);
        }
        Ok(self.progs().programs(year).await?)
    }

    async fn readable_program(&self, actor: &Actor, id: i64) -> AppResult<ProgramRecord> {
        if !actor.can_read_programs() {
            return Err(AppError::Forbidden);
        }
        self.progs().program(id).await?.ok_or(AppError::NotFound)
    }

    /// The scope of absorption figures: national for the ministry and
    /// administrators, the region for officers.
    fn absorption_scope(actor: &Actor) -> AppResult<Scope> {
        match actor.registry_scope() {
            s @ (Scope::National | Scope::Region(_)) => Ok(s),
            _ => Err(AppError::Forbidden),
        }
    }

    pub async fn program_view(&self, actor: &Actor, id: i64) -> AppResult<ProgramView> {
        let program = self.readable_program(actor, id).await?;
        let absorption = match Self::absorption_scope(actor) {
            Ok(scope) => {
                self.progs().absorption(None, &scope).await?.into_iter().filter(|r| r.program_id == id).collect()
            }
            Err(_) => Vec::new(),
        };
        let enrolments = self
            .progs()
            .enrolments(&EnrolmentQuery { program_id: Some(id), ..EnrolmentQuery::in_scope(actor.registry_scope()) })
            .await?;
        Ok(ProgramView {
            program,
            absorption,
            enrolments,
            can_manage: actor.can_manage_programs(),
            own_nib: actor.enterprise.clone(),
        })
    }

    pub async fn create_program(&self, actor: &Actor, f: &ProgramForm) -> AppResult<i64> {
        if !actor.can_manage_programs() {
            return Err(AppError::Forbidden);
        }
        let draft = f.parse()?;
        Ok(self.progs().create_program(&draft, &self.audit_ctx(actor)).await?)
    }

    pub async fn set_allocation(&self, actor: &Actor, program_id: i64, f: &AllocationForm) -> AppResult<()> {
        if !actor.can_manage_programs() {
            return Err(AppError::Forbidden);
        }
        let mut e = ValidationErrors::default();
        let region = e.take(RegionCode::parse_field(&f.region, "region"));
        if let Some(r) = &region {
            if !self.reference().region_exists(r) {
                e.push(FieldError::new("region", "region.unknown").with("value", r));
            }
        }
        let amount = rupiah(&mut e, "amount", &f.amount);
        if !e.is_empty() {
            return Err(e.into());
        }
        let (region, amount) = (region.expect("checked"), amount.expect("checked"));
        Ok(self.progs().set_allocation(program_id, &region, amount, &self.audit_ctx(actor)).await?)
    }

    /// What the service knows about an enterprise for the eligibility rules.
    async fn eligibility_facts(&self, program: &ProgramRecord, nib: &Nib) -> AppResult<EnterpriseFacts> {
        let rec = self.store().enterprise(nib).await?.ok_or(AppError::NotFound)?;
        let latest = rec.latest_figures();
        let mut readiness: Vec<(String, Option<u32>)> = Vec::new();
        for a in self.store().readiness().assessments_of(nib).await? {
            // Newest first: the first completed one per standard is the latest.
            if a.completed_at.is_some() && !readiness.iter().any(|(s, _)| *s == a.standard) {
                readiness.push((a.standard.clone(), a.score_permille));
            }
        }
        let live =
            CertificationQuery { live_only: true, ..CertificationQuery::in_scope(Scope::Enterprise(nib.clone())) };
        let holds_live_certificate = !self.store().certification().list_certifications(&live).await?.is_empty();
        let mine = self.progs().enrolments(&EnrolmentQuery::in_scope(Scope::Enterprise(nib.clone()))).await?;
        Ok(EnterpriseFacts {
            regency: rec.profile.regency.clone(),
            kbli: rec.profile.kbli.clone(),
            size_class: latest.map(|f| f.size_class),
            investment: latest.map(|f| f.figures.investment),
            readiness,
            holds_live_certificate,
            funded_by_same_kind: mine.iter().any(|e| {
                e.program_id != program.id && e.program_kind == program.kind && e.state == EnrolmentState::Approved
            }),
            already_enrolled: mine.iter().any(|e| e.program_id == program.id && e.state.is_live()),
        })
    }

    /// Every unmet eligibility rule of `nib` for the programme (empty: eligible).
    pub async fn eligibility(&self, actor: &Actor, program_id: i64, nib: &str) -> AppResult<Vec<FieldError>> {
        let program = self.readable_program(actor, program_id).await?;
        let rec = self.readable_enterprise(actor, nib).await?;
        let facts = self.eligibility_facts(&program, &rec.profile.nib).await?;
        let mut unmet: Vec<FieldError> = self.period_unmet(&program).into_iter().collect();
        unmet.extend(program.eligibility.unmet(&facts));
        Ok(unmet)
    }

    /// The refusal when today lies outside the programme's period.
    fn period_unmet(&self, program: &ProgramRecord) -> Option<FieldError> {
        enrolment::check_period(program.starts_on, program.ends_on, self.now().date()).err()
    }

    /// An application: by the owner for their own enterprise, by an officer
    /// of its region or an administrator. Refused with every unmet rule.
    pub async fn enrol(&self, actor: &Actor, program_id: i64, f: &EnrolForm) -> AppResult<i64> {
        let program = self.readable_program(actor, program_id).await?;
        let rec = self.readable_enterprise(actor, &f.nib).await?;
        let (regency, nib) = (&rec.profile.regency, &rec.profile.nib);
        if !actor.can_enrol(regency, nib) {
            return Err(AppError::Forbidden);
        }
        let mut e = ValidationErrors::default();
        let purchase = match program.benefit {
            Benefit::MachinePrice(_) => {
                let price = rupiah(&mut e, "machine_price", &f.machine_price);
                let origin = MachineOrigin::parse(&f.machine_origin);
                if origin.is_none() {
                    e.push(
                        FieldError::new("machine_origin", "benefit.origin_unknown").with("value", &f.machine_origin),
                    );
                }
                price.zip(origin).map(|(price, origin)| Purchase { price, origin })
            }
            Benefit::Flat { .. } => None,
        };
        let facts = self.eligibility_facts(&program, nib).await?;
        for u in self.period_unmet(&program).into_iter().chain(program.eligibility.unmet(&facts)) {
            e.push(u);
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        let requested = program.benefit.amount(purchase.as_ref()).map_err(AppError::field)?;
        let note = f.note.trim();
        let n = NewEnrolment {
            program_id,
            nib: nib.clone(),
            purchase,
            requested,
            note: (!note.is_empty()).then(|| note.chars().take(1000).collect()),
        };
        Ok(self.progs().enrol(&n, Self::decider(actor), &self.audit_ctx(actor)).await?)
    }

    /// The enrolment if its enterprise is in the actor's registry scope.
    async fn readable_enrolment(&self, actor: &Actor, id: i64) -> AppResult<(EnrolmentRecord, RegionCode)> {
        if !actor.can_read_programs() {
            return Err(AppError::NotFound);
        }
        let rec = self.progs().enrolment(id).await?.ok_or(AppError::NotFound)?;
        let regency = RegionCode::parse(&rec.regency_code).map_err(|e| AppError::Internal(e.to_string()))?;
        if !actor.can_read_enterprise(&regency, &rec.nib) {
            return Err(AppError::NotFound);
        }
        Ok((rec, regency))
    }

    pub async fn enrolment_view(&self, actor: &Actor, id: i64) -> AppResult<EnrolmentView> {
        let (record, regency) = self.readable_enrolment(actor, id).await?;
        let program = self.progs().program(record.program_id).await?.ok_or(AppError::NotFound)?;
        let decide = actor.can_decide_enrolment(&regency);
        let can_link = program.kind.is_certification_subsidy()
            && record.state == EnrolmentState::Approved
            && actor.can_enrol(&regency, &record.nib);
        let linkable = if can_link {
            let q = CertificationQuery::in_scope(Scope::Enterprise(record.nib.clone()));
            let standard = program.eligibility.readiness.as_ref().map(|r| standard_key(&r.standard));
            self.store()
                .certification()
                .list_certifications(&q)
                .await?
                .into_iter()
                .filter(|c| standard.as_ref().is_none_or(|s| *s == standard_key(&c.standard_code)))
                .map(|c| (c.id, format!("#{} {} ({})", c.id, c.standard_code, c.status.state.as_str())))
                .collect()
        } else {
            Vec::new()
        };
        Ok(EnrolmentView {
            can_verify: actor.can_verify_enrolment(&regency) && record.state == EnrolmentState::Applied,
            can_decide: decide && matches!(record.state, EnrolmentState::Applied | EnrolmentState::Verified),
            can_disburse: decide && record.state == EnrolmentState::Approved,
            can_reverse: decide,
            can_link,
            linkable,
            record,
            program,
        })
    }

    pub async fn verify_enrolment(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let (_, regency) = self.readable_enrolment(actor, id).await?;
        if !actor.can_verify_enrolment(&regency) {
            return Err(AppError::Forbidden);
        }
        Ok(self.progs().verify(id, Self::decider(actor), &self.audit_ctx(actor)).await?)
    }

    /// Approves the computed benefit, or a smaller `amount`.
    pub async fn approve_enrolment(&self, actor: &Actor, id: i64, f: &MoneyForm) -> AppResult<i64> {
        let (rec, regency) = self.readable_enrolment(actor, id).await?;
        if !actor.can_decide_enrolment(&regency) {
            return Err(AppError::Forbidden);
        }
        let amount = if f.amount.trim().is_empty() {
            rec.requested
        } else {
            Rupiah::parse(&f.amount, "amount").map_err(AppError::field)?
        };
        Ok(self.progs().approve(id, Self::decider(actor), amount, &self.audit_ctx(actor)).await?)
    }

    pub async fn reject_enrolment(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
        let (_, regency) = self.readable_enrolment(actor, id).await?;
        if !actor.can_decide_enrolment(&regency) {
            return Err(AppError::Forbidden);
        }
        Ok(self.progs().reject(id, Self::decider(actor), reason, &self.audit_ctx(actor)).await?)
    }

    pub async fn disburse(&self, actor: &Actor, id: i64, f: &MoneyForm) -> AppResult<i64> {
        let (_, regency) = self.readable_enrolment(actor, id).await?;
        if !actor.can_decide_enrolment(&regency) {
            return Err(AppError::Forbidden);
        }
        let amount = Rupiah::parse(&f.amount, "amount").map_err(AppError::field)?;
        let note = f.note.trim();
        let note = (!note.is_empty()).then_some(note);
        Ok(self.progs().disburse(id, amount, note, &self.audit_ctx(actor)).await?)
    }

    pub async fn reverse_entry(&self, actor: &Actor, id: i64, entry_id: i64, reason: &str) -> AppResult<i64> {
        let (_, regency) = self.readable_enrolment(actor, id).await?;
        if !actor.can_decide_enrolment(&regency) {
            return Err(AppError::Forbidden);
        }
        Ok(self.progs().reverse(id, entry_id, reason, &self.audit_ctx(actor)).await?)
    }

    /// Links an approved certification subsidy to the certification
    /// application it pays for: same enterprise, and the programme's
    /// readiness standard (when it names one) is the certified standard.
    pub async fn link_certification(&self, actor: &Actor, id: i64, certification_id: Option<i64>) -> AppResult<()> {
        let view = self.enrolment_view(actor, id).await?;
        if !view.can_link {
            return Err(if view.program.kind.is_certification_subsidy() {
                AppError::field(FieldError::new("certification_id", "enrolment.link_needs_approval"))
            } else {
                AppError::field(FieldError::new("certification_id", "enrolment.link_not_subsidy"))
            });
        }
        if let Some(c) = certification_id {
            let cert = self.store().certification().certification(c).await?;
            let Some(cert) = cert.filter(|x| x.nib == view.record.nib) else {
                return Err(AppError::field(FieldError::new("certification_id", "enrolment.link_other_enterprise")));
            };
            if let Some(r) = &view.program.eligibility.readiness {
                if standard_key(&r.standard) != standard_key(&cert.standard_code) {
                    return Err(AppError::field(
                        FieldError::new("certification_id", "enrolment.link_standard")
                            .with("standard", &r.standard)
                            .with("value", &cert.standard_code),
                    ));
                }
            }
        }
        Ok(self.progs().attach_certification(id, certification_id, &self.audit_ctx(actor)).await?)
    }

    /// Facilitation an enterprise received or applied for (enterprise page).
    pub async fn enrolments_of(&self, actor: &Actor, nib: &Nib) -> AppResult<Vec<EnrolmentRecord>> {
        if !actor.can_read_programs() {
            return Ok(Vec::new());
        }
        Ok(self.progs().enrolments(&EnrolmentQuery::in_scope(Scope::Enterprise(nib.clone()))).await?)
    }

    /// Subsidies linked to one certification (certification page).
    pub async fn enrolments_for_certification(
        &self,
        actor: &Actor,
        nib: &Nib,
        certification_id: i64,
    ) -> AppResult<Vec<EnrolmentRecord>> {
        let all = self.enrolments_of(actor, nib).await?;
        Ok(all.into_iter().filter(|e| e.certification_id == Some(certification_id)).collect())
    }

    /// Budget, approved, disbursed and beneficiaries per programme and
    /// allocation, in the actor's scope.
    pub async fn absorption(&self, actor: &Actor, year: Option<i32>) -> AppResult<Vec<AbsorptionRow>> {
        let scope = Self::absorption_scope(actor)?;
        Ok(self.progs().absorption(year, &scope).await?)
    }

    /// Approved enrolments of a programme in the actor's scope.
    pub async fn beneficiaries(&self, actor: &Actor, program_id: i64) -> AppResult<Vec<EnrolmentRecord>> {
        self.readable_program(actor, program_id).await?;
        let scope = Self::absorption_scope(actor)?;
        let q = EnrolmentQuery {
            program_id: Some(program_id),
            state: Some(EnrolmentState::Approved),
            ..EnrolmentQuery::in_scope(scope)
        };
        Ok(self.progs().enrolments(&q).await?)
    }

    /// Writes the beneficiaries of a programme to `path`; returns the rows.
    pub async fn export_beneficiaries(
        &self,
        actor: &Actor,
        program_id: i64,
        format: ExportFormat,
        path: &Path,
    ) -> AppResult<u64> {
        let rows = self.beneficiaries(actor, program_id).await?;
        let io = |e: std::io::Error| AppError::Internal(e.to_string());
        let mut w: Box<dyn SheetWriter + Send> = match format {
            ExportFormat::Csv => {
                let f = std::fs::File::create(path).map_err(io)?;
                Box::new(CsvWriter::new(std::io::BufWriter::new(f), b',', false))
            }
            ExportFormat::Xlsx => Box::new(XlsxWriter::create(path, "Penerima").map_err(io)?),
        };
        let header = [
            "nib",
            "nama_usaha",
            "kode_wilayah",
            "program",
            "tahun",
            "nilai_disetujui",
            "nilai_disalurkan",
            "disetujui_pada",
            "id_sertifikasi",
        ];
        w.write_row(&header.map(Cell::Text)).map_err(io)?;
        for r in &rows {
            let decided = r.decided_at.clone().unwrap_or_default();
            let cert = r.certification_id.map(|c| c.to_string()).unwrap_or_default();
            w.write_row(&[
                Cell::Text(r.nib.as_str()),
                Cell::Text(&r.business_name),
                Cell::Text(&r.regency_code),
                Cell::Text(&r.program_name),
                Cell::Int(i64::from(r.program_year)),
                Cell::Int(r.totals.approved),
                Cell::Int(r.totals.disbursed),
                Cell::Text(&decided),
                Cell::Text(&cert),
            ])
            .map_err(io)?;
        }
        let n = w.rows_written();
        w.finish().map_err(io)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine_form() -> ProgramForm {
        ProgramForm {
            year: "2025".into(),
            kind: "restrukturisasi_mesin".into(),
            name: "Restrukturisasi Mesin 2025".into(),
            owner_unit: "Ditjen IKMA".into(),
            budget: "Rp 6.500.000.000".into(),
            starts_on: "2025-02-01".into(),
            ends_on: "2025-11-30".into(),
            size_classes: "kecil, menengah".into(),
            kbli_prefixes: "10, 11".into(),
            regions: "64".into(),
            domestic_rate: "40".into(),
            imported_rate: "20".into(),
            benefit_min: "5.000.000".into(),
            benefit_max: "300.000.000".into(),
            first_time_only: "on".into(),
            ..ProgramForm::default()
        }
    }

    #[test]
    fn a_form_becomes_a_programme_with_rates_per_mille() {
        let d = machine_form().parse().unwrap();
        assert_eq!(d.budget.get(), 6_500_000_000);
        assert_eq!(
            d.benefit,
            Benefit::MachinePrice(MachineRates {
                domestic_permille: 400,
                imported_permille: 200,
                min: Rupiah::new_unchecked(5_000_000),
                max: Rupiah::new_unchecked(300_000_000),
            })
        );
        assert_eq!(d.eligibility.size_classes, [SizeClass::Kecil, SizeClass::Menengah]);
        assert!(d.eligibility.first_time_only);
    }

    #[test]
    fn bad_amounts_name_their_rule() {
        let f = ProgramForm { budget: "1000,5".into(), benefit_max: "-3".into(), ..machine_form() };
        let AppError::Invalid(e) = f.parse().unwrap_err() else { panic!("expected invalid") };
        let codes: Vec<&str> = e.0.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(codes, ["number.rupiah_fraction", "number.negative"]);
    }

    #[test]
    fn json_numbers_are_read_as_text() {
        let f: MoneyForm = serde_json::from_str(r#"{"amount": 1000.5}"#).unwrap();
        assert_eq!(Rupiah::parse(&f.amount, "amount").unwrap_err().code, "number.rupiah_fraction");
        let f: MoneyForm = serde_json::from_str(r#"{"amount": -5}"#).unwrap();
        assert_eq!(Rupiah::parse(&f.amount, "amount").unwrap_err().code, "number.negative");
    }

    #[test]
    fn standard_codes_of_both_catalogues_meet() {
        assert_eq!(standard_key("SNI 2983:2014"), standard_key("sni-2983-2014"));
        assert_eq!(standard_key("SNI ISO 9001:2015"), standard_key("iso-9001-2015"));
        assert_ne!(standard_key("SNI 3747:2024"), standard_key("sni-2983-2014"));
    }
}
