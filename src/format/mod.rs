//! The file format of the cmos branch, with no git in it: where each record lives (`layout`)
//! and the canonical text of records and logs (`codec`). Index, merge and store all read and
//! write through it, so it sits below all three.

pub mod codec;
pub mod layout;
pub mod plain_toml;
