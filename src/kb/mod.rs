//! The knowledge base: BM25 search over the project's documents and the records on the
//! branch, for `cmos kb`, `decision search` and `session search`.

pub mod disk;
pub mod docs;
pub mod engine;
pub mod glob;
pub mod records;

pub use engine::{Document, Hit, Index, Source};
