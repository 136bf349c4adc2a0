//! Who may do what: roles, region scopes and the decisions that follow.
//!
//! This is the one place that answers "may this actor see or change that?".
//! The service layer asks these questions for every entry point (web UI,
//! JSON API, CLI); handlers never decide on their own.

use crate::ids::{Nib, RegionCode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Ministry,
    Officer,
    Certifier,
    Owner,
    Buyer,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Admin, Role::Ministry, Role::Officer, Role::Certifier, Role::Owner, Role::Buyer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Ministry => "ministry",
            Role::Officer => "officer",
            Role::Certifier => "certifier",
            Role::Owner => "owner",
            Role::Buyer => "buyer",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// The part of the registry an actor may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything (admin, ministry).
    National,
    /// One province or regency and everything inside it (officer).
    Region(RegionCode),
    /// One enterprise (owner).
    Enterprise(Nib),
    /// Nothing of the registry (public, buyers, certifiers).
    Nothing,
}

impl Scope {
    pub fn permits(&self, regency: &RegionCode, nib: &Nib) -> bool {
        match self {
            Scope::National => true,
            Scope::Region(r) => r.contains(regency),
            Scope::Enterprise(n) => n == nib,
            Scope::Nothing => false,
        }
    }
}

/// The user on whose behalf a use case runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// Officers: the province or regency they serve.
    pub region: Option<RegionCode>,
    /// Owners: the enterprise they own.
    pub enterprise: Option<Nib>,
}

impl Actor {
    /// The command-line operator: a local administrator acting as `system`.
    pub fn system() -> Actor {
        Actor { user_id: 0, username: "system".into(), role: Role::Admin, region: None, enterprise: None }
    }

    /// What of the registry this actor can read.
    pub fn registry_scope(&self) -> Scope {
        match (self.role, &self.region, &self.enterprise) {
            (Role::Admin | Role::Ministry, _, _) => Scope::National,
            (Role::Officer, Some(r), _) => Scope::Region(r.clone()),
            (Role::Owner, _, Some(n)) => Scope::Enterprise(n.clone()),
            _ => Scope::Nothing,
        }
    }

    pub fn can_read_enterprise(&self, regency: &RegionCode, nib: &Nib) -> bool {
        self.registry_scope().permits(regency, nib)
    }

    /// Profile and yearly figures: admin, the officer of the region, the owner.
    pub fn can_edit_enterprise(&self, regency: &RegionCode, nib: &Nib) -> bool {
        matches!(self.role, Role::Admin | Role::Officer | Role::Owner) && self.can_read_enterprise(regency, nib)
    }

    /// Registering a new enterprise in `regency`: admin or the region's officer.
    pub fn can_register_in(&self, regency: &RegionCode) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Officer => self.region.as_ref().is_some_and(|r| r.contains(regency)),
            _ => false,
        }
    }

    /// Registering or importing enterprises at all (somewhere in scope):
    /// administrators, and officers who have a region.
    pub fn can_register(&self) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Officer => self.region.is_some(),
            _ => false,
        }
    }

    /// Applying for certification (for an enterprise in scope): owners for
    /// their own, officers for their region, administrators.
    pub fn can_apply_for_certification(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Officer | Role::Owner)
    }

    /// Following the certification pipeline (counts, dues): everyone but
    /// owners and buyers, who only see their own.
    pub fn can_follow_pipeline(&self) -> bool {
        !matches!(self.role, Role::Owner | Role::Buyer)
    }

    /// Posting sourcing requests and contacting suppliers: buyers (issue 9).
    pub fn can_post_sourcing(&self) -> bool {
        self.role == Role::Buyer
    }

    /// Changing a sourcing request, contacting suppliers for it and recording
    /// supply: only the buyer who posted it. Everyone else is answered as if
    /// it did not exist.
    pub fn can_manage_sourcing_request(&self, buyer_user_id: i64) -> bool {
        self.role == Role::Buyer && self.user_id == buyer_user_id
    }

    /// Reading a sourcing request and its matches: its buyer, and officials,
    /// who see only the matches in their scope ([`Actor::sourcing_match_scope`]).
    pub fn can_read_sourcing_request(&self, buyer_user_id: i64) -> bool {
        self.can_manage_sourcing_request(buyer_user_id)
            || matches!(self.role, Role::Admin | Role::Ministry | Role::Officer)
    }

    /// Which candidate suppliers of a request this actor sees: the request's
    /// buyer all of them (public fields only until a supplier accepts),
    /// officials those in their registry scope.
    pub fn sourcing_match_scope(&self, buyer_user_id: i64) -> Scope {
        if self.can_manage_sourcing_request(buyer_user_id) {
            Scope::National
        } else {
            self.registry_scope()
        }
    }

    /// Answering a buyer's interest: the owner of the enterprise contacted.
    pub fn can_answer_interest(&self, nib: &Nib) -> bool {
        self.role == Role::Owner && self.enterprise.as_ref() == Some(nib)
    }

    /// Finalising a year's figures (and correcting them after): officials only.
    pub fn can_finalise(&self, regency: &RegionCode, nib: &Nib) -> bool {
        matches!(self.role, Role::Admin | Role::Officer) && self.can_read_enterprise(regency, nib)
    }

    /// Setting up facilitation programmes and their regional allocations:
    /// the ministry, which owns the budget, and administrators.
    pub fn can_manage_programs(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Ministry)
    }

    /// Seeing the programmes on offer: everyone with a part in them.
    pub fn can_read_programs(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Ministry | Role::Officer | Role::Owner)
    }

    /// Enrolling an enterprise in a programme: the owner for their own, the
    /// officer of its region, administrators.
    pub fn can_enrol(&self, regency: &RegionCode, nib: &Nib) -> bool {
        matches!(self.role, Role::Admin | Role::Officer | Role::Owner) && self.can_read_enterprise(regency, nib)
    }

    /// Verifying an enrolment (paperwork and site visit): officials of the
    /// enterprise's region.
    pub fn can_verify_enrolment(&self, regency: &RegionCode) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Officer => self.region.as_ref().is_some_and(|r| r.contains(regency)),
            _ => false,
        }
    }

    /// Approving or rejecting an enrolment and recording disbursements: the
    /// region's officers and the ministry. Who verified may not approve;
    /// that maker–checker rule is the enrolment state machine's.
    pub fn can_decide_enrolment(&self, regency: &RegionCode) -> bool {
        match self.role {
            Role::Admin | Role::Ministry => true,
            Role::Officer => self.region.as_ref().is_some_and(|r| r.contains(regency)),
            _ => false,
        }
    }

    pub fn can_delete_enterprise(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn can_manage_users(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn can_read_audit(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Ministry)
    }

    /// Regional analyses (leading sectors, naik-kelas transitions and their
    /// movers, programme impact) of `region`, `None` being the nation:
    /// ministry and administrators anywhere, officers inside their own
    /// region, nobody else — the movers list names enterprises.
    pub fn can_analyse(&self, region: Option<&RegionCode>) -> bool {
        match self.role {
            Role::Admin | Role::Ministry => true,
            Role::Officer => matches!((&self.region, region), (Some(mine), Some(r)) if mine.contains(r)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer(region: &str) -> Actor {
        Actor {
            user_id: 1,
            username: "o".into(),
            role: Role::Officer,
            region: Some(RegionCode::parse(region).unwrap()),
            enterprise: None,
        }
    }

    #[test]
    fn samarinda_officer_cannot_touch_balikpapan() {
        let smd = officer("64.72");
        let nib = Nib::parse("1234567890123").unwrap();
        let bpn = RegionCode::parse("64.71").unwrap();
        let own = RegionCode::parse("64.72").unwrap();
        assert!(!smd.can_read_enterprise(&bpn, &nib));
        assert!(!smd.can_edit_enterprise(&bpn, &nib));
        assert!(!smd.can_register_in(&bpn));
        assert!(smd.can_read_enterprise(&own, &nib));
        assert!(smd.can_register_in(&own));
    }

    #[test]
    fn province_officer_sees_its_regencies() {
        let kaltim = officer("64");
        let nib = Nib::parse("1234567890123").unwrap();
        assert!(kaltim.can_read_enterprise(&RegionCode::parse("64.71").unwrap(), &nib));
        assert!(!kaltim.can_read_enterprise(&RegionCode::parse("65.02").unwrap(), &nib));
    }

    #[test]
    fn owner_sees_only_their_enterprise_and_ministry_only_reads() {
        let mine = Nib::parse("1234567890123").unwrap();
        let other = Nib::parse("9999999999999").unwrap();
        let reg = RegionCode::parse("64.72").unwrap();
        let owner =
            Actor { user_id: 2, username: "w".into(), role: Role::Owner, region: None, enterprise: Some(mine.clone()) };
        assert!(owner.can_edit_enterprise(&reg, &mine));
        assert!(!owner.can_read_enterprise(&reg, &other));
        assert!(!owner.can_finalise(&reg, &mine));
        let ministry = Actor { role: Role::Ministry, enterprise: None, ..owner.clone() };
        assert!(ministry.can_read_enterprise(&reg, &other));
        assert!(!ministry.can_edit_enterprise(&reg, &other));
        let buyer = Actor { role: Role::Buyer, enterprise: None, ..owner.clone() };
        assert_eq!(buyer.registry_scope(), Scope::Nothing);
        // An officer account without a region sees nothing rather than everything.
        let lost = Actor { region: None, ..officer("64") };
        assert_eq!(lost.registry_scope(), Scope::Nothing);
        assert!(!lost.can_register());
        assert!(officer("64.72").can_register());
        assert!(!ministry.can_register() && !buyer.can_register());
        assert!(!ministry.can_apply_for_certification() && ministry.can_follow_pipeline());
        assert!(!buyer.can_follow_pipeline());
        assert!(buyer.can_post_sourcing() && !owner.can_post_sourcing());
        assert!(buyer.can_manage_sourcing_request(2) && !buyer.can_manage_sourcing_request(3));
        let other_buyer = Actor { user_id: 3, ..buyer.clone() };
        assert!(!other_buyer.can_read_sourcing_request(2), "another buyer's request is not visible");
        assert_eq!(buyer.sourcing_match_scope(2), Scope::National);
        assert_eq!(officer("64.72").sourcing_match_scope(2), Scope::Region(RegionCode::parse("64.72").unwrap()));
        assert!(officer("64.72").can_read_sourcing_request(2) && !officer("64.72").can_manage_sourcing_request(2));
        assert!(owner.can_answer_interest(&mine) && !owner.can_answer_interest(&other));
    }

    #[test]
    fn programme_roles() {
        let nib = Nib::parse("1234567890123").unwrap();
        let smd = RegionCode::parse("64.72").unwrap();
        let bpn = RegionCode::parse("64.71").unwrap();
        let officer = officer("64.72");
        assert!(!officer.can_manage_programs() && officer.can_read_programs());
        assert!(officer.can_enrol(&smd, &nib) && !officer.can_enrol(&bpn, &nib));
        assert!(officer.can_verify_enrolment(&smd) && !officer.can_verify_enrolment(&bpn));
        assert!(officer.can_decide_enrolment(&smd) && !officer.can_decide_enrolment(&bpn));
        let ministry = Actor { role: Role::Ministry, region: None, ..officer.clone() };
        assert!(ministry.can_manage_programs() && ministry.can_decide_enrolment(&bpn));
        assert!(!ministry.can_verify_enrolment(&bpn) && !ministry.can_enrol(&smd, &nib));
        let owner = Actor { role: Role::Owner, region: None, enterprise: Some(nib.clone()), ..officer };
        assert!(owner.can_enrol(&smd, &nib) && !owner.can_decide_enrolment(&smd) && !owner.can_manage_programs());
        let buyer = Actor { role: Role::Buyer, enterprise: None, ..owner };
        assert!(!buyer.can_read_programs());
    }

    #[test]
    fn analyses_are_for_officials_within_their_region() {
        let smd = officer("64.72");
        let kaltim = RegionCode::parse("64").unwrap();
        assert!(smd.can_analyse(Some(&RegionCode::parse("64.72").unwrap())));
        assert!(!smd.can_analyse(Some(&kaltim)) && !smd.can_analyse(None));
        assert!(officer("64").can_analyse(Some(&RegionCode::parse("64.71").unwrap())));
        let ministry = Actor { role: Role::Ministry, region: None, ..smd.clone() };
        assert!(ministry.can_analyse(None) && ministry.can_analyse(Some(&kaltim)));
        for role in [Role::Owner, Role::Buyer, Role::Certifier] {
            assert!(!Actor { role, ..smd.clone() }.can_analyse(Some(&RegionCode::parse("64.72").unwrap())));
        }
    }
}
