//! A quotient that may not exist.
//!
//! Every analysis quotient has a denominator that real data can make zero
//! (a sector absent from the reference area, a region without figures in the
//! base year). IEEE division would answer ∞ or NaN, which look like numbers
//! in a table and poison averages; [`Ratio`] says "not defined" and why.

use serde::Serialize;

/// Why a ratio has no value. The key doubles as a translation key suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Undefined {
    /// The region has no value at all for the measure (e_t = 0).
    ZeroRegionTotal,
    /// The reference area has no value at all (E_t = 0).
    ZeroReferenceTotal,
    /// The sector is absent from the reference area (E_i = 0).
    ZeroReferenceSector,
    /// A growth rate over a base of zero.
    ZeroBase,
    /// A further quotient of a value that was itself not defined, or a
    /// result too large to represent.
    Degenerate,
}

impl Undefined {
    pub fn key(self) -> &'static str {
        match self {
            Undefined::ZeroRegionTotal => "zero_region_total",
            Undefined::ZeroReferenceTotal => "zero_reference_total",
            Undefined::ZeroReferenceSector => "zero_reference_sector",
            Undefined::ZeroBase => "zero_base",
            Undefined::Degenerate => "degenerate",
        }
    }
}

/// A finite number, or the reason there is none. `Defined` never holds ∞ or
/// NaN: the only constructors check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "status", content = "value", rename_all = "snake_case")]
pub enum Ratio {
    Defined(f64),
    NotDefined(Undefined),
}

impl Ratio {
    /// `num / den`, not defined (for `reason`) when `den` is zero, and
    /// [`Undefined::Degenerate`] when the result is not finite.
    pub fn divide(num: f64, den: f64, reason: Undefined) -> Ratio {
        if den == 0.0 {
            return Ratio::NotDefined(reason);
        }
        Ratio::finite(num / den)
    }

    /// Wraps a computed value, refusing ∞ and NaN.
    pub fn finite(v: f64) -> Ratio {
        if v.is_finite() {
            Ratio::Defined(v)
        } else {
            Ratio::NotDefined(Undefined::Degenerate)
        }
    }

    pub fn value(self) -> Option<f64> {
        match self {
            Ratio::Defined(v) => Some(v),
            Ratio::NotDefined(_) => None,
        }
    }

    pub fn is_defined(self) -> bool {
        matches!(self, Ratio::Defined(_))
    }

    /// Applies `f` to a defined value; the first missing reason wins.
    pub fn and_then(self, f: impl FnOnce(f64) -> Ratio) -> Ratio {
        match self {
            Ratio::Defined(v) => f(v),
            missing => missing,
        }
    }

    /// Combines two ratios; not defined if either is.
    pub fn zip(self, other: Ratio, f: impl FnOnce(f64, f64) -> Ratio) -> Ratio {
        match (self, other) {
            (Ratio::Defined(a), Ratio::Defined(b)) => f(a, b),
            (Ratio::NotDefined(r), _) | (_, Ratio::NotDefined(r)) => Ratio::NotDefined(r),
        }
    }

    /// Whether the value is strictly above `threshold`; `None` when not
    /// defined. Ties count as "not above": an LQ of exactly 1 is the same
    /// specialisation as the reference area, not a basis sector.
    pub fn above(self, threshold: f64) -> Option<bool> {
        self.value().map(|v| v > threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_denominator_is_not_defined_never_infinite() {
        assert_eq!(Ratio::divide(1.0, 0.0, Undefined::ZeroBase), Ratio::NotDefined(Undefined::ZeroBase));
        assert_eq!(Ratio::divide(0.0, 0.0, Undefined::ZeroBase), Ratio::NotDefined(Undefined::ZeroBase));
        assert_eq!(Ratio::divide(f64::MAX, 1e-300, Undefined::ZeroBase), Ratio::NotDefined(Undefined::Degenerate));
        assert_eq!(Ratio::divide(3.0, 4.0, Undefined::ZeroBase), Ratio::Defined(0.75));
    }

    #[test]
    fn serialises_with_a_status() {
        let j = serde_json::to_string(&Ratio::Defined(1.5)).unwrap();
        assert_eq!(j, r#"{"status":"defined","value":1.5}"#);
        let j = serde_json::to_string(&Ratio::NotDefined(Undefined::ZeroReferenceSector)).unwrap();
        assert_eq!(j, r#"{"status":"not_defined","value":"zero_reference_sector"}"#);
    }

    #[test]
    fn ties_are_not_above() {
        assert_eq!(Ratio::Defined(1.0).above(1.0), Some(false));
        assert_eq!(Ratio::NotDefined(Undefined::ZeroBase).above(1.0), None);
    }
}
