//! Production capacity and its units.
//!
//! The registry records capacity per year in the unit the enterprise reports
//! (`figures.capacity_unit`; the generator and the import use the units
//! below). Buyers ask per month. Only units of the same dimension convert
//! (kg ↔ ton, liter ↔ m3); a count of pieces never converts to a mass.

use serde::{Deserialize, Serialize};

/// A unit the registry uses for capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityUnit {
    Gram,
    Kg,
    Ton,
    Liter,
    M3,
    M2,
    Buah,
    Biji,
    Potong,
    Set,
    Lembar,
    Pasang,
    Unit,
    Batang,
}

/// What a unit measures; amounts convert only within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    /// Base: gram.
    Mass,
    /// Base: liter.
    Volume,
    /// Base: m2.
    Area,
    /// Counted items of one kind; the unit is its own dimension.
    Count(CapacityUnit),
}

impl CapacityUnit {
    pub const ALL: [CapacityUnit; 14] = [
        CapacityUnit::Kg,
        CapacityUnit::Ton,
        CapacityUnit::Gram,
        CapacityUnit::Liter,
        CapacityUnit::M3,
        CapacityUnit::M2,
        CapacityUnit::Buah,
        CapacityUnit::Biji,
        CapacityUnit::Potong,
        CapacityUnit::Set,
        CapacityUnit::Lembar,
        CapacityUnit::Pasang,
        CapacityUnit::Unit,
        CapacityUnit::Batang,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CapacityUnit::Gram => "gram",
            CapacityUnit::Kg => "kg",
            CapacityUnit::Ton => "ton",
            CapacityUnit::Liter => "liter",
            CapacityUnit::M3 => "m3",
            CapacityUnit::M2 => "m2",
            CapacityUnit::Buah => "buah",
            CapacityUnit::Biji => "biji",
            CapacityUnit::Potong => "potong",
            CapacityUnit::Set => "set",
            CapacityUnit::Lembar => "lembar",
            CapacityUnit::Pasang => "pasang",
            CapacityUnit::Unit => "unit",
            CapacityUnit::Batang => "batang",
        }
    }

    /// Case-insensitive; a few spellings seen in spreadsheets are accepted.
    pub fn parse(s: &str) -> Option<CapacityUnit> {
        let s = s.trim().to_lowercase();
        let s = match s.as_str() {
            "kilogram" => "kg",
            "g" | "gr" => "gram",
            "l" | "ltr" | "litre" => "liter",
            "m³" => "m3",
            "m²" => "m2",
            "pcs" => "buah",
            other => other,
        };
        CapacityUnit::ALL.into_iter().find(|u| u.as_str() == s)
    }

    fn dimension(self) -> (Dimension, i64) {
        match self {
            CapacityUnit::Gram => (Dimension::Mass, 1),
            CapacityUnit::Kg => (Dimension::Mass, 1_000),
            CapacityUnit::Ton => (Dimension::Mass, 1_000_000),
            CapacityUnit::Liter => (Dimension::Volume, 1),
            CapacityUnit::M3 => (Dimension::Volume, 1_000),
            CapacityUnit::M2 => (Dimension::Area, 1),
            u => (Dimension::Count(u), 1),
        }
    }

    /// Whether amounts in `self` can be expressed in `other`.
    pub fn converts_to(self, other: CapacityUnit) -> bool {
        self.dimension().0 == other.dimension().0
    }
}

/// An amount in a unit (whole units; capacities are reported as integers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    pub amount: i64,
    pub unit: CapacityUnit,
}

impl Capacity {
    /// The amount in `unit`, rounded down; `None` across dimensions.
    pub fn in_unit(self, unit: CapacityUnit) -> Option<i64> {
        let (from, f) = self.unit.dimension();
        let (to, t) = unit.dimension();
        (from == to).then(|| (i128::from(self.amount) * i128::from(f) / i128::from(t)) as i64)
    }

    /// A yearly capacity as registry figures hold it, per month.
    pub fn monthly_from_yearly(yearly: i64, unit: CapacityUnit) -> Capacity {
        Capacity { amount: yearly / 12, unit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_and_convert_within_their_dimension() {
        assert_eq!(CapacityUnit::parse(" KG "), Some(CapacityUnit::Kg));
        assert_eq!(CapacityUnit::parse("Liter"), Some(CapacityUnit::Liter));
        assert_eq!(CapacityUnit::parse("barrel"), None);
        let two_tons = Capacity { amount: 2, unit: CapacityUnit::Ton };
        assert_eq!(two_tons.in_unit(CapacityUnit::Kg), Some(2_000));
        assert_eq!(Capacity { amount: 2_500, unit: CapacityUnit::Liter }.in_unit(CapacityUnit::M3), Some(2));
        assert_eq!(two_tons.in_unit(CapacityUnit::Liter), None);
        assert!(!CapacityUnit::Buah.converts_to(CapacityUnit::Biji), "pieces of different kinds do not mix");
        assert_eq!(Capacity::monthly_from_yearly(480_000, CapacityUnit::Liter).amount, 40_000);
    }
}
