//! Reading a record that keeps the keys this version does not know, without serde's
//! `flatten`.
//!
//! A `#[serde(flatten)]` field makes the derived reader ask for a map and buffer every key and
//! value of the record (and of each transition and link in it) into serde's private `Content`
//! tree before reading its fields. Asked for a map, a reader must hand the keys over in the
//! order a map would get them, so the plain TOML reader sorted every table; asked for a
//! struct, it need not (see `format::plain_toml`). Measured alone, dropping the buffer saved
//! nothing on a first verify of 100,000 missions (the lookups below cost as much); with the
//! sort left out, the pair saved a tenth of the parse. So the records derive with
//! `#[serde(remote = "Self")]` (the derived code becomes inherent functions), `extra` is
//! `#[serde(flatten, skip_deserializing)]` (still written flat, never buffered on reading),
//! and `keeps_unknown_keys!` implements the traits: reading goes through `Split`, which asks
//! for a struct, passes the derived reader the keys it names and keeps the others in `extra`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;

/// Where a record keeps the keys it does not know, with their values.
pub(super) trait KeptKeys: Default {
    type Value: DeserializeOwned;
    fn keep(&mut self, key: Cow<'_, str>, value: Self::Value);
}

impl KeptKeys for toml::Table {
    type Value = toml::Value;
    fn keep(&mut self, key: Cow<'_, str>, value: toml::Value) {
        self.insert(key.into_owned(), value);
    }
}

impl KeptKeys for serde_json::Map<String, serde_json::Value> {
    type Value = serde_json::Value;
    fn keep(&mut self, key: Cow<'_, str>, value: serde_json::Value) {
        self.insert(key.into_owned(), value);
    }
}

/// A record read without the keys this version does not know: their values are still read
/// (a file reads, or fails, exactly as it would otherwise) and then dropped, so `extra` is
/// empty. For reads that only sum a record up: keeping an imported mission's `[legacy]`
/// table as `toml::Value`s and dropping it again was a tenth of a first verify.
pub struct KnownKeysOnly<T>(pub T);

/// Where `KnownKeysOnly` sends the keys it does not keep.
#[derive(Default)]
pub(super) struct Dropped;

impl KeptKeys for Dropped {
    type Value = de::IgnoredAny;
    fn keep(&mut self, _: Cow<'_, str>, _: de::IgnoredAny) {}
}

/// Implements `Serialize` and `Deserialize` for records derived with `remote = "Self"` whose
/// `extra` field keeps unknown keys.
macro_rules! keeps_unknown_keys {
    ($($record:ty),* $(,)?) => {$(
        impl serde::Serialize for $record {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                <$record>::serialize(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $record {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut extra = Default::default();
                let mut record =
                    <$record>::deserialize($crate::model::unknown_keys::Split::new(deserializer, &mut extra))?;
                record.extra = extra;
                Ok(record)
            }
        }

        impl<'de> serde::Deserialize<'de> for $crate::model::unknown_keys::KnownKeysOnly<$record> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut dropped = $crate::model::unknown_keys::Dropped;
                let split = $crate::model::unknown_keys::Split::new(deserializer, &mut dropped);
                <$record>::deserialize(split).map($crate::model::unknown_keys::KnownKeysOnly)
            }
        }
    )*};
}
pub(super) use keeps_unknown_keys;

/// A deserializer that hands a derived struct reader only the keys it names (the `fields`
/// it passes to `deserialize_struct`) and keeps the rest.
pub(crate) struct Split<'k, D, K> {
    inner: D,
    kept: &'k mut K,
}

impl<'k, D, K> Split<'k, D, K> {
    pub(crate) fn new(inner: D, kept: &'k mut K) -> Self {
        Split { inner, kept }
    }
}

impl<'de, D: de::Deserializer<'de>, K: KeptKeys> de::Deserializer<'de> for Split<'_, D, K> {
    type Error = D::Error;

    /// Only a struct is read this way; the derived readers ask for nothing else.
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, D::Error> {
        Err(de::Error::custom("a record is read as a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // The inner deserializer is told every field the record knows; `Splitting` takes
        // only a map (a JSON array is not a record).
        self.inner.deserialize_struct(
            name,
            fields,
            Splitting {
                inner: visitor,
                fields,
                kept: self.kept,
            },
        )
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// A derived reader's visitor, then the map it is handed, each with the fields the reader
/// names and where the other keys go: one shape for both steps, told apart by what it wraps.
struct Splitting<'k, T, K> {
    inner: T,
    fields: &'static [&'static str],
    kept: &'k mut K,
}

impl<'de, V: Visitor<'de>, K: KeptKeys> Visitor<'de> for Splitting<'_, V, K> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(Splitting {
            inner: map,
            fields: self.fields,
            kept: self.kept,
        })
    }
}

impl<'de, A: MapAccess<'de>, K: KeptKeys> MapAccess<'de> for Splitting<'_, A, K> {
    type Error = A::Error;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        while let Some(KeyName(key)) = self.inner.next_key()? {
            if self.fields.contains(&&*key) {
                return match key {
                    Cow::Borrowed(key) => {
                        seed.deserialize(de::value::BorrowedStrDeserializer::new(key))
                    }
                    Cow::Owned(key) => seed.deserialize(key.into_deserializer()),
                }
                .map(Some);
            }
            let value = self.inner.next_value()?;
            self.kept.keep(key, value);
        }
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A key, borrowed from the text where the format allows (serde's own `Cow<str>` always
/// copies).
struct KeyName<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for KeyName<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor(PhantomData))
    }
}

/// Reads a key as `KeyName`.
struct KeyVisitor<'de>(PhantomData<&'de ()>);

impl<'de> Visitor<'de> for KeyVisitor<'de> {
    type Value = KeyName<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<KeyName<'de>, E> {
        Ok(KeyName(Cow::Borrowed(key)))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<KeyName<'de>, E> {
        Ok(KeyName(Cow::Owned(key.to_owned())))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<KeyName<'de>, E> {
        Ok(KeyName(Cow::Owned(key)))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Event, KnownKeysOnly, Mission};

    const MISSION: &str = r#"id = "B1"
uid = "01jdx"
name = "n"
status = "Queued"
owner = "ana"
created_at = "2026-01-01T00:00:00Z"
updated_at = "2026-01-01T00:00:00Z"

[[depends]]
on = "A1"
type = "requires"
why = "schema first"

[[transitions]]
at = "2026-01-01T00:00:00Z"
from = "Queued"
to = "In Progress"
by = "t"
seat = 3

[review]
by = "bo"
"#;

    /// Keys no version knows stay with their record at every depth, whichever reader reads it.
    #[test]
    fn unknown_keys_are_kept_at_every_depth_by_both_readers() {
        let slow: Mission = toml::from_str(MISSION).unwrap();
        let fast: Mission = crate::format::plain_toml::from_str(MISSION).expect("plain TOML");
        for mission in [&slow, &fast] {
            assert_eq!(mission.extra["owner"].as_str(), Some("ana"));
            assert_eq!(mission.extra["review"]["by"].as_str(), Some("bo"));
            assert_eq!(mission.extra.len(), 2);
            assert_eq!(mission.depends[0].on, "A1");
            assert_eq!(
                mission.depends[0].extra["why"].as_str(),
                Some("schema first")
            );
            assert_eq!(mission.transitions[0].extra["seat"].as_integer(), Some(3));
        }
        assert_eq!(slow, fast);
    }

    /// Read for a summary, a record drops the keys it does not know at the top and only
    /// there, and is otherwise the record read whole, by either reader.
    #[test]
    fn known_keys_only_drops_the_top_unknown_keys_and_nothing_else() {
        let whole: Mission = toml::from_str(MISSION).unwrap();
        let slow: KnownKeysOnly<Mission> = toml::from_str(MISSION).unwrap();
        let fast: KnownKeysOnly<Mission> =
            crate::format::plain_toml::from_str(MISSION).expect("plain TOML");
        for KnownKeysOnly(mission) in [slow, fast] {
            assert!(mission.extra.is_empty());
            assert_eq!(mission.depends[0].extra, whole.depends[0].extra);
            assert_eq!(mission.transitions[0].extra, whole.transitions[0].extra);
            assert_eq!(
                Mission {
                    extra: whole.extra.clone(),
                    ..mission
                },
                whole
            );
        }
    }

    /// A file the whole reader refuses is refused read for a summary too: an unknown key's
    /// value is still read, and a duplicate unknown key is still a duplicate.
    #[test]
    fn known_keys_only_refuses_what_the_whole_reader_refuses() {
        let head = "id = \"B1\"\nuid = \"01jdx\"\nname = \"n\"\nstatus = \"Queued\"\n\
                    created_at = \"2026-01-01T00:00:00Z\"\nupdated_at = \"2026-01-01T00:00:00Z\"\n";
        for tail in [
            "owner = \n",
            "owner = [1, \n",
            "owner = \"a\"\nowner = \"b\"\n",
            "[legacy]\nbody = \"x\"\n[legacy]\nfile = \"y\"\n",
            "owner = 1979-05-27T07:32:00Z\nstatus = \"Queued\"\n",
        ] {
            let text = format!("{head}{tail}");
            assert!(toml::from_str::<Mission>(&text).is_err(), "{text}");
            assert!(
                toml::from_str::<KnownKeysOnly<Mission>>(&text).is_err(),
                "{text}"
            );
            let path = ".cmos/missions/00/B1.toml";
            let whole = crate::format::codec::from_toml::<Mission>(path, text.as_bytes());
            let known =
                crate::format::codec::from_toml::<KnownKeysOnly<Mission>>(path, text.as_bytes());
            assert_eq!(whole.unwrap_err(), known.err().unwrap(), "{text}");
        }
    }

    #[test]
    fn unknown_keys_of_a_log_line_are_kept_and_a_bad_line_is_refused() {
        let line = r#"{"uid":"u1","at":"2026-01-01T00:00:00Z","agent":"a","writer":"w","kind":"mission.created","target":"B1","size":{"n":1},"tags":["x"]}"#;
        let event: Event = serde_json::from_str(line).unwrap();
        assert_eq!(event.target, "B1");
        assert_eq!(event.extra["size"]["n"], 1);
        assert_eq!(event.extra["tags"][0], "x");
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            line,
            "written back as read"
        );
        for bad in [
            r#"["u1","2026-01-01T00:00:00Z","a","w","k","t"]"#,
            r#"{"uid":"u1","uid":"u2","at":"2026-01-01T00:00:00Z","agent":"a","writer":"w","kind":"k","target":"t"}"#,
            r#"{"at":"2026-01-01T00:00:00Z","agent":"a","writer":"w","kind":"k","target":"t"}"#,
            r#"{"uid":7,"at":"2026-01-01T00:00:00Z","agent":"a","writer":"w","kind":"k","target":"t"}"#,
        ] {
            assert!(serde_json::from_str::<Event>(bad).is_err(), "{bad}");
        }
    }
}
