//! Counts of missions by status: one number per status, shown as a map by status name.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::model::Status;

/// How many missions have each status, and all of them. Kept as an array rather than a map:
/// the digest holds one per sprint, and a thousand sprints' maps made every read of the digest
/// allocate a thousand times and every write copy them. Text formats (JSON outputs) still get
/// `{total, by_status: {name: n}}` with the statuses that have missions, in name order, as
/// before; the cache's binary form gets the numbers alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub total: usize,
    by_status: [usize; STATUSES],
}

const STATUSES: usize = Status::ALL.len();

impl StatusCounts {
    pub fn get(&self, status: Status) -> usize {
        self.by_status[slot(status)]
    }

    /// Takes one mission of `status` out of the counts.
    pub fn remove(&mut self, status: Status) {
        self.total = self.total.saturating_sub(1);
        let n = &mut self.by_status[slot(status)];
        *n = n.saturating_sub(1);
    }

    pub fn add(&mut self, status: Status) {
        self.total += 1;
        self.by_status[slot(status)] += 1;
    }

    /// The statuses that have missions, with their counts, in the order of their names (the
    /// order the outputs have always listed them in).
    pub fn by_status(&self) -> impl Iterator<Item = (Status, usize)> + '_ {
        by_name()
            .iter()
            .map(|&status| (status, self.get(status)))
            .filter(|(_, n)| *n > 0)
    }

    /// The text form's map: status name to count, for the statuses that have missions.
    pub fn named(&self) -> std::collections::BTreeMap<&'static str, usize> {
        self.by_status().map(|(s, n)| (s.as_str(), n)).collect()
    }
}

fn slot(status: Status) -> usize {
    status as usize
}

/// Every status, ordered by name.
fn by_name() -> &'static [Status; STATUSES] {
    static ORDER: std::sync::OnceLock<[Status; STATUSES]> = std::sync::OnceLock::new();
    ORDER.get_or_init(|| {
        let mut order: [Status; STATUSES] = Status::ALL.try_into().expect("every status");
        order.sort_by_key(|s| s.as_str());
        order
    })
}

/// The `by_status` map of the text form.
struct ByName<'a>(&'a StatusCounts);

impl Serialize for ByName<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.by_status().map(|(status, n)| (status.as_str(), n)))
    }
}

impl Serialize for StatusCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !s.is_human_readable() {
            return (self.total, self.by_status).serialize(s);
        }
        let mut fields = s.serialize_struct("StatusCounts", 2)?;
        fields.serialize_field("total", &self.total)?;
        fields.serialize_field("by_status", &ByName(self))?;
        fields.end()
    }
}

impl<'de> Deserialize<'de> for StatusCounts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if !d.is_human_readable() {
            let (total, by_status) = <(usize, [usize; STATUSES])>::deserialize(d)?;
            return Ok(StatusCounts { total, by_status });
        }
        d.deserialize_struct("StatusCounts", &["total", "by_status"], TextForm)
    }
}

/// Reads the text form; an unknown status name is an error, an unknown field is ignored.
struct TextForm;

impl<'de> Visitor<'de> for TextForm {
    type Value = StatusCounts;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("counts of missions by status")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StatusCounts, A::Error> {
        let mut counts = StatusCounts::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "total" => counts.total = map.next_value()?,
                "by_status" => {
                    let named: std::collections::BTreeMap<String, usize> = map.next_value()?;
                    for (name, n) in named {
                        let status: Status = name.parse().map_err(de::Error::custom)?;
                        counts.by_status[slot(status)] = n;
                    }
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StatusCounts {
        let mut counts = StatusCounts::default();
        for status in [
            Status::Queued,
            Status::Queued,
            Status::InProgress,
            Status::Blocked,
        ] {
            counts.add(status);
        }
        counts
    }

    #[test]
    fn the_text_form_is_a_map_by_name_of_the_statuses_that_have_missions() {
        let json = serde_json::to_string(&sample()).unwrap();
        assert_eq!(
            json,
            r#"{"total":4,"by_status":{"Blocked":1,"In Progress":1,"Queued":2}}"#
        );
        let back: StatusCounts = serde_json::from_str(&json).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn the_binary_form_round_trips() {
        let bytes = postcard::to_allocvec(&sample()).unwrap();
        assert_eq!(
            postcard::from_bytes::<StatusCounts>(&bytes).unwrap(),
            sample()
        );
    }

    #[test]
    fn an_unknown_status_name_is_refused() {
        let json = r#"{"total":1,"by_status":{"Shipped":1}}"#;
        assert!(serde_json::from_str::<StatusCounts>(json).is_err());
    }

    #[test]
    fn removing_from_an_empty_count_stays_at_zero() {
        let mut counts = StatusCounts::default();
        counts.remove(Status::Queued);
        assert_eq!((counts.total, counts.get(Status::Queued)), (0, 0));
        assert_eq!(counts.by_status().count(), 0);
    }
}
