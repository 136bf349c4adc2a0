//! The demo installation: synthetic registry plus one account per role.

use crate::auth::UserDraft;
use crate::error::{AppError, AppResult};
use crate::service::Service;
use naikkelas_core::{Actor, RegionCode, Scope};
use naikkelas_store::EnterpriseQuery;

pub struct DemoAccount {
    pub username: &'static str,
    pub password: &'static str,
    pub role: &'static str,
    /// Translation key of the role's description on the home page.
    pub label_key: &'static str,
}

/// Demo credentials are public by design: they exist only in databases
/// created by `naikkelas demo`.
pub const DEMO_ACCOUNTS: [DemoAccount; 4] = [
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
    DemoAccount { username: "pemilik", password: "pemilik-demo-2026", role: "owner", label_key: "demo.owner" },
];

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
            Ok(_) => {}
            // Without any Samarinda enterprise there is nobody to own; skip the owner.
            Err(AppError::Invalid(_)) if a.role == "owner" && owned.is_none() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
