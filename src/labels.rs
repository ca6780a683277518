//! The labels the Python services write, as enums: entity types, NLI labels,
//! verdicts, Phase 1 relationships and retrieval methods. Each converts to and
//! from the exact text stored (`as_str`, `FromStr`), and the CHECK constraints
//! of V3 accept exactly these texts.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = Error;

            /// Parses the stored text (exact case).
            fn from_str(s: &str) -> Result<Self> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(Error::invalid(
                        $field,
                        format!(
                            "{other:?} is not one of {}",
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }
    };
}

text_enum!(
    /// What an embedding belongs to (`embeddings.entity_type`).
    EntityType, "entity_type", {
        /// A row of `evidence`.
        Evidence = "evidence",
        /// A row of `claims`.
        Claim = "claim",
    }
);
text_enum!(
    /// An NLI prediction (`nli_results.label`).
    NliLabel, "label", {
        /// The evidence entails the claim.
        Entailment = "ENTAILMENT",
        /// The evidence contradicts the claim.
        Contradiction = "CONTRADICTION",
        /// Neither.
        Neutral = "NEUTRAL",
    }
);
text_enum!(
    /// A verdict (`verification_results.verdict`, `verdicts.verdict`).
    VerdictLabel, "verdict", {
        /// The evidence supports the claim.
        Supported = "SUPPORTED",
        /// The evidence refutes the claim.
        Refuted = "REFUTED",
        /// Not enough evidence either way.
        Insufficient = "INSUFFICIENT",
    }
);
text_enum!(
    /// How a piece of evidence relates to a Phase 1 verdict (`verdict_evidence.relationship`).
    Relationship, "relationship", {
        /// Supports the claim.
        Supports = "supports",
        /// Refutes the claim.
        Refutes = "refutes",
        /// Neither.
        Neutral = "neutral",
    }
);
text_enum!(
    /// How evidence was retrieved (`verification_results.retrieval_method`).
    RetrievalMethod, "retrieval_method", {
        /// Vector similarity only.
        Vector = "vector",
        /// Full text and vector fused.
        Hybrid = "hybrid",
        /// Full text only.
        Keyword = "keyword",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_exactly_and_name_the_field() {
        assert_eq!(
            "ENTAILMENT".parse::<NliLabel>().unwrap(),
            NliLabel::Entailment
        );
        let e = "entailment".parse::<NliLabel>().unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput { field, .. } if field == "label"),
            "{e}"
        );
        assert!("MAYBE".parse::<VerdictLabel>().is_err());
        assert_eq!(Relationship::ALL.len(), 3);
    }
}
