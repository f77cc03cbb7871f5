//! The batch's missions held lean until the commit. An import keeps its whole batch until the
//! write is done (a write retried on a moving branch stages it again), and a mission's `extra`
//! table (its `legacy` fields) cost more than the rest of it: a table's first node has room
//! for eleven entries, about 1.3 KB for the two of a Backlog.md task, 130 MB at 100,000
//! tasks. Once the batch is read and cleaned, each table is kept as its TOML text, which is
//! read back as each mission is staged.

use crate::error::{Error, Result};
use crate::model::Mission;

/// The `extra` tables of a batch's missions, as text, by the missions' positions.
#[derive(Debug, Default)]
pub struct Extras(Vec<Option<Box<str>>>);

impl Extras {
    /// Takes the `extra` table out of each of `missions` (leaving it empty) and keeps its text,
    /// merged with the text a reader packed already (a cleaning after the read may have added
    /// fields). A table whose text does not read back as the same table stays in its mission.
    pub fn pack(&mut self, missions: &mut [Mission]) {
        self.0.resize(missions.len(), None);
        for (mission, packed) in missions.iter_mut().zip(self.0.iter_mut()) {
            if mission.extra.is_empty() {
                continue;
            }
            if let Some(text) = packed.take() {
                let mut whole: toml::Table = toml::from_str(&text).unwrap_or_default();
                merge(&mut whole, std::mem::take(&mut mission.extra));
                mission.extra = whole;
            }
            *packed = pack_one(mission);
        }
    }

    /// Adds `mission` to `missions` (the batch's, which these are the tables of), its table
    /// packed at once: a reader of many missions never holds all their tables.
    pub fn push(&mut self, missions: &mut Vec<Mission>, mut mission: Mission) {
        self.0.resize(missions.len(), None);
        self.0.push(pack_one(&mut mission));
        missions.push(mission);
    }

    /// Orders `missions` by `cmp` (a stable sort), their packed tables with them.
    pub fn sort(
        &mut self,
        missions: &mut [Mission],
        mut cmp: impl FnMut(&Mission, &Mission) -> std::cmp::Ordering,
    ) {
        let n = missions.len();
        self.0.resize(n, None);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| cmp(&missions[a], &missions[b]));
        // Position i takes the mission at order[i]; each cycle of the permutation is walked
        // once, by swaps (no second copy of the missions).
        let mut placed = vec![false; n];
        for start in 0..n {
            let mut at = start;
            while !placed[at] {
                placed[at] = true;
                let from = order[at];
                if from == start {
                    break;
                }
                missions.swap(at, from);
                self.0.swap(at, from);
                at = from;
            }
        }
    }

    /// Mission `at` of the packed missions, whole again.
    pub fn whole(&self, missions: &[Mission], at: usize) -> Result<Mission> {
        let mut mission = missions[at].clone();
        if let Some(Some(text)) = self.0.get(at) {
            mission.extra = toml::from_str(text).map_err(|e| {
                // Checked when packed: reaching this is a defect, said as such. Not a rule
                // of the work refusing (tests/rule_boundary.rs): the imported fields are what
                // could not be kept.
                Error::InvalidInput(format!(
                    "the legacy fields of mission {} did not read back ({e}): nothing was written; report this",
                    mission.id
                ))
            })?;
        }
        Ok(mission)
    }
}

/// The text of `mission`'s table, which is taken out of it, when it reads back the same.
fn pack_one(mission: &mut Mission) -> Option<Box<str>> {
    if mission.extra.is_empty() {
        return None;
    }
    let text = toml::to_string(&mission.extra).ok()?;
    if toml::from_str::<toml::Table>(&text).ok()? != mission.extra {
        return None;
    }
    mission.extra = toml::Table::new();
    Some(text.into_boxed_str())
}

/// Adds `more` to `table`; tables in both (`legacy`) are merged a level down.
fn merge(table: &mut toml::Table, more: toml::Table) {
    for (key, value) in more {
        match (table.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(added)) => inner.extend(added),
            (_, value) => {
                table.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mission(extra: &str) -> Mission {
        let text = format!(
            "id = \"B1\"\nuid = \"01k8zdr3b4mveatww2fkgf8g2f\"\nname = \"x\"\nstatus = \"Queued\"\n\
             created_at = \"2025-11-01T10:00:00Z\"\nupdated_at = \"2025-11-01T10:00:00Z\"\n{extra}"
        );
        crate::format::codec::from_toml("B1.toml", text.as_bytes()).unwrap()
    }

    #[test]
    fn a_packed_mission_comes_back_whole() {
        let extras = [
            "",
            "[legacy]\nbody = \"\"\"\n## D\n\nx \\u001b\n\"\"\"\nfile = \"tasks/a.md\"\n",
            "[legacy]\nn = 1.5\nnan = nan\nwhen = 2025-11-01T10:00:00Z\nlist = [1, \"a\", { b = 2 }]\n[legacy.metadata]\nk = [[]]\n",
        ];
        let originals: Vec<Mission> = extras.iter().map(|e| mission(e)).collect();
        let mut missions = originals.clone();
        let mut packed = Extras::default();
        packed.pack(&mut missions);
        assert!(missions[1].extra.is_empty(), "the table was taken out");
        for (at, original) in originals.iter().enumerate() {
            let whole = packed.whole(&missions, at).unwrap();
            // NaN is not equal to itself: compare the texts.
            assert_eq!(
                toml::to_string(&whole).unwrap(),
                toml::to_string(original).unwrap()
            );
        }
    }

    #[test]
    fn packed_tables_follow_their_missions_through_a_sort_and_a_later_field() {
        let mut missions = Vec::new();
        let mut packed = Extras::default();
        let ids = ["B3", "B1", "B4", "B2", "B0"];
        for id in ids {
            let mut m = mission(&format!("[legacy]\nfile = \"{id}.md\"\n"));
            m.id = id.into();
            packed.push(&mut missions, m);
        }
        packed.sort(&mut missions, |a, b| a.id.cmp(&b.id));
        // A cleaning after the read adds a field to one of them.
        let mut later = toml::Table::new();
        later.insert("name".into(), "long".into());
        missions[2].extra.insert("legacy".into(), later.into());
        packed.pack(&mut missions);
        for (at, id) in ["B0", "B1", "B2", "B3", "B4"].iter().enumerate() {
            let whole = packed.whole(&missions, at).unwrap();
            assert_eq!(&whole.id, id);
            assert_eq!(
                whole.extra["legacy"]["file"].as_str(),
                Some(&*format!("{id}.md"))
            );
            assert_eq!(whole.extra["legacy"].get("name").is_some(), at == 2);
        }
    }
}
