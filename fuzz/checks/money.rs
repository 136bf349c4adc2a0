//! Indonesian number parsing (core money.rs): never panics, and what the
//! UI prints reads back as the same amount.

use naikkelas_core::money::Decimal;
use naikkelas_core::{Rupiah, UsdCents};

pub fn check(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = Decimal::parse(s, "omzet").map(|d| (d.to_scaled(0), d.to_scaled(2), d.to_scaled(40)));
    let _ = Decimal::parse_integer(s, "tenaga_kerja");
    if let Ok(r) = Rupiah::parse(s, "omzet") {
        assert!(r.get() >= 0, "{s:?} parsed as a negative amount");
        let shown = r.to_string();
        assert_eq!(Rupiah::parse(&shown, "omzet").ok(), Some(r), "{s:?} → {shown:?} does not read back");
        assert_eq!(Rupiah::parse(&r.get().to_string(), "omzet").ok(), Some(r));
    }
    if let Ok(c) = UsdCents::parse_dollars(s, "ekspor") {
        assert!(c.cents() >= 0, "{s:?} parsed as a negative amount");
        let shown = c.dollars_string();
        assert_eq!(UsdCents::parse_dollars(&shown, "ekspor").ok(), Some(c), "{s:?} → {shown:?} does not read back");
    }
}
