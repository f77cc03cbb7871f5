//! Reading a record that keeps the keys this version does not know, without serde's
//! `flatten`.
//!
//! A `#[serde(flatten)]` field makes the derived reader buffer every key and value of the
//! record into serde's private `Content` tree and read each field again from there: a third
//! of what parsing a mission cost, repeated for every transition and link in it. Instead the
//! records derive with `#[serde(remote = "Self")]` (the derived code becomes inherent
//! functions), `extra` is `#[serde(flatten, skip_deserializing)]` (still written flat, never
//! buffered on reading), and `keeps_unknown_keys!` implements the traits: reading goes through
//! `Split`, which passes the derived reader the keys it names and keeps the others in `extra`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;

/// Where a record keeps the keys it does not know, with their values.
pub(super) trait KeptKeys: Default {
    type Value: DeserializeOwned;
    fn keep(&mut self, key: String, value: Self::Value);
}

impl KeptKeys for toml::Table {
    type Value = toml::Value;
    fn keep(&mut self, key: String, value: toml::Value) {
        self.insert(key, value);
    }
}

impl KeptKeys for serde_json::Map<String, serde_json::Value> {
    type Value = serde_json::Value;
    fn keep(&mut self, key: String, value: serde_json::Value) {
        self.insert(key, value);
    }
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
        // The inner deserializer is told every field the record knows; `SplitVisitor` takes
        // only a map (a JSON array is not a record).
        self.inner.deserialize_struct(
            name,
            fields,
            SplitVisitor {
                visitor,
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

struct SplitVisitor<'k, V, K> {
    visitor: V,
    fields: &'static [&'static str],
    kept: &'k mut K,
}

impl<'de, V: Visitor<'de>, K: KeptKeys> Visitor<'de> for SplitVisitor<'_, V, K> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(SplitMap {
            map,
            fields: self.fields,
            kept: self.kept,
        })
    }
}

struct SplitMap<'k, A, K> {
    map: A,
    fields: &'static [&'static str],
    kept: &'k mut K,
}

impl<'de, A: MapAccess<'de>, K: KeptKeys> MapAccess<'de> for SplitMap<'_, A, K> {
    type Error = A::Error;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        while let Some(KeyName(key)) = self.map.next_key()? {
            if self.fields.contains(&&*key) {
                return match key {
                    Cow::Borrowed(key) => {
                        seed.deserialize(de::value::BorrowedStrDeserializer::new(key))
                    }
                    Cow::Owned(key) => seed.deserialize(key.into_deserializer()),
                }
                .map(Some);
            }
            let value = self.map.next_value()?;
            self.kept.keep(key.into_owned(), value);
        }
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
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
