//! Hands a parsed plain-TOML value to serde as the toml crate's deserializer would: the same
//! visitor calls for the same values, and `Stray` where the crate does something this reader
//! does not copy (spans, datetimes, enums written as tables, keys read as numbers).

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, CowStrDeserializer};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use super::{Stray, Table, Value};

impl fmt::Display for Stray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not plain TOML; read it with the toml crate")
    }
}

impl std::error::Error for Stray {}

impl de::Error for Stray {
    fn custom<T: fmt::Display>(_: T) -> Stray {
        Stray
    }
}

/// serde's private names for `Spanned` and toml's `Datetime`: values this reader never makes.
fn is_toml_private(name: &str) -> bool {
    name.starts_with("$__")
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = Stray;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stray> {
        match self {
            Value::Str(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Value::Str(Cow::Owned(s)) => visitor.visit_string(s),
            Value::Int(n) => visitor.visit_i64(n),
            Value::Float(x) => visitor.visit_f64(x),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            Value::Tables(tables) => visitor.visit_seq(Items(tables.into_iter().map(Value::Table))),
            Value::Table(mut table) => {
                table.sort();
                visitor.visit_map(Entries::of(table))
            }
        }
    }

    /// A value that is there is `Some`: an absent key is serde's `None`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stray> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stray> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stray> {
        match (is_toml_private(name), self) {
            (true, _) => Err(Stray),
            (false, Value::Table(table)) => visitor.visit_map(Entries::of(table)),
            (false, value) => value.deserialize_any(visitor),
        }
    }

    /// A unit variant written as its name; the crate's `{ Variant = ... }` tables are left
    /// to it.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stray> {
        match self {
            Value::Str(s) => visitor.visit_enum(CowStrDeserializer::<Stray>::new(s)),
            _ => Err(Stray),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// The items of an array, or the tables of `[[name]]`.
struct Items<I>(I);

impl<'de, I: Iterator<Item = Value<'de>>> SeqAccess<'de> for Items<I> {
    type Error = Stray;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Stray> {
        self.0
            .next()
            .map(|value| seed.deserialize(value))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint().1
    }
}

/// A table's entries, keys first and then each key's value.
struct Entries<'de> {
    entries: std::vec::IntoIter<(&'de str, Value<'de>)>,
    value: Option<Value<'de>>,
}

impl<'de> Entries<'de> {
    fn of(table: Table<'de>) -> Entries<'de> {
        Entries {
            entries: table.0.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Stray;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Stray> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(Key(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Stray> {
        seed.deserialize(self.value.take().ok_or(Stray)?)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// Deserializer methods that answer `Stray`.
macro_rules! refuse {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stray> {
            Err(Stray)
        })*
    };
}

/// A key read as a string, a unit variant or a newtype around one. The toml crate also reads
/// keys as numbers, booleans and characters (for maps keyed by them); those are left to it.
struct Key<'de>(&'de str);

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = Stray;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stray> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stray> {
        visitor.visit_enum(BorrowedStrDeserializer::<Stray>::new(self.0))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stray> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stray> {
        match is_toml_private(name) {
            true => Err(Stray),
            false => self.deserialize_any(visitor),
        }
    }

    refuse! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_char
    }

    forward_to_deserialize_any! {
        f32 f64 str string bytes byte_buf option unit unit_struct seq tuple tuple_struct map
        identifier ignored_any
    }
}
