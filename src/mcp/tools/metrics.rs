//! Tools for metrics: record one, and roll them up into a report.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Reply, Tool, ToolArgs, parsed, reply, tool};
use crate::error::{Error, Result};
use crate::model::Date;
use crate::ops::Workspace;
use crate::ops::metrics::{self, Measures, Period};

pub static TOOLS: [Tool; 2] = [tool::<MetricAdd>(), tool::<Report>()];

/// The measures of a metric: whole numbers, at least one of them.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MetricFields {
    /// Tokens read by the model.
    tokens_in: Option<u64>,
    /// Tokens written by the model.
    tokens_out: Option<u64>,
    /// Time the work took, in milliseconds.
    latency_ms: Option<u64>,
    /// Changes or answers accepted.
    accepted: Option<u64>,
    /// Defects found in the work.
    defects: Option<u64>,
    /// The model that did the work.
    model: Option<String>,
}

impl MetricFields {
    pub fn measures(&self) -> Measures {
        Measures {
            tokens_in: self.tokens_in,
            tokens_out: self.tokens_out,
            latency_ms: self.latency_ms,
            accepted: self.accepted,
            defects: self.defects,
            model: self.model.clone(),
        }
    }
}

/// Record the tokens, latency, accepted work and defects of a session or mission. At least
/// one measure.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MetricAdd {
    /// The session [default: this worktree's open session].
    session_id: Option<String>,
    /// The mission [default: the session's, else this worktree's active mission].
    mission_id: Option<String>,
    #[serde(flatten)]
    fields: MetricFields,
}

impl ToolArgs for MetricAdd {
    const NAME: &'static str = "cmos_metric_add";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(metrics::add(
            ws,
            self.session_id.as_deref(),
            self.mission_id.as_deref(),
            &self.fields.measures(),
        )?)
    }
}

/// Metrics rolled up per mission and per session type (count, mean, median), with the
/// estimate accuracy of completed missions: of the week (or since a day) or of a sprint.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// YYYY-MM-DD; metrics since that day [default: the last seven days].
    since: Option<String>,
    /// Report this sprint instead of a period.
    sprint_id: Option<String>,
}

impl ToolArgs for Report {
    const NAME: &'static str = "cmos_report";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let period = match (self.sprint_id, self.since) {
            (Some(_), Some(_)) => {
                return Err(Error::InvalidInput(
                    "give either a sprint or a day to report since, not both".into(),
                ));
            }
            (Some(sprint), None) => Period::Sprint(sprint),
            (None, since) => Period::Since(parsed::<Date>("since", since.as_deref())?),
        };
        reply(metrics::report(ws, &period)?)
    }
}
