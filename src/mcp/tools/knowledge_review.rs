//! The upkeep tools of decisions and learnings: `cmos decision|learning review` (read-only)
//! and `reaffirm` over MCP.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Reply, Tool, ToolArgs, reply, tool};
use crate::error::{Error, Result};
use crate::model::ItemKind;
use crate::ops::{Workspace, review};

pub static TOOLS: [Tool; 2] = [tool::<KnowledgeReview>(), tool::<KnowledgeReaffirm>()];

/// Which records the upkeep is about.
#[derive(Clone, Copy, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "lowercase")]
pub enum ReviewKind {
    Decision,
    Learning,
}

impl From<ReviewKind> for ItemKind {
    fn from(k: ReviewKind) -> Self {
        match k {
            ReviewKind::Decision => ItemKind::Decision,
            ReviewKind::Learning => ItemKind::Learning,
        }
    }
}

/// Stale decisions or learnings, read-only: each Active record scored by its age in sprints
/// against the threshold (records of no sprint age one sprint per 14 days), min(age /
/// threshold, 1), listed from half the threshold on, the stalest first, with a suggestion:
/// confirm (linked to a mission, the original's evidence, or it replaced a decision), archive
/// (score 0.8 or more), else review; and the ids of the archive group. Evergreen records and
/// those reaffirmed within threshold × 14 days are left out.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct KnowledgeReview {
    kind: ReviewKind,
    /// Sprints after which a record is fully stale [default: the policy review.stale_sprints].
    threshold: Option<i64>,
}

impl ToolArgs for KnowledgeReview {
    const NAME: &'static str = "cmos_knowledge_review";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let threshold = match self.threshold {
            None => None,
            Some(t) => Some(u32::try_from(t).map_err(|_| {
                Error::InvalidInput(format!(
                    "the staleness threshold must be from 1 to {} sprints, not {t}",
                    review::MAX_THRESHOLD
                ))
            })?),
        };
        reply(review::review(ws, self.kind.into(), threshold)?)
    }
}

/// Confirm a decision or learning still holds: records when it was reviewed, so a review
/// leaves it alone for threshold × 14 days; evergreen keeps it out of every review and of
/// the archiving when its sprint closes. One commit.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct KnowledgeReaffirm {
    kind: ReviewKind,
    /// The decision's or learning's id.
    id: String,
    /// Make it evergreen [default: false].
    #[serde(default)]
    evergreen: bool,
}

impl ToolArgs for KnowledgeReaffirm {
    const NAME: &'static str = "cmos_knowledge_reaffirm";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(review::reaffirm(
            ws,
            self.kind.into(),
            &self.id,
            self.evergreen,
        )?)
    }
}
