//! A Metal3Machine's `hostSelector` as a label selector, with apimachinery's semantics
//! (`labels.NewRequirement` / `Requirement.Matches`), because upstream builds its selector
//! that way (SEL-02, SEL-03, SEL-04).
//!
//! Upstream lower-cases each matchExpressions operator and hands it to `NewRequirement`, so the
//! accepted spellings are `in`, `notin`, `=`, `==`, `!=`, `exists`, `!`, `gt` and `lt` in any
//! case. One deliberate difference: Kubernetes' documented `DoesNotExist` (lower-cased
//! `doesnotexist`) is accepted as `!` here, where upstream refuses it as an unsupported
//! operator; every selector upstream accepts means the same here. Keys, values and the number
//! of values are validated as apimachinery does, with its messages.

use std::collections::BTreeMap;
use std::fmt;

use crate::api::capm3::v1beta2::HostSelector;

/// Why a hostSelector cannot be used; association fails with this message (SEL-04).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError(pub String);

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SelectorError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    In,
    NotIn,
    Equals,
    NotEquals,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// apimachinery's `validRequirementOperators`, in its order (for the error message).
const SUPPORTED: &str = r#""in", "notin", "=", "==", "!=", "exists", "!", "gt", "lt""#;

impl Operator {
    fn parse(given: &str) -> Result<Operator, String> {
        let lowered = given.to_lowercase();
        Ok(match lowered.as_str() {
            "in" => Operator::In,
            "notin" => Operator::NotIn,
            "=" | "==" => Operator::Equals,
            "!=" => Operator::NotEquals,
            "exists" => Operator::Exists,
            "!" | "doesnotexist" => Operator::DoesNotExist,
            "gt" => Operator::GreaterThan,
            "lt" => Operator::LessThan,
            _ => {
                return Err(format!(
                    "operator: Unsupported value: \"{lowered}\": supported values: {SUPPORTED}"
                ));
            }
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

impl Requirement {
    /// `labels.NewRequirement`: every problem found, aggregated as apimachinery does.
    fn new(key: &str, operator: Operator, values: &[String]) -> Result<Requirement, String> {
        let mut errors = Vec::new();
        if let Err(message) = check_qualified_name(key) {
            errors.push(format!("key: Invalid value: \"{key}\": {message}"));
        }
        let listed = || {
            let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
            format!("[]string{{{}}}", quoted.join(", "))
        };
        match operator {
            Operator::In | Operator::NotIn if values.is_empty() => errors.push(format!(
                "values: Invalid value: {}: for 'in', 'notin' operators, values set can't be empty",
                listed()
            )),
            Operator::Equals | Operator::NotEquals if values.len() != 1 => errors.push(format!(
                "values: Invalid value: {}: exact-match compatibility requires one single value",
                listed()
            )),
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                errors.push(format!(
                    "values: Invalid value: {}: values set must be empty for exists and does not exist",
                    listed()
                ))
            }
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errors.push(format!(
                        "values: Invalid value: {}: for 'Gt', 'Lt' operators, exactly one value is required",
                        listed()
                    ));
                }
                for (i, value) in values.iter().enumerate() {
                    if value.parse::<i64>().is_err() {
                        errors.push(format!(
                            "values[{i}]: Invalid value: \"{value}\": for 'Gt', 'Lt' operators, the value must be an integer"
                        ));
                    }
                }
            }
            _ => {}
        }
        for (i, value) in values.iter().enumerate() {
            if let Err(message) = check_label_value(value) {
                errors.push(format!(
                    "values[{i}]: Invalid value: \"{value}\": {message}"
                ));
            }
        }
        match errors.len() {
            0 => Ok(Requirement {
                key: key.to_owned(),
                operator,
                values: values.to_vec(),
            }),
            1 => Err(errors.remove(0)),
            _ => Err(format!("[{}]", errors.join(", "))),
        }
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In | Operator::Equals => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotIn | Operator::NotEquals => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(have), Some(want)) = (
                    value.and_then(|v| v.parse::<i64>().ok()),
                    self.values.first().and_then(|v| v.parse::<i64>().ok()),
                ) else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }
}

/// A compiled hostSelector: every requirement must hold. No selector, or an empty one,
/// matches every host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Builds the selector: each `matchLabels` pair is an `=` requirement, each
    /// `matchExpressions` entry a requirement with its (lower-cased) operator. The first
    /// invalid requirement is the error, as upstream reports it.
    pub fn compile(selector: Option<&HostSelector>) -> Result<LabelSelector, SelectorError> {
        let mut requirements = Vec::new();
        let Some(selector) = selector else {
            return Ok(LabelSelector::default());
        };
        for (key, value) in selector.match_labels.iter().flatten() {
            let requirement = Requirement::new(key, Operator::Equals, std::slice::from_ref(value))
                .map_err(|error| SelectorError(format!("invalid matchLabels entry: {error}")))?;
            requirements.push(requirement);
        }
        for expression in selector.match_expressions.iter().flatten() {
            let requirement = Operator::parse(&expression.operator)
                .and_then(|operator| {
                    Requirement::new(&expression.key, operator, &expression.values)
                })
                .map_err(|error| {
                    SelectorError(format!("invalid matchExpressions entry: {error}"))
                })?;
            requirements.push(requirement);
        }
        Ok(LabelSelector { requirements })
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

const NAME_HINT: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// `validation.IsQualifiedName`: `[prefix/]name`, prefix a DNS-1123 subdomain, name at most
/// 63 characters.
fn check_qualified_name(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split('/').collect::<Vec<_>>()[..] {
        [name] => (None, name),
        [prefix, name] => (Some(prefix), name),
        _ => {
            return Err(format!(
                "a qualified name {NAME_HINT} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ));
        }
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Err("prefix part must be non-empty".into());
        }
        if !is_dns_subdomain(prefix) {
            return Err("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')".into());
        }
    }
    if name.is_empty() {
        return Err("name part must be non-empty".into());
    }
    if name.len() > 63 {
        return Err("name part must be no more than 63 characters".into());
    }
    if !is_name_part(name) {
        return Err(format!(
            "name part {NAME_HINT} (e.g. 'MyName',  or 'my.name',  or '123-abc')"
        ));
    }
    Ok(())
}

/// `validation.IsValidLabelValue`: empty, or a name part of at most 63 characters.
fn check_label_value(value: &str) -> Result<(), String> {
    if value.len() > 63 {
        return Err("must be no more than 63 characters".into());
    }
    if !value.is_empty() && !is_name_part(value) {
        return Err(format!(
            "a valid label must be an empty string or {NAME_HINT} (e.g. 'MyValue',  or 'my_value',  or '12345')"
        ));
    }
    Ok(())
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_name_part(value: &str) -> bool {
    let bytes = value.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// A lowercase RFC 1123 subdomain of at most 253 characters.
fn is_dns_subdomain(value: &str) -> bool {
    value.len() <= 253
        && value.split('.').all(|label| {
            let bytes = label.as_bytes();
            match (bytes.first(), bytes.last()) {
                (Some(first), Some(last)) => {
                    let lower_alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
                    lower_alnum(first)
                        && lower_alnum(last)
                        && bytes.iter().all(|b| lower_alnum(b) || *b == b'-')
                }
                _ => false,
            }
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::fixtures::labels;

    fn selector(value: serde_json::Value) -> Result<LabelSelector, SelectorError> {
        let selector: HostSelector = serde_json::from_value(value).expect("valid hostSelector");
        LabelSelector::compile(Some(&selector))
    }

    fn matching(value: serde_json::Value, host_labels: &[(&str, &str)]) -> bool {
        selector(value)
            .expect("compiles")
            .matches(&labels(host_labels))
    }

    #[test]
    fn no_selector_matches_everything() {
        let everything = LabelSelector::compile(None).expect("compiles");
        assert!(everything.matches(&labels(&[])));
        assert!(matching(json!({}), &[("a", "b")]));
    }

    /// SEL-02: matchLabels are equality requirements, all of which must hold.
    #[test]
    fn match_labels_are_equalities() {
        let value = json!({"matchLabels": {"size": "large", "rack": "r1"}});
        assert!(matching(
            value.clone(),
            &[("size", "large"), ("rack", "r1"), ("x", "y")]
        ));
        assert!(!matching(value.clone(), &[("size", "large")]));
        assert!(!matching(value, &[("size", "small"), ("rack", "r1")]));
    }

    /// SEL-03: every operator upstream accepts, in any case.
    #[test]
    fn match_expression_operators() {
        type Case<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)], bool);
        let cases: &[Case] = &[
            ("In", &["a", "b"], &[("k", "a")], true),
            ("in", &["a", "b"], &[("k", "c")], false),
            ("IN", &["a"], &[], false),
            ("NotIn", &["a"], &[("k", "b")], true),
            ("notin", &["a"], &[("k", "a")], false),
            ("NOTIN", &["a"], &[], true),
            ("=", &["a"], &[("k", "a")], true),
            ("==", &["a"], &[("k", "b")], false),
            ("!=", &["a"], &[("k", "b")], true),
            ("!=", &["a"], &[], true),
            ("!=", &["a"], &[("k", "a")], false),
            ("Exists", &[], &[("k", "")], true),
            ("exists", &[], &[], false),
            ("!", &[], &[], true),
            ("!", &[], &[("k", "a")], false),
            ("DoesNotExist", &[], &[], true),
            ("doesnotexist", &[], &[("k", "a")], false),
            ("Gt", &["5"], &[("k", "6")], true),
            ("gt", &["5"], &[("k", "5")], false),
            ("gt", &["5"], &[("k", "x")], false),
            ("gt", &["5"], &[], false),
            ("Lt", &["5"], &[("k", "-1")], true),
            ("lt", &["5"], &[("k", "5")], false),
        ];
        for (operator, values, host, expected) in cases {
            let value =
                json!({"matchExpressions": [{"key": "k", "operator": operator, "values": values}]});
            assert_eq!(
                matching(value, host),
                *expected,
                "{operator} {values:?} on {host:?}"
            );
        }
    }

    /// SEL-04: invalid requirements are errors with apimachinery's wording.
    #[test]
    fn invalid_requirements() {
        let expression = |operator: &str, values: &[&str]| {
            selector(
                json!({"matchExpressions": [{"key": "k", "operator": operator, "values": values}]}),
            )
            .expect_err("invalid")
            .0
        };
        assert_eq!(
            expression("Matches", &[]),
            r#"invalid matchExpressions entry: operator: Unsupported value: "matches": supported values: "in", "notin", "=", "==", "!=", "exists", "!", "gt", "lt""#
        );
        assert!(
            expression("In", &[])
                .contains("for 'in', 'notin' operators, values set can't be empty")
        );
        assert!(expression("=", &["a", "b"]).contains(
            r#"[]string{"a", "b"}: exact-match compatibility requires one single value"#
        ));
        assert!(
            expression("Exists", &["a"])
                .contains("values set must be empty for exists and does not exist")
        );
        assert!(expression("Gt", &["x"]).contains("values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"));
        let two = expression("Lt", &["x", "2"]);
        assert!(
            two.starts_with("invalid matchExpressions entry: [values:"),
            "{two}"
        );
        assert!(expression("In", &["not valid"]).contains("a valid label must be an empty string"));

        let bad_key = selector(json!({"matchLabels": {"Bad_Prefix/name": "v"}}))
            .expect_err("key")
            .0;
        assert!(
            bad_key.contains("prefix part a lowercase RFC 1123 subdomain"),
            "{bad_key}"
        );
        let long = "x".repeat(64);
        let long_value = selector(json!({"matchLabels": {"k": long}}))
            .expect_err("value")
            .0;
        assert!(
            long_value.ends_with("must be no more than 63 characters"),
            "{long_value}"
        );
        assert!(selector(json!({"matchLabels": {"a/b/c": "v"}})).is_err());
        assert!(selector(json!({"matchLabels": {"example.com/name": ""}})).is_ok());
    }
}
