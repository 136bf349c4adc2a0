//! The JSON shapes of the API (DESIGN.md §5). Core types stay free of
//! OpenAPI derives; these are the documented wire forms.

use naikkelas_app::registry::EnterpriseView;
use naikkelas_core::enterprise::EnterpriseDraft;
use naikkelas_core::figures::FiguresDraft;
use naikkelas_store::{EnterprisePage, EnterpriseSummary, FiguresRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseItem {
    /// Nomor Induk Berusaha, 13 digits.
    #[schema(example = "6472000000123")]
    pub nib: String,
    pub name: String,
    #[schema(example = "64")]
    pub province_code: String,
    #[schema(example = "64.72")]
    pub regency_code: String,
    /// KBLI 2020 five-digit codes, main activity first.
    pub kbli: Vec<String>,
    pub products: Vec<String>,
    /// Year of the latest figures.
    pub year: Option<i32>,
    pub workers: Option<i64>,
    /// `kecil`, `menengah` or `besar` (Permenperin 64/2016), from the latest year's figures.
    pub size_class: Option<String>,
    /// `L0`…`L5`.
    pub quality_level: String,
}

impl From<EnterpriseSummary> for EnterpriseItem {
    fn from(s: EnterpriseSummary) -> Self {
        Self {
            nib: s.nib.to_string(),
            name: s.name,
            province_code: s.province_code,
            regency_code: s.regency_code,
            kbli: s.kbli,
            products: s.products,
            year: s.year,
            workers: s.workers,
            size_class: s.size_class.map(|c| c.as_str().to_string()),
            quality_level: s.quality_level.as_str().to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseList {
    pub items: Vec<EnterpriseItem>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Number of enterprises matching the filters (all pages).
    pub total: i64,
}

impl From<EnterprisePage> for EnterpriseList {
    fn from(p: EnterprisePage) -> Self {
        Self { items: p.items.into_iter().map(Into::into).collect(), next_cursor: p.next_cursor, total: p.total }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresOut {
    pub year: i32,
    pub workers: i64,
    /// Investment excluding land and buildings, whole rupiah.
    pub investment_idr: i64,
    /// Production value per year, whole rupiah.
    pub production_idr: i64,
    /// Export value per year in US dollars (two decimals).
    pub export_usd: f64,
    /// The same export value in cents, exact.
    pub export_usd_cents: i64,
    pub capacity: Option<i64>,
    pub capacity_unit: Option<String>,
    pub size_class: String,
    /// BPS workforce band: mikro, kecil, sedang, besar.
    pub bps_band: String,
    pub finalised: bool,
    pub corrections: i64,
}

impl From<&FiguresRecord> for FiguresOut {
    fn from(f: &FiguresRecord) -> Self {
        let y = &f.figures;
        Self {
            year: y.year,
            workers: y.workers,
            investment_idr: y.investment.get(),
            production_idr: y.production.get(),
            // Display only: the exact value is export_usd_cents.
            export_usd: y.export.cents() as f64 / 100.0,
            export_usd_cents: y.export.cents(),
            capacity: y.capacity,
            capacity_unit: y.capacity_unit.clone(),
            size_class: f.size_class.as_str().to_string(),
            bps_band: y.bps_band().as_str().to_string(),
            finalised: f.finalised_at.is_some(),
            corrections: f.corrections,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermitOut {
    pub id: i64,
    /// `pirt`, `bpom_md` or `halal`.
    pub kind: String,
    pub number: String,
    pub issuer: String,
    pub valid_from: String,
    pub valid_until: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseDetail {
    pub nib: String,
    pub name: String,
    pub owner_name: String,
    pub address: String,
    pub province_code: String,
    pub regency_code: String,
    pub district_code: Option<String>,
    pub kbli: Vec<String>,
    pub products: Vec<String>,
    pub commodities: Vec<String>,
    pub founded_year: Option<i32>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// From the latest year's figures.
    pub size_class: Option<String>,
    pub quality_level: String,
    /// Per year, ascending.
    pub figures: Vec<FiguresOut>,
    pub permits: Vec<PermitOut>,
    /// Pass back as `version` when updating, to detect concurrent edits.
    pub version: i64,
}

impl From<&EnterpriseView> for EnterpriseDetail {
    fn from(v: &EnterpriseView) -> Self {
        let r = &v.record;
        let p = &r.profile;
        Self {
            nib: p.nib.to_string(),
            name: p.name.clone(),
            owner_name: p.owner_name.clone(),
            address: p.address.clone(),
            province_code: p.province_code().to_string(),
            regency_code: p.regency.to_string(),
            district_code: p.district.as_ref().map(|d| d.to_string()),
            kbli: p.kbli.iter().map(|k| k.to_string()).collect(),
            products: p.products.clone(),
            commodities: p.commodities.clone(),
            founded_year: p.founded_year,
            phone: p.phone.clone(),
            email: p.email.clone(),
            size_class: r.latest_figures().map(|f| f.size_class.as_str().to_string()),
            quality_level: v.quality_level.as_str().to_string(),
            figures: r.figures.iter().map(Into::into).collect(),
            permits: r
                .permits
                .iter()
                .map(|p| PermitOut {
                    id: p.id,
                    kind: p.permit.kind.as_str().to_string(),
                    number: p.permit.number.clone(),
                    issuer: p.permit.issuer.clone(),
                    valid_from: p.permit.valid_from.to_string(),
                    valid_until: p.permit.valid_until.map(|d| d.to_string()),
                })
                .collect(),
            version: r.version,
        }
    }
}

/// A number given either as a JSON number or as text (`"Rp 1.250.000"`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum NumberOrText {
    Int(i64),
    Float(f64),
    Text(String),
}

impl NumberOrText {
    pub fn text(v: &Option<NumberOrText>) -> String {
        match v {
            None => String::new(),
            Some(NumberOrText::Int(i)) => i.to_string(),
            // Format with the shortest representation so 12500.5 stays 12500.5.
            Some(NumberOrText::Float(f)) => format!("{f}"),
            Some(NumberOrText::Text(s)) => s.clone(),
        }
    }
}

/// A list given as a JSON array or as comma-separated text.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ListOrText {
    List(Vec<String>),
    Text(String),
}

impl ListOrText {
    pub fn text(v: &Option<ListOrText>) -> String {
        match v {
            None => String::new(),
            Some(ListOrText::List(l)) => l.join(", "),
            Some(ListOrText::Text(s)) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EnterpriseInput {
    #[serde(default)]
    pub nib: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub owner_name: String,
    #[serde(default)]
    pub address: String,
    /// Regency/city code, e.g. `64.72`.
    #[serde(default)]
    pub regency_code: String,
    #[serde(default)]
    pub district_code: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub kbli: Option<ListOrText>,
    #[schema(value_type = Vec<String>)]
    pub products: Option<ListOrText>,
    #[schema(value_type = Vec<String>)]
    pub commodities: Option<ListOrText>,
    #[schema(value_type = Option<i32>)]
    pub founded_year: Option<NumberOrText>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// On update: the `version` last read, to refuse a concurrent edit.
    pub version: Option<i64>,
    /// Optional figures recorded together with a new enterprise.
    pub figures: Option<FiguresInput>,
}

impl EnterpriseInput {
    pub fn draft(&self) -> EnterpriseDraft {
        EnterpriseDraft {
            nib: self.nib.clone(),
            name: self.name.clone(),
            owner_name: self.owner_name.clone(),
            address: self.address.clone(),
            regency_code: self.regency_code.clone(),
            district_code: self.district_code.clone().unwrap_or_default(),
            kbli: ListOrText::text(&self.kbli),
            products: ListOrText::text(&self.products),
            commodities: ListOrText::text(&self.commodities),
            founded_year: NumberOrText::text(&self.founded_year),
            phone: self.phone.clone().unwrap_or_default(),
            email: self.email.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FiguresInput {
    #[schema(value_type = i32)]
    pub year: Option<NumberOrText>,
    #[schema(value_type = i64)]
    pub workers: Option<NumberOrText>,
    /// Whole rupiah, excluding land and buildings.
    #[schema(value_type = i64)]
    pub investment_idr: Option<NumberOrText>,
    #[schema(value_type = i64)]
    pub production_idr: Option<NumberOrText>,
    /// US dollars, at most two decimals.
    #[schema(value_type = f64)]
    pub export_usd: Option<NumberOrText>,
    #[schema(value_type = Option<i64>)]
    pub capacity: Option<NumberOrText>,
    pub capacity_unit: Option<String>,
}

impl FiguresInput {
    pub fn draft(&self) -> FiguresDraft {
        FiguresDraft {
            year: NumberOrText::text(&self.year),
            workers: NumberOrText::text(&self.workers),
            investment: NumberOrText::text(&self.investment_idr),
            production: NumberOrText::text(&self.production_idr),
            export: NumberOrText::text(&self.export_usd),
            capacity: NumberOrText::text(&self.capacity),
            capacity_unit: self.capacity_unit.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Province code, e.g. `64`.
    pub province: Option<String>,
    /// Regency/city code, e.g. `64.72`.
    pub regency: Option<String>,
    /// KBLI 5-digit code (or a 2-digit division).
    pub kbli: Option<String>,
    /// KBLI division (2 digits).
    pub division: Option<String>,
    /// `kecil`, `menengah` or `besar`.
    pub size_class: Option<String>,
    /// Only enterprises with figures for this year; size_class then applies to that year.
    pub year: Option<String>,
    /// `L0`…`L5`.
    pub quality_level: Option<String>,
    /// Case-insensitive partial match on name, NIB or product.
    pub q: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListParams {
    pub fn filters(&self) -> naikkelas_app::registry::ListFilters {
        naikkelas_app::registry::ListFilters {
            province: self.province.clone(),
            regency: self.regency.clone(),
            division: self.division.clone(),
            kbli: self.kbli.clone(),
            size_class: self.size_class.clone(),
            year: self.year.clone(),
            quality_level: self.quality_level.clone(),
            q: self.q.clone(),
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FacetsOut {
    pub province: Vec<FacetCount>,
    pub regency: Vec<FacetCount>,
    pub division: Vec<FacetCount>,
    pub size_class: Vec<FacetCount>,
    pub year: Vec<FacetCount>,
}

impl From<naikkelas_store::Facets> for FacetsOut {
    fn from(f: naikkelas_store::Facets) -> Self {
        let conv = |v: Vec<(String, i64)>| v.into_iter().map(|(value, count)| FacetCount { value, count }).collect();
        Self {
            province: conv(f.province),
            regency: conv(f.regency),
            division: conv(f.division),
            size_class: conv(f.size_class),
            year: f.year.into_iter().map(|(y, count)| FacetCount { value: y.to_string(), count }).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Region {
    pub code: String,
    pub name: String,
    /// `province`, `regency` or `district`.
    pub level: String,
    pub parent: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KbliOut {
    pub code: String,
    /// `golongan_pokok` (division) or `kelompok` (5-digit class).
    pub level: String,
    pub division: String,
    pub name_id: String,
    pub name_en: String,
    /// KBLI edition, e.g. `2020`.
    pub version: String,
}
