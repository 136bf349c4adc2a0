//! Registry use cases: list, read, register, edit, figures, permits, history.

use crate::error::{AppError, AppResult};
use crate::service::Service;
use naikkelas_core::audit::AuditEntry;
use naikkelas_core::enterprise::{EnterpriseDraft, EnterpriseProfile};
use naikkelas_core::figures::{parse_year, FiguresDraft, MIN_DATA_YEAR};
use naikkelas_core::permit::Permit;
use naikkelas_core::quality::QualityInputs;
use naikkelas_core::{
    Actor, FieldError, Kbli, Nib, QualityLevel, RegionCode, RegionLevel, Scope, SizeClass, ValidationErrors,
};
use naikkelas_store::{EnterprisePage, EnterpriseQuery, EnterpriseRecord, Facets, FigureRevision, StoreError};
use serde::Deserialize;
use time::Date;

/// Registry filters as they arrive from a query string, a form or the CLI.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListFilters {
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub regency: Option<String>,
    #[serde(default)]
    pub division: Option<String>,
    #[serde(default)]
    pub kbli: Option<String>,
    #[serde(default)]
    pub size_class: Option<String>,
    #[serde(default)]
    pub year: Option<String>,
    #[serde(default)]
    pub quality_level: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub cursor: Option<String>,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListFilters {
    /// Validates the filters into a store query in the actor's scope.
    /// Unknown regions, codes or classes are refused by name rather than
    /// silently answering an empty list that looks like "none exist".
    pub fn into_query(&self, svc: &Service, scope: Scope) -> AppResult<EnterpriseQuery> {
        let r = svc.reference();
        let mut e = ValidationErrors::default();
        let mut q = EnterpriseQuery::in_scope(scope);
        if let Some(p) = present(&self.province) {
            match RegionCode::parse_field(p, "province") {
                Ok(c) if c.level() == RegionLevel::Province && r.region_exists(&c) => q.province = Some(c.to_string()),
                _ => e.push(FieldError::new("province", "region.unknown").with("value", p)),
            }
        }
        if let Some(p) = present(&self.regency) {
            match RegionCode::parse_field(p, "regency") {
                Ok(c) if c.level() == RegionLevel::Regency && r.region_exists(&c) => q.regency = Some(c),
                _ => e.push(FieldError::new("regency", "region.unknown").with("value", p)),
            }
        }
        if let Some(d) = present(&self.division) {
            if r.kbli.get(d).is_some_and(|k| k.level == "golongan_pokok") {
                q.division = Some(d.to_string());
            } else {
                e.push(FieldError::new("division", "kbli.unknown_division").with("value", d));
            }
        }
        if let Some(k) = present(&self.kbli) {
            // A two-digit value in the code filter means the division.
            if k.len() == 2 && q.division.is_none() && r.kbli.contains_key(k) {
                q.division = Some(k.to_string());
            } else {
                q.kbli = e.take(Kbli::parse(k).and_then(|c| r.check_kbli(&c).map(|_| c)));
            }
        }
        if let Some(s) = present(&self.size_class) {
            q.size_class = SizeClass::parse(s);
            if q.size_class.is_none() {
                e.push(FieldError::new("size_class", "size_class.unknown").with("value", s));
            }
        }
        if let Some(y) = present(&self.year) {
            q.year = e.take(parse_year(y, "year", MIN_DATA_YEAR, svc.this_year()));
        }
        if let Some(l) = present(&self.quality_level) {
            q.quality_level = QualityLevel::parse(l);
            if q.quality_level.is_none() {
                e.push(FieldError::new("quality_level", "quality.unknown").with("value", l));
            }
        }
        if let Some(t) = present(&self.q) {
            if t.chars().count() > 100 {
                e.push(FieldError::new("q", "text.too_long").with("max", 100));
            }
            q.text = Some(t.to_string());
        }
        q.limit = self.limit.unwrap_or(50).clamp(1, 500);
        q.cursor = present(&self.cursor).map(str::to_string);
        Ok(e.into_result(|| q)?)
    }
}

/// An enterprise as its page shows it: the record plus what is derived and
/// what the viewer may do.
#[derive(Debug, Clone)]
pub struct EnterpriseView {
    pub record: EnterpriseRecord,
    /// Recomputed now, so an expired permit shows at once.
    pub quality_level: QualityLevel,
    pub revisions: Vec<FigureRevision>,
    pub history: Vec<AuditEntry>,
    pub can_edit: bool,
    pub can_finalise: bool,
    pub can_delete: bool,
}

impl Service {
    fn registry_scope(&self, actor: &Actor) -> AppResult<Scope> {
        match actor.registry_scope() {
            Scope::Nothing => Err(AppError::Forbidden),
            s => Ok(s),
        }
    }

    pub async fn list_enterprises(&self, actor: &Actor, f: &ListFilters) -> AppResult<EnterprisePage> {
        let q = f.into_query(self, self.registry_scope(actor)?)?;
        Ok(self.store().list_enterprises(&q).await?)
    }

    pub async fn enterprise_facets(&self, actor: &Actor, f: &ListFilters) -> AppResult<Facets> {
        let q = f.into_query(self, self.registry_scope(actor)?)?;
        Ok(self.store().facet_counts(&q).await?)
    }

    /// The record if the actor may read it; anything else is `NotFound`.
    pub async fn readable_enterprise(&self, actor: &Actor, nib: &str) -> AppResult<EnterpriseRecord> {
        let nib = Nib::parse(nib).map_err(|_| AppError::NotFound)?;
        let rec = self.store().enterprise(&nib).await?.ok_or(AppError::NotFound)?;
        if !actor.can_read_enterprise(&rec.profile.regency, &rec.profile.nib) {
            return Err(AppError::NotFound);
        }
        Ok(rec)
    }

    async fn editable_enterprise(&self, actor: &Actor, nib: &str) -> AppResult<EnterpriseRecord> {
        let rec = self.readable_enterprise(actor, nib).await?;
        if !actor.can_edit_enterprise(&rec.profile.regency, &rec.profile.nib) {
            return Err(AppError::Forbidden);
        }
        Ok(rec)
    }

    async fn finalisable_enterprise(&self, actor: &Actor, nib: &str) -> AppResult<EnterpriseRecord> {
        let rec = self.readable_enterprise(actor, nib).await?;
        if !actor.can_finalise(&rec.profile.regency, &rec.profile.nib) {
            return Err(AppError::Forbidden);
        }
        Ok(rec)
    }

    /// The ladder as of now: permits valid today, L2 from the latest completed
    /// readiness assessments (`readiness.rs`), L3/L4 from active certificates (`certification.rs`),
    /// L5 with exports in the latest year or a recorded supply to large industry (`linkage.rs`).
    pub async fn quality_of(&self, rec: &EnterpriseRecord) -> AppResult<QualityLevel> {
        let today = self.now().date();
        let assessment_ready = self.store().readiness().assessment_ready(&rec.profile.nib).await?;
        let (active_product_certificate, active_system_certificate) =
            self.active_certificates(&rec.profile.nib).await?;
        Ok(QualityLevel::compute(QualityInputs {
            has_valid_product_permit: rec.permits.iter().any(|p| p.permit.is_valid_on(today)),
            assessment_ready,
            active_product_certificate,
            active_system_certificate,
            exports_or_supplies: rec.latest_figures().is_some_and(|f| f.figures.export.cents() > 0)
                || self.supplies_large_industry(&rec.profile.nib).await?,
        }))
    }

    pub async fn enterprise_view(&self, actor: &Actor, nib: &str) -> AppResult<EnterpriseView> {
        let record = self.readable_enterprise(actor, nib).await?;
        let nib = &record.profile.nib;
        let revisions = self.store().figure_revisions(nib).await?;
        let history = self.store().audit_for_entity("enterprise", nib.as_str(), 50).await?;
        let (regency, nib) = (&record.profile.regency, &record.profile.nib);
        Ok(EnterpriseView {
            quality_level: self.quality_of(&record).await?,
            can_edit: actor.can_edit_enterprise(regency, nib),
            can_finalise: actor.can_finalise(regency, nib),
            can_delete: actor.can_delete_enterprise(),
            revisions,
            history,
            record,
        })
    }

    /// Validates a draft against the rules and reference data.
    pub fn validate_draft(&self, d: &EnterpriseDraft) -> AppResult<EnterpriseProfile> {
        Ok(d.validate(self.reference(), self.this_year())?)
    }

    pub async fn register_enterprise(&self, actor: &Actor, d: &EnterpriseDraft) -> AppResult<EnterpriseProfile> {
        if !actor.can_register() {
            return Err(AppError::Forbidden);
        }
        let p = self.validate_draft(d)?;
        if !actor.can_register_in(&p.regency) {
            return Err(AppError::field(
                FieldError::new("kode_wilayah", "scope.outside_region").with("value", &p.regency),
            ));
        }
        self.store().register_enterprise(&p, &self.audit_ctx(actor)).await?;
        Ok(p)
    }

    pub async fn update_enterprise(
        &self,
        actor: &Actor,
        nib: &str,
        d: &EnterpriseDraft,
        expected_version: Option<i64>,
    ) -> AppResult<EnterpriseProfile> {
        let current = self.editable_enterprise(actor, nib).await?;
        let mut d = d.clone();
        // The NIB identifies the enterprise; it is not editable here.
        d.nib = current.profile.nib.to_string();
        let p = self.validate_draft(&d)?;
        if p.regency != current.profile.regency
            && actor.role != naikkelas_core::Role::Owner
            && !actor.can_register_in(&p.regency)
        {
            return Err(AppError::field(
                FieldError::new("kode_wilayah", "scope.outside_region").with("value", &p.regency),
            ));
        }
        self.store().update_profile(&p, expected_version, &self.audit_ctx(actor)).await?;
        Ok(p)
    }

    pub async fn delete_enterprise(&self, actor: &Actor, nib: &str) -> AppResult<()> {
        let rec = self.readable_enterprise(actor, nib).await?;
        if !actor.can_delete_enterprise() {
            return Err(AppError::Forbidden);
        }
        match self.store().delete_enterprise(&rec.profile.nib, &self.audit_ctx(actor)).await {
            // The only conflict of a delete: a programme history keeps the record.
            Err(StoreError::Conflict(f)) => Err(AppError::Conflict(f)),
            r => Ok(r?),
        }
    }

    pub async fn record_figures(&self, actor: &Actor, nib: &str, d: &FiguresDraft) -> AppResult<()> {
        let rec = self.editable_enterprise(actor, nib).await?;
        let f = d.validate(self.this_year())?;
        Ok(self.store().record_figures(&rec.profile.nib, &f, &self.audit_ctx(actor)).await?)
    }

    pub async fn finalise_figures(&self, actor: &Actor, nib: &str, year: i32) -> AppResult<()> {
        let rec = self.finalisable_enterprise(actor, nib).await?;
        Ok(self.store().finalise_figures(&rec.profile.nib, year, &self.audit_ctx(actor)).await?)
    }

    pub async fn correct_figures(&self, actor: &Actor, nib: &str, d: &FiguresDraft, reason: &str) -> AppResult<()> {
        let rec = self.finalisable_enterprise(actor, nib).await?;
        let mut errs = ValidationErrors::default();
        let f = errs.take(d.validate(self.this_year()).map_err(|e| e.0.into_iter().next().expect("non-empty")));
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        if reason.chars().count() < 5 {
            errs.push(FieldError::new("alasan", "correction.reason_required").with("min", 5));
        }
        if errs.is_empty() {
            let f = f.expect("checked");
            return Ok(self.store().correct_figures(&rec.profile.nib, &f, &reason, &self.audit_ctx(actor)).await?);
        }
        Err(errs.into())
    }

    pub async fn add_permit(&self, actor: &Actor, nib: &str, d: &PermitDraft) -> AppResult<i64> {
        let rec = self.editable_enterprise(actor, nib).await?;
        let mut errs = ValidationErrors::default();
        let from = errs.take(parse_date(&d.valid_from, "valid_from"));
        let until = errs.take(parse_date(&d.valid_until, "valid_until"));
        let permit = Permit::validate(&d.kind, &d.number, &d.issuer, from.flatten(), until.flatten());
        let permit = match permit {
            Ok(p) if errs.is_empty() => p,
            Ok(_) => return Err(errs.into()),
            Err(e) => {
                for x in e.0 {
                    if errs.for_field(&x.field).is_none() {
                        errs.push(x);
                    }
                }
                return Err(errs.into());
            }
        };
        Ok(self.store().add_permit(&rec.profile.nib, &permit, &self.audit_ctx(actor)).await?)
    }

    pub async fn remove_permit(&self, actor: &Actor, nib: &str, permit_id: i64) -> AppResult<()> {
        let rec = self.editable_enterprise(actor, nib).await?;
        Ok(self.store().remove_permit(&rec.profile.nib, permit_id, &self.audit_ctx(actor)).await?)
    }
}

/// A product permit as typed into a form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PermitDraft {
    pub kind: String,
    pub number: String,
    pub issuer: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    /// `YYYY-MM-DD`, or empty for permits without an end.
    pub valid_until: String,
}

/// `YYYY-MM-DD`, or empty for "none".
pub fn parse_date(s: &str, field: &str) -> Result<Option<Date>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt).map(Some).map_err(|_| FieldError::new(field, "date.format").with("value", s))
}
