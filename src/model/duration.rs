//! Spans of time as people write them (`90m`, `2h30m`, `1.5h`, `2d`): estimates and elapsed
//! times, counted in whole minutes of wall-clock time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// A span of wall-clock time in whole minutes. A day is 24 hours, as the clock measures actual
/// time; an estimate of "one working day" is `8h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Minutes(pub u64);

impl Minutes {
    /// The span between two moments, or zero if `to` is not after `from`.
    pub fn between(from: super::Timestamp, to: super::Timestamp) -> Minutes {
        let seconds = to.unix_seconds() - from.unix_seconds();
        Minutes((seconds.max(0) as u64) / 60)
    }
}

impl fmt::Display for Minutes {
    /// The canonical spelling: `0m`, `45m`, `2h`, `2h30m`, `3d4h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, hours, minutes) = (self.0 / 1440, self.0 / 60 % 24, self.0 % 60);
        if self.0 == 0 {
            return f.write_str("0m");
        }
        if days > 0 {
            write!(f, "{days}d")?;
        }
        if hours > 0 {
            write!(f, "{hours}h")?;
        }
        if minutes > 0 {
            write!(f, "{minutes}m")?;
        }
        Ok(())
    }
}

impl FromStr for Minutes {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let invalid = || {
            Error::InvalidInput(format!(
                "invalid duration {s:?}: write it like 45m, 2h, 1.5h, 2h30m or 3d (a day is 24 hours; a working day is 8h)"
            ))
        };
        let text: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if text.is_empty() {
            return Err(invalid());
        }
        let mut total = 0.0f64;
        let mut number = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let unit = match c.to_ascii_lowercase() {
                'm' => 1.0,
                'h' => 60.0,
                'd' => 1440.0,
                'w' => 7.0 * 1440.0,
                _ => return Err(invalid()),
            };
            let value: f64 = number.parse().map_err(|_| invalid())?;
            total += value * unit;
            number.clear();
        }
        if !number.is_empty() {
            // A bare number is minutes, as in `--estimate 90`.
            total += number.parse::<f64>().map_err(|_| invalid())?;
        }
        if !total.is_finite() || total > 1e9 {
            return Err(invalid());
        }
        Ok(Minutes(total.round() as u64))
    }
}

impl Serialize for Minutes {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Minutes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_people_write_them() {
        for (text, minutes) in [
            ("45m", 45),
            ("2h", 120),
            ("1.5h", 90),
            ("2h30m", 150),
            ("2h 30m", 150),
            ("1d", 1440),
            ("90", 90),
        ] {
            assert_eq!(text.parse::<Minutes>().unwrap(), Minutes(minutes), "{text}");
        }
        for bad in ["", "soon", "2x", "h", "1..5h"] {
            assert!(bad.parse::<Minutes>().is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_print_canonically() {
        for (minutes, text) in [
            (0, "0m"),
            (45, "45m"),
            (120, "2h"),
            (150, "2h30m"),
            (1500, "1d1h"),
        ] {
            assert_eq!(Minutes(minutes).to_string(), text);
            assert_eq!(text.parse::<Minutes>().unwrap(), Minutes(minutes));
        }
    }
}
