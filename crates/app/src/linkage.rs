//! Linkage use cases (issue 9): buyer profiles, sourcing requests, ranked
//! and explained matches among certified IKM, interest and its outcome,
//! supply relationships, the public directory.
//!
//! Who does what (DESIGN.md §1, rules in `core::access`):
//! - buyers keep their own profile and requests; another buyer's request
//!   answers 404, as if it did not exist;
//! - a buyer contacts matching suppliers only; the owner of the supplier
//!   accepts or declines; contact details reach the buyer only on acceptance;
//! - officials see requests and matches concerning enterprises in their scope;
//! - anyone browses the directory, which holds no personal data.
//!
//! Matching starts from active certificates in the store (few), then scores
//! with the pure `core::linkage::matching::score`.

use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::Service;
use naikkelas_core::certification::Scheme;
use naikkelas_core::linkage::interest::validate_message;
use naikkelas_core::linkage::matching::{explain, rank, score, CandidateFacts, MatchScore, Need, Reason};
use naikkelas_core::linkage::{BuyerDraft, BuyerProfile, Capacity, CapacityUnit, InterestStatus, RequestDraft};
use naikkelas_core::linkage::{RequestStatus, SourcingRequest};
use naikkelas_core::{Actor, FieldError, Nib, QualityLevel, RegionCode, Role, Scope};
use naikkelas_store::linkage::*;
use serde::{Deserialize, Serialize};
use time::Date;

/// Requests listed at once; the buyers of a national installation post a
/// few hundred a year each.
const LIST_LIMIT: u32 = 200;
/// Matches shown for one request.
pub const MATCH_LIMIT: usize = 100;
/// Directory entries per page.
pub const DIRECTORY_PAGE: u32 = 50;

/// One ranked candidate with the reasons it is shown for.
#[derive(Debug, Clone, Serialize)]
pub struct MatchView {
    pub nib: String,
    pub name: String,
    pub regency_code: String,
    pub regency: String,
    pub province: String,
    pub products: Vec<String>,
    pub quality_level: QualityLevel,
    pub score: MatchScore,
    pub reasons: Vec<Reason>,
    /// The reasons in the user's language, e.g. "SPPT SNI 3553:2015 aktif sampai 2027-03-01".
    pub explanation: Vec<String>,
    /// The buyer's interest in this supplier for this request, if any.
    pub interest: Option<InterestStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InterestView {
    pub id: i64,
    pub request_id: i64,
    pub request_title: String,
    pub buyer_company: Option<String>,
    pub nib: String,
    pub business_name: String,
    pub regency: String,
    pub message: String,
    pub status: InterestStatus,
    pub created_at: String,
    pub decided_at: Option<String>,
    /// Owner name, phone and e-mail: for the buyer only once accepted.
    pub contact: Option<SupplierContact>,
    /// The buyer's contact, for the supplier contacted.
    pub buyer_contact: Option<BuyerProfile>,
    pub supply: Option<SupplyRecord>,
    pub can_answer: bool,
    pub can_record_supply: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    pub record: RequestRecord,
    pub regions: Vec<(String, String)>,
    pub can_manage: bool,
    pub matches: Vec<MatchView>,
    pub interests: Vec<InterestView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirectoryCertificate {
    pub number: String,
    pub standard: String,
    pub scheme: Scheme,
    #[serde(serialize_with = "naikkelas_core::linkage::day::serialize")]
    pub expires_on: Date,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirectoryItem {
    pub name: String,
    pub regency_code: String,
    pub regency: String,
    pub province: String,
    pub products: Vec<String>,
    pub certificates: Vec<DirectoryCertificate>,
}

/// The directory's filters as given in a query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DirectoryFilters {
    pub q: Option<String>,
    pub standard: Option<String>,
    pub region: Option<String>,
    pub page: Option<u32>,
}

/// A supply relationship as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SupplyDraft {
    #[serde(default)]
    pub started_on: String,
    #[serde(default)]
    pub note: String,
}

/// How a standard is named in an explanation: an SNI product certificate is
/// an SPPT SNI (DOMAIN.md §2c).
fn certificate_label(scheme: Scheme, standard: &str) -> String {
    if scheme.is_product() {
        format!("SPPT {standard}")
    } else {
        standard.to_string()
    }
}

impl Service {
    fn links(&self) -> &dyn LinkageStore {
        self.store().linkage()
    }

    fn region_names(&self, code: &str) -> (String, String) {
        let r = self.reference();
        let regency = r.region_name(code).unwrap_or(code).to_string();
        let province = r.region_name(code.get(..2).unwrap_or(code)).unwrap_or("").to_string();
        (regency, province)
    }

    /// The reasons of a match in `lang`.
    pub fn explain_reasons(&self, lang: Lang, reasons: &[Reason]) -> Vec<String> {
        reasons
            .iter()
            .map(|r| match r {
                Reason::Certificate { standard, number, until } => i18n::fill(
                    i18n::t(lang, "linkage.reason.certificate"),
                    &[
                        ("standard".into(), standard.clone()),
                        ("number".into(), number.clone()),
                        ("until".into(), until.to_string()),
                    ],
                ),
                Reason::Capacity { monthly, unit, enough } => i18n::fill(
                    i18n::t(lang, if *enough { "linkage.reason.capacity" } else { "linkage.reason.capacity_below" }),
                    &[("value".into(), i18n::number(lang, *monthly)), ("unit".into(), unit.as_str().into())],
                ),
                Reason::CapacityUnknown => i18n::t(lang, "linkage.reason.capacity_unknown").to_string(),
                Reason::Region { regency } => {
                    let (reg, prov) = self.region_names(regency.as_str());
                    if prov.is_empty() {
                        reg
                    } else {
                        format!("{reg}, {prov}")
                    }
                }
                Reason::Quality { level } => {
                    i18n::fill(i18n::t(lang, "linkage.reason.quality"), &[("level".into(), level.as_str().into())])
                }
            })
            .collect()
    }

    // ----- buyer profile -----

    /// The acting buyer's profile; `None` before it is filled in.
    pub async fn buyer_profile(&self, actor: &Actor) -> AppResult<Option<BuyerRecord>> {
        if !actor.can_post_sourcing() {
            return Err(AppError::Forbidden);
        }
        Ok(self.links().buyer_profile(actor.user_id).await?)
    }

    pub async fn save_buyer_profile(&self, actor: &Actor, d: &BuyerDraft) -> AppResult<BuyerProfile> {
        if !actor.can_post_sourcing() {
            return Err(AppError::Forbidden);
        }
        let p = d.validate(self.reference())?;
        self.links().save_buyer_profile(actor.user_id, &p, &self.audit_ctx(actor)).await?;
        Ok(p)
    }

    // ----- requests -----

    async fn validate_request(&self, d: &RequestDraft) -> AppResult<SourcingRequest> {
        let standards: Vec<String> = self.certification_standards().await?.into_iter().map(|s| s.code).collect();
        Ok(d.validate(self.reference(), &standards, self.now().date())?)
    }

    pub async fn post_sourcing_request(&self, actor: &Actor, d: &RequestDraft) -> AppResult<i64> {
        if !actor.can_post_sourcing() {
            return Err(AppError::Forbidden);
        }
        let r = self.validate_request(d).await?;
        Ok(self.links().create_request(actor.user_id, &r, &self.audit_ctx(actor)).await?)
    }

    /// A request the actor may change; anyone else's answers 404.
    async fn managed_request(&self, actor: &Actor, id: i64) -> AppResult<RequestRecord> {
        let rec = self.links().request(id).await?.ok_or(AppError::NotFound)?;
        if !actor.can_manage_sourcing_request(rec.buyer_user_id) {
            return Err(AppError::NotFound);
        }
        Ok(rec)
    }

    pub async fn update_sourcing_request(
        &self,
        actor: &Actor,
        id: i64,
        d: &RequestDraft,
        expected_version: Option<i64>,
    ) -> AppResult<()> {
        self.managed_request(actor, id).await?;
        let r = self.validate_request(d).await?;
        Ok(self.links().update_request(id, &r, expected_version, &self.audit_ctx(actor)).await?)
    }

    /// Opens or closes a request, keeping everything else.
    pub async fn set_sourcing_request_status(&self, actor: &Actor, id: i64, status: RequestStatus) -> AppResult<()> {
        let rec = self.managed_request(actor, id).await?;
        let r = SourcingRequest { status, ..rec.request };
        Ok(self.links().update_request(id, &r, Some(rec.version), &self.audit_ctx(actor)).await?)
    }

    /// Buyers: their own requests. Administrators and ministry: all.
    /// Officers: open requests with a match or an interest in their region.
    pub async fn sourcing_requests(&self, actor: &Actor) -> AppResult<Vec<RequestRecord>> {
        let links = self.links();
        match actor.role {
            Role::Buyer => Ok(links
                .list_requests(&RequestQuery { buyer_user_id: Some(actor.user_id), status: None, limit: LIST_LIMIT })
                .await?),
            Role::Admin | Role::Ministry => {
                Ok(links.list_requests(&RequestQuery { limit: LIST_LIMIT, ..Default::default() }).await?)
            }
            Role::Officer if actor.region.is_some() => {
                let scope = actor.registry_scope();
                let open = links
                    .list_requests(&RequestQuery {
                        status: Some(RequestStatus::Open),
                        limit: LIST_LIMIT,
                        ..Default::default()
                    })
                    .await?;
                let mut out = Vec::new();
                for r in open {
                    let q = InterestQuery {
                        request_id: Some(r.id),
                        nib: None,
                        buyer_user_id: None,
                        scope: scope.clone(),
                        limit: 1,
                    };
                    if !links.interests(&q).await?.is_empty()
                        || !links.candidates(&self.candidate_query(&r.request, scope.clone())).await?.is_empty()
                    {
                        out.push(r);
                    }
                }
                Ok(out)
            }
            _ => Err(AppError::Forbidden),
        }
    }

    fn candidate_query(&self, r: &SourcingRequest, scope: Scope) -> CandidateQuery {
        CandidateQuery { standards: r.standards.clone(), kbli: Some(r.kbli), today: self.now().date(), scope }
    }

    /// Ranked, explained candidates for a request as `scope` sees them.
    /// Every candidate is scored; only the shown ones are explained.
    async fn rank_matches(&self, lang: Lang, r: &SourcingRequest, scope: Scope) -> AppResult<Vec<MatchView>> {
        let found = self.links().candidates(&self.candidate_query(r, scope)).await?;
        let need = Need { min_monthly: r.min_monthly, regions: &r.regions };
        let facts_of = |c: &CandidateRecord| {
            let yearly = match (c.capacity, c.capacity_unit.as_deref().and_then(CapacityUnit::parse)) {
                (Some(amount), Some(unit)) => Some(Capacity { amount, unit }),
                _ => None,
            };
            (
                QualityLevel::parse(&c.quality_level).unwrap_or(QualityLevel::L0),
                yearly,
                c.readiness_permille.and_then(|p| u16::try_from(p).ok()),
            )
        };
        let mut scored: Vec<(MatchScore, CandidateRecord)> = found
            .into_iter()
            .map(|c| {
                let (quality, yearly_capacity, readiness_permille) = facts_of(&c);
                let facts = CandidateFacts { regency: &c.regency, yearly_capacity, quality, readiness_permille };
                (score(&need, &facts), c)
            })
            .collect();
        rank(&mut scored, |(s, _)| s.total, |(_, c)| c.nib.clone());
        scored.truncate(MATCH_LIMIT);
        Ok(scored
            .into_iter()
            .map(|(s, c)| {
                let (quality, yearly_capacity, readiness_permille) = facts_of(&c);
                let facts = CandidateFacts { regency: &c.regency, yearly_capacity, quality, readiness_permille };
                let certs = c
                    .certificates
                    .iter()
                    .map(|x| (certificate_label(x.scheme, &x.standard_code), x.number.clone(), x.expires_on))
                    .collect();
                let reasons = explain(&need, &facts, &s, certs);
                let (regency, province) = self.region_names(c.regency.as_str());
                MatchView {
                    nib: c.nib.to_string(),
                    regency_code: c.regency.to_string(),
                    name: c.name,
                    regency,
                    province,
                    products: c.products,
                    quality_level: quality,
                    score: s,
                    explanation: self.explain_reasons(lang, &reasons),
                    reasons,
                    interest: None,
                }
            })
            .collect())
    }

    /// The ranked matches of a request: its buyer sees all, officials those
    /// in their scope; anyone else gets 404.
    pub async fn sourcing_matches(&self, actor: &Actor, lang: Lang, id: i64) -> AppResult<Vec<MatchView>> {
        let rec = self.links().request(id).await?.ok_or(AppError::NotFound)?;
        if !actor.can_read_sourcing_request(rec.buyer_user_id) {
            return Err(AppError::NotFound);
        }
        self.rank_matches(lang, &rec.request, actor.sourcing_match_scope(rec.buyer_user_id)).await
    }

    /// A request with its matches and the interests shown to this actor.
    pub async fn sourcing_request(&self, actor: &Actor, lang: Lang, id: i64) -> AppResult<RequestView> {
        let rec = self.links().request(id).await?.ok_or(AppError::NotFound)?;
        if !actor.can_read_sourcing_request(rec.buyer_user_id) {
            return Err(AppError::NotFound);
        }
        let scope = actor.sourcing_match_scope(rec.buyer_user_id);
        let mut matches = self.rank_matches(lang, &rec.request, scope.clone()).await?;
        let q = InterestQuery { request_id: Some(id), nib: None, buyer_user_id: None, scope, limit: 1000 };
        let interests: Vec<InterestView> =
            self.links().interests(&q).await?.into_iter().map(|i| self.interest_view(actor, i, None)).collect();
        for m in &mut matches {
            m.interest = interests.iter().find(|i| i.nib == m.nib).map(|i| i.status);
        }
        let regions = rec.request.regions.iter().map(|c| (c.to_string(), self.region_names(c.as_str()).0)).collect();
        Ok(RequestView {
            can_manage: actor.can_manage_sourcing_request(rec.buyer_user_id),
            record: rec,
            regions,
            matches,
            interests,
        })
    }

    fn interest_view(&self, actor: &Actor, i: InterestRecord, buyer: Option<BuyerProfile>) -> InterestView {
        let is_buyer = actor.can_manage_sourcing_request(i.buyer_user_id);
        let can_answer = actor.can_answer_interest(&i.nib) && i.status == InterestStatus::Pending;
        InterestView {
            id: i.id,
            request_id: i.request_id,
            request_title: i.request_title,
            buyer_company: i.buyer_company,
            nib: i.nib.to_string(),
            business_name: i.business_name,
            regency: self.region_names(i.regency.as_str()).0,
            message: i.message,
            status: i.status,
            created_at: i.created_at,
            decided_at: i.decided_at,
            contact: (is_buyer && i.status.reveals_contact()).then_some(i.contact),
            buyer_contact: buyer,
            can_record_supply: is_buyer && i.status.allows_supply() && i.supply.is_none(),
            supply: i.supply,
            can_answer,
        }
    }

    // ----- interest and outcome -----

    /// The buyer contacts a supplier among the request's current matches.
    pub async fn express_interest(&self, actor: &Actor, request_id: i64, nib: &str, message: &str) -> AppResult<i64> {
        let rec = self.managed_request(actor, request_id).await?;
        if rec.request.status != RequestStatus::Open {
            return Err(AppError::field(FieldError::new("status", "request.closed")));
        }
        let message = validate_message(message).map_err(AppError::field)?;
        let nib = Nib::parse(nib).map_err(|_| AppError::NotFound)?;
        let candidates =
            self.links().candidates(&self.candidate_query(&rec.request, Scope::Enterprise(nib.clone()))).await?;
        if candidates.is_empty() {
            return Err(AppError::NotFound);
        }
        let n = NewInterest { request_id, nib, message };
        Ok(self.links().create_interest(&n, &self.audit_ctx(actor)).await?)
    }

    /// Interests addressed to the owner's enterprise, with the buyer's contact.
    pub async fn interests_received(&self, actor: &Actor) -> AppResult<Vec<InterestView>> {
        let Some(nib) = actor.enterprise.clone().filter(|_| actor.role == Role::Owner) else {
            return Err(AppError::Forbidden);
        };
        let q =
            InterestQuery { request_id: None, nib: Some(nib), buyer_user_id: None, scope: Scope::National, limit: 500 };
        let mut out = Vec::new();
        for i in self.links().interests(&q).await? {
            let buyer = self.links().buyer_profile(i.buyer_user_id).await?.map(|b| b.profile);
            out.push(self.interest_view(actor, i, buyer));
        }
        Ok(out)
    }

    /// One interest, for its buyer or the supplier's owner (officials in scope see it without contact details).
    pub async fn interest_view_for(&self, actor: &Actor, id: i64) -> AppResult<InterestView> {
        let i = self.links().interest(id).await?.ok_or(AppError::NotFound)?;
        let allowed = actor.can_manage_sourcing_request(i.buyer_user_id)
            || actor.can_answer_interest(&i.nib)
            || (matches!(actor.role, Role::Admin | Role::Ministry | Role::Officer)
                && actor.can_read_enterprise(&i.regency, &i.nib));
        if !allowed {
            return Err(AppError::NotFound);
        }
        let buyer = if actor.can_answer_interest(&i.nib) {
            self.links().buyer_profile(i.buyer_user_id).await?.map(|b| b.profile)
        } else {
            None
        };
        Ok(self.interest_view(actor, i, buyer))
    }

    /// The supplier's owner accepts or declines, once.
    pub async fn answer_interest(&self, actor: &Actor, id: i64, accept: bool) -> AppResult<InterestStatus> {
        let i = self.links().interest(id).await?.ok_or(AppError::NotFound)?;
        if !actor.can_answer_interest(&i.nib) {
            return Err(AppError::NotFound);
        }
        let next = i.status.decide(accept).map_err(AppError::field)?;
        self.links().decide_interest(id, next, &self.audit_ctx(actor)).await.map_err(|e| match e {
            naikkelas_store::StoreError::StaleVersion => {
                AppError::field(FieldError::new("status", "interest.decided").with("value", i.status.as_str()))
            }
            other => other.into(),
        })?;
        Ok(next)
    }

    /// The buyer records that the accepted supplier supplies (L5 for a certified supplier).
    pub async fn record_supply(&self, actor: &Actor, interest_id: i64, d: &SupplyDraft) -> AppResult<i64> {
        let i = self.links().interest(interest_id).await?.ok_or(AppError::NotFound)?;
        if !actor.can_manage_sourcing_request(i.buyer_user_id) {
            return Err(AppError::NotFound);
        }
        if !i.status.allows_supply() {
            return Err(AppError::field(FieldError::new("status", "supply.not_accepted")));
        }
        let started_on = crate::registry::parse_date(&d.started_on, "mulai_pasok")
            .map_err(AppError::field)?
            .ok_or_else(|| AppError::field(FieldError::new("mulai_pasok", "required")))?;
        let note = d.note.trim();
        if note.chars().count() > 500 {
            return Err(AppError::field(FieldError::new("catatan", "text.too_long").with("max", 500)));
        }
        let s = NewSupply { interest_id, started_on, note: note.to_string() };
        Ok(self.links().record_supply(&s, &self.audit_ctx(actor)).await?)
    }

    /// Whether the enterprise supplies large industry through an accepted,
    /// recorded supply (the ladder's L5, with exports).
    pub async fn supplies_large_industry(&self, nib: &Nib) -> AppResult<bool> {
        let q = InterestQuery {
            request_id: None,
            nib: Some(nib.clone()),
            buyer_user_id: None,
            scope: Scope::National,
            limit: 500,
        };
        Ok(self.links().interests(&q).await?.iter().any(|i| i.status.allows_supply() && i.supply.is_some()))
    }

    // ----- public directory -----

    /// One page of certified IKM; no login, no personal data.
    pub async fn directory(&self, f: &DirectoryFilters) -> AppResult<Vec<DirectoryItem>> {
        let region = match f.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => {
                let c = RegionCode::parse_field(raw, "wilayah").map_err(AppError::field)?;
                if !self.reference().region_exists(&c) {
                    return Err(AppError::field(FieldError::new("wilayah", "region.unknown").with("value", &c)));
                }
                Some(c)
            }
        };
        let clean = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let q = DirectoryQuery {
            q: clean(&f.q).map(|s| s.chars().take(100).collect()),
            standard: clean(&f.standard),
            region,
            today: self.now().date(),
            limit: DIRECTORY_PAGE,
            offset: f.page.unwrap_or(0).min(10_000) * DIRECTORY_PAGE,
        };
        Ok(self
            .links()
            .directory(&q)
            .await?
            .into_iter()
            .map(|e| {
                let (regency, province) = self.region_names(e.regency.as_str());
                DirectoryItem {
                    name: e.name,
                    regency_code: e.regency.to_string(),
                    regency,
                    province,
                    products: e.products,
                    certificates: e
                        .certificates
                        .into_iter()
                        .map(|c| DirectoryCertificate {
                            number: c.number,
                            standard: c.standard_code,
                            scheme: c.scheme,
                            expires_on: c.expires_on,
                        })
                        .collect(),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_certificates_are_named_as_sppt() {
        assert_eq!(certificate_label(Scheme::SniType5, "SNI 3553:2015"), "SPPT SNI 3553:2015");
        assert_eq!(certificate_label(Scheme::Iso, "SNI ISO 9001:2015"), "SNI ISO 9001:2015");
    }

    #[test]
    fn every_linkage_rule_code_has_a_message() {
        let codes = [
            "standard.unknown",
            "capacity.not_positive",
            "capacity_unit.unknown",
            "deadline.past",
            "status.unknown",
            "interest.decided",
            "interest.duplicate",
            "supply.duplicate",
            "supply.not_accepted",
            "request.closed",
        ];
        for code in codes {
            for lang in [Lang::Id, Lang::En] {
                assert!(i18n::has_key(lang, &format!("err.{code}")), "err.{code} missing in {}", lang.code());
            }
        }
        for key in ["linkage.reason.certificate", "linkage.reason.capacity", "linkage.reason.quality"] {
            assert!(i18n::t(Lang::Id, key).contains('{'), "{key} has placeholders");
        }
    }
}
