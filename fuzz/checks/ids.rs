//! NIB, KBLI, region code and certificate number parsers: never panic, and
//! a parsed value is its own normal form.

use naikkelas_core::certification::CertificateNumber;
use naikkelas_core::{Kbli, Nib, RegionCode, RegionLevel};

pub fn check(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(n) = Nib::parse(s) {
        assert_eq!(n.as_str().len(), Nib::LEN);
        assert_eq!(Nib::parse(n.as_str()).ok().as_ref(), Some(&n));
    }
    if let Ok(k) = Kbli::parse(s) {
        assert_eq!(k.division().len(), 2);
        assert_eq!(Kbli::parse(k.as_str()).ok(), Some(k));
    }
    if let Ok(r) = RegionCode::parse(s) {
        assert_eq!(RegionCode::parse(r.as_str()).ok().as_ref(), Some(&r));
        assert_eq!(r.province().len(), 2);
        assert!(r.contains(&r));
        let province = RegionCode::parse(r.province()).expect("a province code parses");
        assert!(province.contains(&r));
        match r.level() {
            RegionLevel::Province => assert_eq!(r.regency(), None),
            RegionLevel::Regency | RegionLevel::District => assert!(r.regency().is_some()),
        }
    }
    if let Ok(c) = CertificateNumber::parse(s) {
        assert!((CertificateNumber::MIN_LEN..=CertificateNumber::MAX_LEN).contains(&c.as_str().len()));
        assert_eq!(CertificateNumber::parse(c.as_str()).ok().as_ref(), Some(&c));
    }
}
