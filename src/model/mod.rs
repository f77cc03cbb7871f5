//! The records cmos stores (project, sprint, mission, session, item, event) and the ids and times they use.

mod duration;
mod event;
mod id;
mod item;
mod metric;
mod mission;
mod project;
mod session;
mod sprint;
mod status;
pub mod text;
mod time;
mod unknown_keys;

pub use duration::Minutes;
pub use event::Event;
pub use id::{
    FNV1A_START, MAX_ID_LEN, derived_uid, fnv1a, fnv1a_extend, fnv1a_words, natural_cmp,
    new_short_id, new_uid, new_uid_at, new_writer_id, quote, random_bytes, uid_order_key,
    validate_id,
};
pub use item::{Folded, Item, ItemKind, ItemStatus, latest_versions};
pub use metric::Metric;
pub use mission::{
    ApprovalState, Blocker, Dependency, Escalation, HUMAN_REVIEW_TIER, Mission, TimeSpent,
    Transition,
};
pub use project::{FORMAT_MAJOR, FORMAT_MINOR, Format, Project, SHARDED_SPRINTS};
pub use session::{Capture, CaptureCategory, Session, SessionStatus, SessionType, ValidationState};
pub use sprint::Sprint;
pub use status::{Complexity, DepType, Pattern, SprintStatus, Status, fold};
pub use text::{MAX_NAME_LEN, MAX_TEXT_LEN, clean_items, clean_name, clean_text};
pub use time::{Date, Timestamp};
pub use unknown_keys::KnownKeysOnly;
