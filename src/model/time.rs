//! Timestamps and calendar dates in their one canonical text form.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// A moment in UTC, written as RFC 3339 with whole seconds (`2026-11-24T09:30:00Z`) so that
/// rewriting a record never changes its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

/// Test only: the environment variable that fixes the clock. When it holds an RFC 3339 time,
/// every reading of the clock in this process (`Timestamp::now`, `now_millis`, the time in a
/// new uid, a commit's date) gives that time, so tests can compare output byte for byte.
/// A test that runs several commands gives each its own, later time. Never set it otherwise:
/// records written under it all claim one moment.
pub const TEST_NOW_ENV: &str = "CMOS_TEST_NOW";

/// Milliseconds since the Unix epoch: the one place cmos reads the wall clock.
pub fn now_millis() -> i64 {
    static FIXED: std::sync::OnceLock<Option<i64>> = std::sync::OnceLock::new();
    let fixed = FIXED.get_or_init(|| {
        let text = std::env::var(TEST_NOW_ENV).ok()?;
        let at = DateTime::parse_from_rfc3339(text.trim()).ok()?;
        Some(at.timestamp_millis())
    });
    fixed.unwrap_or_else(|| Utc::now().timestamp_millis())
}

impl Timestamp {
    /// The current time (see `now_millis`), truncated to whole seconds.
    pub fn now() -> Self {
        Self::from_millis(now_millis())
    }

    /// The time `millis` after the Unix epoch, truncated to whole seconds.
    pub fn from_millis(millis: i64) -> Self {
        let secs = millis.div_euclid(1000);
        Timestamp(DateTime::from_timestamp(secs, 0).unwrap_or_default())
    }

    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    pub fn unix_seconds(&self) -> i64 {
        self.0.timestamp()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

impl FromStr for Timestamp {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        DateTime::parse_from_rfc3339(s.trim())
            .map(|t| Self::from_millis(t.timestamp_millis()))
            .map_err(|_| {
                Error::InvalidInput(format!(
                    "invalid timestamp {s:?}: use RFC 3339, e.g. 2026-11-24T09:30:00Z"
                ))
            })
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A calendar date (`2026-11-24`), as sprints use for their start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

impl Date {
    /// Days since 1 January of year 1 (that day is 1): a compact form for caches.
    pub fn days_from_ce(&self) -> i32 {
        self.0.num_days_from_ce()
    }

    /// The date `days` days after 31 December of year 0; None outside chrono's range.
    pub fn from_days_from_ce(days: i32) -> Option<Date> {
        NaiveDate::from_num_days_from_ce_opt(days).map(Date)
    }

    /// Midnight UTC at the start of this day.
    pub fn start(&self) -> Timestamp {
        let midnight = self.0.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        Timestamp(midnight)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl FromStr for Date {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Date)
            .map_err(|_| {
                Error::InvalidInput(format!(
                    "invalid date {s:?}: use YYYY-MM-DD, e.g. 2026-11-24"
                ))
            })
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_in_one_form() {
        let t: Timestamp = "2026-11-24T10:30:00+01:00".parse().unwrap();
        assert_eq!(t.to_string(), "2026-11-24T09:30:00Z");
        assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
    }

    #[test]
    fn bad_dates_say_the_expected_form() {
        let err = "24/11/2026".parse::<Date>().unwrap_err();
        assert!(err.to_string().contains("YYYY-MM-DD"));
    }
}
