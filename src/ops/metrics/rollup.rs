//! The roll-up of a report: the metrics of a period grouped per mission and per session type,
//! with the count, total, mean and median of each measure.
//!
//! Shaped for large logs (200,000 metrics within a report's 200 ms): a metric's mission and
//! session type are string numbers of its shard, turned into group numbers once per shard
//! rather than hashed per metric; the chosen metrics are kept as one column per measure; each
//! group's values are then gathered into one reused buffer, where the median is selected.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::{Rollup, Stat};
use crate::index::IdHasher;
use crate::store::{MetricLog, MetricShard, Numbered};

/// The group of metrics without a mission or session type.
const NONE_KEY: &str = "(none)";

/// A string number not yet looked up in this shard.
const UNSEEN: u32 = u32::MAX;

/// Which metrics a roll-up takes.
pub enum Keep<'a> {
    /// Recorded at or after this moment (seconds since the Unix epoch).
    Since(i64),
    /// Written in this sprint, or about a mission that `in_sprint` says is in it.
    Sprint(&'a str, &'a dyn Fn(&str) -> bool),
}

/// The three roll-ups of a report.
pub struct Rollups {
    pub total: Rollup,
    pub by_mission: Vec<Rollup>,
    pub by_session_type: Vec<Rollup>,
}

/// Group numbers of keys, in the order first seen.
#[derive(Default)]
struct Keys<'a> {
    ids: HashMap<&'a str, u32, BuildHasherDefault<IdHasher>>,
    names: Vec<&'a str>,
}

impl<'a> Keys<'a> {
    fn id(&mut self, key: &'a str) -> u32 {
        let next = self.names.len() as u32;
        *self.ids.entry(key).or_insert_with(|| {
            self.names.push(key);
            next
        })
    }
}

/// Group numbers (or verdicts) of one shard's string numbers, looked up on first use.
struct Memo(Vec<u32>);

impl Memo {
    fn reset(&mut self, strings: usize) {
        self.0.clear();
        self.0.resize(strings, UNSEEN);
    }

    fn get(&mut self, n: u32, look_up: impl FnOnce() -> u32) -> u32 {
        match self.0.get_mut(n as usize) {
            Some(slot) if *slot == UNSEEN => {
                *slot = look_up();
                *slot
            }
            Some(slot) => *slot,
            None => look_up(),
        }
    }
}

/// The chosen metrics: their groups and a column per measure (0 where absent, with a bit of
/// `present` saying which measures a metric has).
#[derive(Default)]
struct Table {
    mission: Vec<u32>,
    session_type: Vec<u32>,
    values: [Vec<u64>; 5],
    present: Vec<u8>,
}

impl Table {
    fn push(&mut self, mission: u32, session_type: u32, m: &Numbered) {
        self.mission.push(mission);
        self.session_type.push(session_type);
        let mut present = 0u8;
        for (k, measure) in m.measures.iter().enumerate() {
            self.values[k].push(measure.unwrap_or(0));
            present |= u8::from(measure.is_some()) << k;
        }
        self.present.push(present);
    }
}

/// Rolls up the metrics of `log` that `keep` takes.
pub fn rollups(log: &MetricLog, keep: &Keep<'_>) -> Rollups {
    let (mut missions, mut types) = (Keys::default(), Keys::default());
    let mut table = Table::default();
    let (mut mission_memo, mut type_memo) = (Memo(Vec::new()), Memo(Vec::new()));
    let mut kept_memo = [Memo(Vec::new()), Memo(Vec::new())];
    for shard in log.shards() {
        let [sprints, in_sprint] = &mut kept_memo;
        for memo in [&mut mission_memo, &mut type_memo, sprints, in_sprint] {
            memo.reset(shard.strings());
        }
        let key = |n: Option<u32>| n.and_then(|n| shard.string(n)).unwrap_or(NONE_KEY);
        for m in shard.numbered() {
            if !kept(shard, &m, keep, &mut kept_memo) {
                continue;
            }
            let mission = match m.mission {
                Some(n) => mission_memo.get(n, || missions.id(key(Some(n)))),
                None => missions.id(NONE_KEY),
            };
            let session_type = match m.session_type {
                Some(n) => type_memo.get(n, || types.id(key(Some(n)))),
                None => types.id(NONE_KEY),
            };
            table.push(mission, session_type, &m);
        }
    }
    let mut scratch = Vec::new();
    let everything = vec![0; table.present.len()];
    let mut total = grouped(&["all"], &everything, &table, &mut scratch);
    Rollups {
        total: total.pop().unwrap_or_else(|| Rollup {
            key: "all".into(),
            ..Rollup::default()
        }),
        by_mission: grouped(&missions.names, &table.mission, &table, &mut scratch),
        by_session_type: grouped(&types.names, &table.session_type, &table, &mut scratch),
    }
}

/// Whether `keep` takes metric `m` of `shard`. For a sprint, whether a string is the sprint
/// (or a mission in it) is worked out once per shard: 1 no, 2 yes.
fn kept(shard: &MetricShard, m: &Numbered, keep: &Keep<'_>, memo: &mut [Memo; 2]) -> bool {
    match keep {
        Keep::Since(since) => m.at_seconds >= *since,
        Keep::Sprint(sprint, in_sprint) => {
            let [sprints, missions] = memo;
            let is = |memo: &mut Memo, n: Option<u32>, test: &dyn Fn(&str) -> bool| {
                n.is_some_and(|n| {
                    let yes = || u32::from(shard.string(n).is_some_and(test)) + 1;
                    memo.get(n, yes) == 2
                })
            };
            is(sprints, m.sprint, &|s| s == *sprint) || is(missions, m.mission, in_sprint)
        }
    }
}

/// The roll-up of each group (`names[g]` for metrics with `group_of[i] == g`), in key order.
fn grouped(names: &[&str], group_of: &[u32], table: &Table, scratch: &mut Vec<u64>) -> Vec<Rollup> {
    let groups = names.len();
    let mut rollups: Vec<Rollup> = names
        .iter()
        .map(|name| Rollup {
            key: name.to_string(),
            ..Rollup::default()
        })
        .collect();
    for g in group_of {
        rollups[*g as usize].metrics += 1;
    }
    for k in 0..5 {
        // Where each group's values start in `scratch`: counting sort by group.
        let mut start = vec![0usize; groups + 1];
        for (i, g) in group_of.iter().enumerate() {
            if table.present[i] & (1 << k) != 0 {
                start[*g as usize + 1] += 1;
            }
        }
        for g in 0..groups {
            start[g + 1] += start[g];
        }
        scratch.clear();
        scratch.resize(start[groups], 0);
        let mut next = start.clone();
        for (i, g) in group_of.iter().enumerate() {
            if table.present[i] & (1 << k) != 0 {
                scratch[next[*g as usize]] = table.values[k][i];
                next[*g as usize] += 1;
            }
        }
        for (g, rollup) in rollups.iter_mut().enumerate() {
            let stat = Stat::of_slice(&mut scratch[start[g]..start[g + 1]]);
            *measure(rollup, k) = stat;
        }
    }
    rollups.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    rollups
}

/// Measure `k` of a roll-up, in the order of `Numbered::measures`.
fn measure(rollup: &mut Rollup, k: usize) -> &mut Stat {
    match k {
        0 => &mut rollup.tokens_in,
        1 => &mut rollup.tokens_out,
        2 => &mut rollup.latency_ms,
        3 => &mut rollup.accepted,
        _ => &mut rollup.defects,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::store::MetricRef;

    /// The roll-ups written as plainly as possible: group every kept metric by key.
    fn reference(log: &MetricLog, keep: &Keep<'_>) -> Rollups {
        let takes = |m: &MetricRef<'_>| match keep {
            Keep::Since(since) => m.at_seconds >= *since,
            Keep::Sprint(sprint, in_sprint) => {
                m.sprint == Some(*sprint) || m.mission.is_some_and(in_sprint)
            }
        };
        let kept: Vec<MetricRef<'_>> = log.iter().filter(takes).collect();
        let rollup = |key: &str, ms: &[&MetricRef<'_>]| {
            let stat = |f: fn(&MetricRef<'_>) -> Option<u64>| {
                Stat::of(ms.iter().filter_map(|m| f(m)).collect())
            };
            Rollup {
                key: key.to_string(),
                metrics: ms.len(),
                tokens_in: stat(|m| m.tokens_in),
                tokens_out: stat(|m| m.tokens_out),
                latency_ms: stat(|m| m.latency_ms),
                accepted: stat(|m| m.accepted),
                defects: stat(|m| m.defects),
            }
        };
        let group = |key: for<'m> fn(&MetricRef<'m>) -> Option<&'m str>| {
            let mut groups: BTreeMap<&str, Vec<&MetricRef<'_>>> = BTreeMap::new();
            for m in &kept {
                groups
                    .entry(key(m).unwrap_or(NONE_KEY))
                    .or_default()
                    .push(m);
            }
            groups.iter().map(|(k, ms)| rollup(k, ms)).collect()
        };
        Rollups {
            total: rollup("all", &kept.iter().collect::<Vec<_>>()),
            by_mission: group(|m| m.mission),
            by_session_type: group(|m| m.session_type),
        }
    }

    fn line(n: usize, (at, mission, kind, sprint, measures): &Generated) -> String {
        let mut fields = vec![
            format!(r#""uid":"u{n}""#),
            format!(r#""at":"2026-11-{:02}T00:00:00Z""#, at + 1),
            r#""agent":"a","writer":"w""#.to_string(),
        ];
        let named = [
            ("mission", mission),
            ("session_type", kind),
            ("sprint", sprint),
        ];
        for (name, value) in named {
            if let Some(v) = value {
                fields.push(format!(r#""{name}":"{v}""#));
            }
        }
        let names = [
            "tokens_in",
            "tokens_out",
            "latency_ms",
            "accepted",
            "defects",
        ];
        for (name, value) in names.iter().zip(measures) {
            if let Some(v) = value {
                fields.push(format!(r#""{name}":{v}"#));
            }
        }
        format!("{{{}}}", fields.join(","))
    }

    type Generated = (
        u8,
        Option<String>,
        Option<String>,
        Option<String>,
        Vec<Option<u64>>,
    );

    fn metric() -> impl Strategy<Value = Generated> {
        let name = |names: &'static [&'static str]| {
            proptest::option::of(proptest::sample::select(names).prop_map(str::to_string))
        };
        (
            0u8..5,
            name(&["B1", "B2", "S1"]),
            name(&["build", "review"]),
            name(&["S1", "S2"]),
            proptest::collection::vec(proptest::option::of(0u64..20), 5),
        )
    }

    proptest! {
        #[test]
        fn the_rollups_are_those_of_plain_grouping(
            shards in proptest::collection::vec(proptest::collection::vec(metric(), 0..12), 0..4),
            since in 0i64..6,
        ) {
            let mut n = 0;
            let parsed = shards.iter().map(|metrics| {
                let text: Vec<String> = metrics.iter().map(|m| { n += 1; line(n, m) }).collect();
                MetricShard::parse(text.join("\n").as_bytes())
            }).collect();
            let log = MetricLog::from_shards(parsed);
            let in_s1 = |id: &str| id == "B1";
            let day = |d: i64| 1_793_491_200 + d * 86_400; // 2026-11-01 plus d days, 2026-11-(d+1)
            for keep in [Keep::Since(day(since)), Keep::Since(i64::MIN), Keep::Sprint("S1", &in_s1)] {
                let (fast, plain) = (rollups(&log, &keep), reference(&log, &keep));
                prop_assert_eq!(&fast.total, &plain.total);
                prop_assert_eq!(&fast.by_mission, &plain.by_mission);
                prop_assert_eq!(&fast.by_session_type, &plain.by_session_type);
            }
        }
    }
}
