//! The demo installation: synthetic registry plus one account per role.

use crate::auth::UserDraft;
use crate::error::{AppError, AppResult};
use crate::service::Service;
use naikkelas_core::permit::Permit;
use naikkelas_core::{Actor, Nib, RegionCode, Scope};
use naikkelas_store::EnterpriseQuery;
use time::{Date, Duration, Month};

pub struct DemoAccount {
    pub username: &'static str,
    pub password: &'static str,
    pub role: &'static str,
    /// Translation key of the role's description on the home page.
    pub label_key: &'static str,
}

/// Demo credentials are public by design: they exist only in databases
/// created by `naikkelas demo`.
pub const DEMO_ACCOUNTS: [DemoAccount; 7] = [
    DemoAccount { username: "admin", password: "admin-demo-2026", role: "admin", label_key: "demo.admin" },
    DemoAccount {
        username: "kemenperin",
        password: "kemenperin-demo-2026",
        role: "ministry",
        label_key: "demo.ministry",
    },
    DemoAccount {
        username: "petugas.samarinda",
        password: "samarinda-demo-2026",
        role: "officer",
        label_key: "demo.officer",
    },
    // A second officer of the same region, so that the maker–checker rule of
    // programme enrolments (verify by one, approve by another) can be tried.
    DemoAccount {
        username: "petugas2.samarinda",
        password: "samarinda2-demo-2026",
        role: "officer",
        label_key: "demo.officer2",
    },
    DemoAccount { username: "pemilik", password: "pemilik-demo-2026", role: "owner", label_key: "demo.owner" },
    DemoAccount {
        username: "auditor.lspro",
        password: "lspro-demo-2026",
        role: "certifier",
        label_key: "demo.certifier",
    },
    DemoAccount { username: "pembeli", password: "pembeli-demo-2026", role: "buyer", label_key: "demo.buyer" },
];

/// The demo's certification body: an LSPro for food products, as the
/// Kemenperin testing centres run them (DOMAIN.md §2a).
pub const DEMO_BODY: &str = "LSPRO-DEMO";

/// Region of the demo officer: Kota Samarinda.
pub const DEMO_OFFICER_REGION: &str = "64.72";

/// Creates the demo accounts that do not exist yet. The owner gets the
/// first enterprise (by name) registered in Kota Samarinda.
pub async fn ensure_accounts(svc: &Service) -> AppResult<()> {
    let system = Actor::system();
    let smd = RegionCode::parse(DEMO_OFFICER_REGION).expect("valid code");
    let mut q = EnterpriseQuery::in_scope(Scope::Region(smd));
    q.limit = 1;
    let owned = svc.store().list_enterprises(&q).await?.items.into_iter().next().map(|e| e.nib.to_string());
    if !svc.certification_bodies().await?.iter().any(|b| b.code == DEMO_BODY) {
        let body = crate::certification::BodyDraft {
            code: DEMO_BODY.into(),
            name: "LSPro Demo (pangan dan minuman)".into(),
            kind: "lspro".into(),
            kan_number: "LSPr-000-IDN".into(),
            scope: "SNI 2983:2014, SNI 3553:2015, SNI 7709:2019, SNI 3556:2010".into(),
        };
        svc.add_certification_body(&system, &body).await?;
    }
    for a in &DEMO_ACCOUNTS {
        if svc.store().user_by_username(a.username).await?.is_some() {
            continue;
        }
        let draft = UserDraft {
            username: a.username.into(),
            display_name: String::new(),
            password: a.password.into(),
            role: a.role.into(),
            region: if a.role == "officer" { DEMO_OFFICER_REGION.into() } else { String::new() },
            enterprise: if a.role == "owner" { owned.clone().unwrap_or_default() } else { String::new() },
        };
        match svc.add_user(&system, &draft).await {
            Ok(_) if a.role == "certifier" => svc.assign_certifier(&system, a.username, DEMO_BODY).await?,
            Ok(_) => {}
            // Without any Samarinda enterprise there is nobody to own; skip the owner.
            Err(AppError::Invalid(_)) if a.role == "owner" && owned.is_none() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Gives a share of the food and beverage enterprises the product permits
/// they would realistically hold (P-IRT, halal, a few BPOM MD), so the demo
/// shows quality level L1 and expired permits. Deterministic: the choice and
/// the dates follow from the NIB alone, so the same seed gives the same
/// registry on every database. Returns the number of permits added.
pub async fn add_demo_permits(svc: &Service) -> AppResult<u64> {
    let system = Actor::system();
    let ctx = svc.audit_ctx(&system);
    let mut added = 0;
    for division in ["10", "11"] {
        let mut q = EnterpriseQuery::in_scope(Scope::National);
        q.division = Some(division.to_string());
        let mut after: Option<naikkelas_core::Nib> = None;
        loop {
            let page = svc.store().export_page(&q, after.as_ref(), 500).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.profile.nib.clone());
            for rec in &page {
                if !rec.permits.is_empty() {
                    continue;
                }
                for p in demo_permits(rec.profile.nib.as_str()) {
                    svc.store().add_permit(&rec.profile.nib, &p, &ctx).await?;
                    added += 1;
                }
            }
        }
    }
    Ok(added)
}

/// Facilitation programmes of 2025 with regional allocations, enrolments of
/// Samarinda enterprises in every state and disbursements, made through the
/// use cases so every rule and audit entry applies. Deterministic (the
/// enterprises are taken in list order); skipped when programmes exist.
/// Rates and amounts follow DOMAIN.md §9. Returns the enrolments made.
///
/// The history is written as of a day inside the programmes' period, since
/// applications are taken only between their start and end dates.
pub async fn add_demo_programs(svc: &Service) -> AppResult<u64> {
    use crate::programs::{AllocationForm, EnrolForm, MoneyForm, ProgramForm};
    let svc = &svc.clone().with_clock(|| time::macros::datetime!(2025-06-16 01:00 UTC));
    let user = |name: &'static str| async move {
        let u = svc.store().user_by_username(name).await?.ok_or(AppError::NotFound)?;
        AppResult::Ok(crate::auth::actor_of(&u))
    };
    let (ministry, officer) = (user("kemenperin").await?, user("petugas.samarinda").await?);
    if !svc.programs(&ministry, None).await?.is_empty() {
        return Ok(0);
    }
    let form = |kind: &str, name: &str, budget: &str, quota: &str| ProgramForm {
        year: "2025".into(),
        kind: kind.into(),
        name: name.into(),
        owner_unit: "Direktorat Jenderal Industri Kecil, Menengah dan Aneka".into(),
        budget: budget.into(),
        quota: quota.into(),
        starts_on: "2025-02-01".into(),
        ends_on: "2025-11-30".into(),
        ..ProgramForm::default()
    };
    let machines = ProgramForm {
        size_classes: "kecil, menengah".into(),
        domestic_rate: "40".into(),
        imported_rate: "20".into(),
        benefit_min: "5.000.000".into(),
        benefit_max: "300.000.000".into(),
        ..form("restrukturisasi_mesin", "Restrukturisasi Mesin 2025", "6.500.000.000", "40")
    };
    let sni = ProgramForm {
        kbli_prefixes: "10, 11".into(),
        certificate: "holds_none".into(),
        benefit_amount: "8.000.000".into(),
        ..form("subsidi_sertifikasi_sni", "Fasilitasi Sertifikasi SNI 2025", "3.000.000.000", "300")
    };
    let halal = ProgramForm {
        kbli_prefixes: "10, 11".into(),
        max_investment: "5.000.000.000".into(),
        first_time_only: "on".into(),
        benefit_amount: "3.000.000".into(),
        ..form("subsidi_halal", "Fasilitasi Sertifikasi Halal 2025", "2.500.000.000", "800")
    };
    let mut ids = Vec::new();
    for f in [machines, sni, halal] {
        let id = svc.create_program(&ministry, &f).await?;
        for (region, amount) in [("64", "1.200.000.000"), ("65", "300.000.000")] {
            let a = AllocationForm { region: region.into(), amount: amount.into() };
            svc.set_allocation(&ministry, id, &a).await?;
        }
        ids.push(id);
    }
    let smd = RegionCode::parse(DEMO_OFFICER_REGION).expect("valid code");
    let mut q = EnterpriseQuery::in_scope(Scope::Region(smd));
    q.limit = 60;
    let mut made = 0;
    for (i, e) in svc.store().list_enterprises(&q).await?.items.iter().enumerate() {
        if made == 12 {
            break;
        }
        let price = 60_000_000 + (stable_hash(e.nib.as_str()) % 40) as i64 * 10_000_000;
        let origin = if i % 3 == 0 { "imported" } else { "domestic" };
        let f = EnrolForm {
            nib: e.nib.to_string(),
            machine_price: price.to_string(),
            machine_origin: origin.into(),
            note: String::new(),
        };
        // The first programme (in turn) the enterprise is eligible for;
        // ineligible enterprises are simply not enrolled, as in real life.
        let mut enrolled = None;
        for k in 0..ids.len() {
            if let Ok(id) = svc.enrol(&officer, ids[(i + k) % ids.len()], &f).await {
                enrolled = Some(id);
                break;
            }
        }
        let Some(id) = enrolled else { continue };
        made += 1;
        match made % 5 {
            0 => {}
            1 => svc.verify_enrolment(&officer, id).await?,
            2 => {
                svc.verify_enrolment(&officer, id).await?;
                svc.reject_enrolment(&ministry, id, "Dokumen pembelian mesin tidak lengkap").await?;
            }
            stage => {
                svc.verify_enrolment(&officer, id).await?;
                let approved = svc.approve_enrolment(&ministry, id, &MoneyForm::default()).await;
                let view = svc.enrolment_view(&ministry, id).await?;
                if approved.is_ok() {
                    let share = if stage == 3 { view.record.requested.get() } else { view.record.requested.get() / 2 };
                    let pay = MoneyForm { amount: share.to_string(), note: format!("SP2D {:04}/2025", id) };
                    svc.disburse(&ministry, id, &pay).await?;
                }
            }
        }
    }
    Ok(made)
}

/// Linkage with large industry (issue 9): the first coffee and bottled
/// drink makers of Kalimantan Timur (in list order, so deterministic) get an
/// SPPT SNI through the certification use cases (application by the
/// administrator, every step by the demo auditor), and the demo buyer, a
/// national food and beverage company, posts two requests they match.
/// Skipped when the buyer already has requests. Returns the certificates issued.
pub async fn add_demo_linkage(svc: &Service) -> AppResult<u64> {
    use crate::certification::{ApplicationDraft, EventInput};
    use naikkelas_core::linkage::{BuyerDraft, RequestDraft};
    let user = |name: &'static str| async move {
        let u = svc.store().user_by_username(name).await?.ok_or(AppError::NotFound)?;
        AppResult::Ok(crate::auth::actor_of(&u))
    };
    let (buyer, auditor) = (user("pembeli").await?, user("auditor.lspro").await?);
    if !svc.sourcing_requests(&buyer).await?.is_empty() {
        return Ok(0);
    }
    let system = Actor::system();
    let mut issued = 0;
    for (kbli, standard, scope) in [
        ("10761", "SNI 2983:2014", "Kopi bubuk dan kopi instan dalam kemasan"),
        ("11040", "SNI 3553:2015", "Air minum dalam kemasan"),
    ] {
        let mut q = EnterpriseQuery::in_scope(Scope::National);
        q.province = Some("64".into());
        q.kbli = Some(naikkelas_core::Kbli::parse(kbli).expect("valid class"));
        q.limit = 3;
        for e in svc.store().list_enterprises(&q).await?.items {
            let app = ApplicationDraft {
                nib: e.nib.to_string(),
                body: DEMO_BODY.into(),
                standard: standard.into(),
                scope: scope.into(),
            };
            let id = svc.apply_for_certification(&system, &app).await?;
            for (event, passed) in [
                ("start_review", None),
                ("start_stage1", None),
                ("complete_stage1", None),
                ("record_test", Some(true)),
                ("complete_stage2", None),
                ("grant", None),
            ] {
                let step = EventInput { event: event.into(), passed, ..EventInput::default() };
                svc.certification_event(&auditor, id, &step).await?;
            }
            issued += 1;
        }
    }
    let profile = BuyerDraft {
        company_name: "PT Pangan Nusantara Sejahtera Tbk".into(),
        industry: "Industri makanan dan minuman".into(),
        province_code: "31".into(),
        contact_name: "Rina Wulandari (Procurement)".into(),
        contact_phone: "021 5550 1234".into(),
        contact_email: "pengadaan@pangan-nusantara.example".into(),
    };
    svc.save_buyer_profile(&buyer, &profile).await?;
    let deadline = (svc.now().date() + Duration::days(90)).to_string();
    let mut requests = Vec::new();
    for (title, kbli, keywords, standard, amount, unit, regions) in [
        (
            "Kopi bubuk untuk kantin pabrik dan minimarket",
            "10761",
            "kopi bubuk, kopi robusta",
            "SNI 2983:2014",
            "100",
            "kg",
            "64",
        ),
        (
            "Air minum dalam kemasan untuk 12 pabrik",
            "11040",
            "air minum kemasan",
            "SNI 3553:2015",
            "1.500",
            "liter",
            "64.72, 64.71",
        ),
    ] {
        let d = RequestDraft {
            title: title.into(),
            kbli: kbli.into(),
            keywords: keywords.into(),
            standards: standard.into(),
            min_capacity: amount.into(),
            capacity_unit: unit.into(),
            regions: regions.into(),
            deadline: deadline.clone(),
            status: String::new(),
        };
        requests.push(svc.post_sourcing_request(&buyer, &d).await?);
    }
    // One conversation carried through: the buyer contacts the best match of
    // the coffee request, its owner accepts, and supply begins, so the
    // interest, the revealed contact and the L5 rung can be seen at once.
    if let Some(best) = svc.sourcing_matches(&buyer, crate::i18n::Lang::Id, requests[0]).await?.into_iter().next() {
        let message = "Kami membutuhkan 100 kg kopi bubuk per bulan untuk kantin pabrik. Mohon penawaran harga.";
        let interest = svc.express_interest(&buyer, requests[0], &best.nib, message).await?;
        let owner = Actor {
            user_id: 0,
            username: "demo".into(),
            role: naikkelas_core::Role::Owner,
            region: None,
            enterprise: Some(Nib::parse(&best.nib).map_err(|_| AppError::NotFound)?),
        };
        svc.answer_interest(&owner, interest, true).await?;
        let supply = crate::linkage::SupplyDraft {
            started_on: svc.now().date().to_string(),
            note: "Kontrak pasok 12 bulan, pengiriman bulanan ke Jakarta.".into(),
        };
        svc.record_supply(&buyer, interest, &supply).await?;
    }
    Ok(issued)
}

/// FNV-1a: a stable hash of the NIB, independent of platform and seed order.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn demo_permits(nib: &str) -> Vec<Permit> {
    let h = stable_hash(nib);
    let base = Date::from_calendar_date(2019, Month::January, 1).expect("valid date");
    let from = base + Duration::days((h % 2_400) as i64);
    let mut out = Vec::new();
    // About 40 % hold a P-IRT (valid five years; the older ones have lapsed).
    if h % 100 < 40 {
        let until = from + Duration::days(5 * 365 - 1);
        let number = format!("{}{:012}-{:02}", 2 + h % 3, h % 1_000_000_000_000, 20 + h % 10);
        if let Ok(p) = Permit::validate("pirt", &number, "DPMPTSP", Some(from), Some(until)) {
            out.push(p);
        }
    }
    // About 15 % hold a halal certificate (no end date).
    if (h / 100) % 100 < 15 {
        let number = format!("ID{:014}", h % 100_000_000_000_000);
        if let Ok(p) = Permit::validate("halal", &number, "BPJPH", Some(from + Duration::days(90)), None) {
            out.push(p);
        }
    }
    // A few larger producers hold a BPOM MD registration.
    if (h / 10_000) % 100 < 4 {
        let number = format!("MD {:012}", h % 1_000_000_000_000);
        if let Ok(p) = Permit::validate("bpom_md", &number, "BPOM", Some(from), None) {
            out.push(p);
        }
    }
    out
}
