//! Policies: the thresholds orchestration reads, stored on the branch as readable TOML.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Policies {
    pub validation: ValidationPolicy,
    pub limits: Limits,
    pub routing: Routing,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationPolicy {
    pub auto_approve_min: f64,
    pub needs_review_min: f64,
    pub allow_self_approval: bool,
    pub require_scores: bool,
}

impl Default for ValidationPolicy {
    fn default() -> Self {
        ValidationPolicy {
            auto_approve_min: 0.80,
            needs_review_min: 0.60,
            allow_self_approval: false,
            require_scores: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limits {
    pub tool_cap: u32,
    pub loop_window_secs: u64,
    pub loop_warn_at: u32,
    pub loop_refuse_at: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            tool_cap: 200,
            loop_window_secs: 600,
            loop_warn_at: 3,
            loop_refuse_at: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routing {
    pub simple: String,
    pub standard: String,
    pub complex: String,
}

impl Default for Routing {
    fn default() -> Self {
        Routing {
            simple: "flash".into(),
            standard: "standard".into(),
            complex: "premium".into(),
        }
    }
}

/// The policies in force on the branch tip (defaults where nothing is set).
pub fn effective(_snapshot: &crate::store::Snapshot) -> crate::error::Result<Policies> {
    Ok(Policies::default())
}
