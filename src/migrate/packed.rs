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
    /// Takes the `extra` table out of each of `missions` (leaving it empty) and keeps its text.
    /// A table whose text does not read back as the same table stays in its mission.
    pub fn pack(missions: &mut [Mission]) -> Extras {
        let packed = missions
            .iter_mut()
            .map(|m| {
                if m.extra.is_empty() {
                    return None;
                }
                let text = toml::to_string(&m.extra).ok()?;
                if toml::from_str::<toml::Table>(&text).ok()? != m.extra {
                    return None;
                }
                m.extra = toml::Table::new();
                Some(text.into_boxed_str())
            })
            .collect();
        Extras(packed)
    }

    /// Mission `at` of the packed missions, whole again.
    pub fn whole(&self, missions: &[Mission], at: usize) -> Result<Mission> {
        let mut mission = missions[at].clone();
        if let Some(Some(text)) = self.0.get(at) {
            mission.extra = toml::from_str(text).map_err(|e| {
                // Checked when packed: reaching this is a defect, said as such.
                Error::Refused(format!(
                    "the legacy fields of mission {} did not read back ({e}): nothing was written; report this",
                    mission.id
                ))
            })?;
        }
        Ok(mission)
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
        let packed = Extras::pack(&mut missions);
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
}
