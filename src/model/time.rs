//! Timestamps and calendar dates in their one canonical text form.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde::ser::Error as _;
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

    /// The form cmos writes (`2026-11-24T09:30:00Z`), read without chrono's general RFC 3339
    /// parser: every record holds a few, and a verify of a million events spent 2.2 billion
    /// instructions there. None for any other text (an offset, a fraction, a leap second, a
    /// date that does not exist), which the general parser reads or refuses.
    fn written_form(s: &str) -> Option<Timestamp> {
        let b: &[u8; 20] = s.as_bytes().try_into().ok()?;
        let separators = [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'Z'),
        ];
        if separators.iter().any(|&(at, c)| b[at] != c) {
            return None;
        }
        let number = |from: usize, to: usize| {
            b[from..to].iter().try_fold(0u32, |n, &d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })
        };
        let date = NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?;
        let at = date.and_hms_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?)?;
        Some(Timestamp(at.and_utc()))
    }

    /// The written form, made without chrono's general formatter (a string allocated and a
    /// format walked for each, some 1,800 instructions: a session of 450 captures spent 0.8
    /// million writing their times). None for a year outside 0 to 9999, which chrono writes.
    fn write_form(&self) -> Option<[u8; 20]> {
        let (date, time) = (self.0.date_naive(), self.0.time());
        let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
        let mut out = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, digits: usize, mut n: u32| {
            for i in (at..at + digits).rev() {
                out[i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        use chrono::Timelike;
        put(0, 4, year);
        put(5, 2, date.month());
        put(8, 2, date.day());
        put(11, 2, time.hour());
        put(14, 2, time.minute());
        // A leap second (60) is kept as chrono keeps it, in its nanoseconds.
        put(17, 2, time.second() + time.nanosecond() / 1_000_000_000);
        Some(out)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.write_form() {
            // Digits and separators only: always UTF-8.
            Some(text) => f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?),
            None => f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true)),
        }
    }
}

impl FromStr for Timestamp {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        if let Some(written) = Timestamp::written_form(s) {
            return Ok(written);
        }
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
        match self.write_form() {
            Some(text) => s.serialize_str(std::str::from_utf8(&text).map_err(S::Error::custom)?),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_str(TimestampText)
    }
}

/// Reads a timestamp from the text where the parser holds it, without copying it first.
struct TimestampText;

impl serde::de::Visitor<'_> for TimestampText {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // What `String`'s own reading says, so a wrong type reads as it always did.
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> std::result::Result<Timestamp, E> {
        text.parse().map_err(E::custom)
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
    fn the_written_form_reads_as_the_general_parser_reads_it() {
        let general = |s: &str| {
            DateTime::parse_from_rfc3339(s.trim())
                .ok()
                .map(|t| Timestamp::from_millis(t.timestamp_millis()))
        };
        for s in [
            "2026-11-24T09:30:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2024-02-29T12:00:00Z",
        ] {
            assert_eq!(Timestamp::written_form(s), general(s), "{s}");
            assert!(Timestamp::written_form(s).is_some(), "{s}");
        }
        // Not the written form: left to the general parser, which reads or refuses each.
        for s in [
            "2023-02-29T12:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-12-31T23:59:60Z",
            "2026-11-24t09:30:00Z",
            "2026-11-24 09:30:00Z",
            "2026-11-24T09:30:00+01:00",
            "2026-11-24T09:30:00.5Z",
            " 2026-11-24T09:30:00Z",
            "+026-11-24T09:30:00Z",
            "2026-1١-24T09:30:00Z",
        ] {
            assert_eq!(Timestamp::written_form(s), None, "{s}");
        }
        assert_eq!(
            "2026-12-31T23:59:60Z".parse::<Timestamp>().ok(),
            general("2026-12-31T23:59:60Z")
        );
    }

    proptest::proptest! {
        #[test]
        fn any_written_timestamp_and_any_change_to_one_read_as_chrono_reads_them(
            secs in -62_167_219_200i64..253_402_300_799,
            at in 0usize..20,
            byte in proptest::prelude::any::<u8>(),
        ) {
            let general = |s: &str| {
                DateTime::parse_from_rfc3339(s.trim())
                    .ok()
                    .map(|t| Timestamp::from_millis(t.timestamp_millis()))
            };
            let written = Timestamp::from_millis(secs * 1000).to_string();
            proptest::prop_assert_eq!(Timestamp::written_form(&written), general(&written));
            let mut changed = written.into_bytes();
            changed[at] = byte;
            if let Ok(changed) = String::from_utf8(changed) {
                let fast = Timestamp::written_form(&changed);
                proptest::prop_assert!(fast.is_none() || fast == general(&changed), "{}", changed);
                proptest::prop_assert_eq!(changed.parse::<Timestamp>().ok(), general(&changed));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_timestamp_is_written_as_chrono_writes_it(
            secs in proptest::prop_oneof![
                -62_167_219_200i64..253_402_300_799,
                -8_000_000_000_000i64..8_000_000_000_000,
            ],
        ) {
            let t = Timestamp::from_millis(secs * 1000);
            let chrono = t.0.to_rfc3339_opts(SecondsFormat::Secs, true);
            proptest::prop_assert_eq!(t.to_string(), chrono.clone());
            proptest::prop_assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{chrono}\""));
        }
    }

    #[test]
    fn the_first_and_last_years_written_without_chrono_are_written_as_chrono_writes_them() {
        for s in [
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "1970-01-01T00:00:00Z",
        ] {
            let t: Timestamp = s.parse().unwrap();
            assert!(t.write_form().is_some(), "{s}");
            assert_eq!(t.to_string(), s);
        }
        let before = Timestamp::from_millis(-62_167_219_201_000);
        assert!(before.write_form().is_none());
        assert_eq!(before.to_string(), "-0001-12-31T23:59:59Z");
        let after = Timestamp::from_millis(253_402_300_800_000);
        assert!(after.write_form().is_none());
        assert_eq!(after.to_string(), "+10000-01-01T00:00:00Z");
    }

    #[test]
    fn timestamps_deserialize_from_json_and_toml_text_and_refuse_other_types() {
        let t: Timestamp = serde_json::from_str("\"2026-11-24T09:30:00Z\"").unwrap();
        assert_eq!(t.to_string(), "2026-11-24T09:30:00Z");
        let escaped: Timestamp = serde_json::from_str("\"2026-11-24T09:30:00\\u005a\"").unwrap();
        assert_eq!(escaped, t);
        #[derive(serde::Deserialize)]
        struct At {
            at: Timestamp,
        }
        let at: At = toml::from_str("at = \"2026-11-24T10:30:00+01:00\"").unwrap();
        assert_eq!(at.at, t);
        let err = serde_json::from_str::<Timestamp>("5")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected a string"), "{err}");
        let err = serde_json::from_str::<Timestamp>("\"yesterday\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("use RFC 3339"), "{err}");
    }

    #[test]
    fn bad_dates_say_the_expected_form() {
        let err = "24/11/2026".parse::<Date>().unwrap_err();
        assert!(err.to_string().contains("YYYY-MM-DD"));
    }
}
