//! A borrowed wrapper around [`pgvector::Vector`] for cornucopia-generated code.
//!
//! cornucopia maps a PostgreSQL type to an owned Rust type plus a *borrowed*
//! counterpart with a lifetime, used in generated `*Params<'a>` structs and in
//! borrowed rows. `pgvector::Vector` has no lifetime, so without these wrappers
//! the generated code does not compile (E0392, unused lifetime). Each wrapper is
//! a [`Cow`]: it borrows when the caller passes a vector in and owns what it
//! decodes from a row (pgvector's wire format is big-endian, so decoding always
//! copies).

use std::borrow::Cow;
use std::error::Error;

use bytes::BytesMut;
use pgvector::Vector;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

macro_rules! borrowed_wrapper {
    ($(#[$doc:meta])* $name:ident, $owned:ty, $pg:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name<'a>(pub Cow<'a, $owned>);

        impl<'a> From<&'a $owned> for $name<'a> {
            fn from(value: &'a $owned) -> Self {
                Self(Cow::Borrowed(value))
            }
        }

        impl From<$owned> for $name<'_> {
            fn from(value: $owned) -> Self {
                Self(Cow::Owned(value))
            }
        }

        impl From<$name<'_>> for $owned {
            fn from(value: $name<'_>) -> Self {
                value.0.into_owned()
            }
        }

        impl<'a> FromSql<'a> for $name<'a> {
            fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
                <$owned as FromSql>::from_sql(ty, raw).map(|v| Self(Cow::Owned(v)))
            }

            fn accepts(ty: &Type) -> bool {
                ty.name() == $pg
            }
        }

        impl ToSql for $name<'_> {
            fn to_sql(&self, ty: &Type, w: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
                self.0.as_ref().to_sql(ty, w)
            }

            fn accepts(ty: &Type) -> bool {
                ty.name() == $pg
            }

            to_sql_checked!();
        }
    };
}

borrowed_wrapper!(
    /// A `vector` value, borrowed from the caller or owned after decoding.
    VectorRef,
    Vector,
    "vector"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_round_trips_through_the_wire_format() {
        let v = Vector::from(vec![1.0, -2.5, f32::MIN_POSITIVE]);
        let mut buf = BytesMut::new();
        let ty = Type::new(
            "vector".into(),
            0,
            postgres_types::Kind::Simple,
            "public".into(),
        );
        VectorRef::from(&v).to_sql(&ty, &mut buf).unwrap();
        let back: Vector = VectorRef::from_sql(&ty, &buf).unwrap().into();
        assert_eq!(back, v);
    }
}
