//! The conditions the stand-ins report: each fact is written in the v1beta2
//! `status.conditions` and in the deprecated `status.deprecated.v1beta1.conditions`, which
//! Cluster API keeps until 2027 and upstream CAPM3 still reads (reference §7 quirk 10).

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use serde_json::{Value, json};

use crate::api::capi::Rest;
use crate::api::common::V1Beta1Condition;
use crate::capm3::conditions::{Cond, LegacyCond, Severity, Status, apply, apply_v1beta1};

/// One condition: its type, whether it holds, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    pub type_: &'static str,
    /// The type in the v1beta1 list, where Cluster API spelled it differently.
    pub v1beta1_type: &'static str,
    pub holds: bool,
    pub reason: &'static str,
    pub message: String,
}

impl Fact {
    pub fn new(type_: &'static str, holds: bool, reason: &'static str, message: &str) -> Fact {
        Fact {
            type_,
            v1beta1_type: type_,
            holds,
            reason,
            message: message.to_owned(),
        }
    }

    /// The same fact under another type in the v1beta1 list.
    pub fn v1beta1_as(self, v1beta1_type: &'static str) -> Fact {
        Fact {
            v1beta1_type,
            ..self
        }
    }

    fn v1beta2(&self) -> Cond {
        Cond {
            type_: self.type_,
            status: if self.holds {
                Status::True
            } else {
                Status::False
            },
            reason: self.reason,
            message: self.message.clone(),
        }
    }

    fn v1beta1(&self) -> LegacyCond {
        if self.holds {
            LegacyCond::yes(self.v1beta1_type)
        } else {
            LegacyCond::no(
                self.v1beta1_type,
                self.reason,
                Severity::Info,
                self.message.clone(),
            )
        }
    }
}

/// The deprecated v1beta1 conditions kept in a status' unmodelled fields; a malformed list
/// (not ours) reads as empty and is replaced.
fn v1beta1_conditions(rest: &Rest) -> Vec<V1Beta1Condition> {
    rest.get("deprecated")
        .map(|deprecated| deprecated["v1beta1"]["conditions"].clone())
        .and_then(|list| serde_json::from_value(list).ok())
        .unwrap_or_default()
}

/// Writes `facts` into both condition lists of a status: a condition whose status stays keeps
/// its transition time, so recording the same facts again changes nothing.
pub fn record(
    conditions: &mut Option<Vec<Condition>>,
    rest: &mut Rest,
    facts: &[Fact],
    generation: Option<i64>,
) {
    let now = Time(Timestamp::now());
    let v1beta2: Vec<Cond> = facts.iter().map(Fact::v1beta2).collect();
    let existing = conditions.take().unwrap_or_default();
    *conditions = Some(apply(&existing, &v1beta2, generation, &now));

    let v1beta1: Vec<LegacyCond> = facts.iter().map(Fact::v1beta1).collect();
    let legacy = apply_v1beta1(&v1beta1_conditions(rest), &v1beta1, &now);
    let legacy = serde_json::to_value(legacy).unwrap_or(Value::Null);
    let deprecated = rest.entry("deprecated".to_owned()).or_insert(json!({}));
    if !deprecated.is_object() {
        *deprecated = json!({});
    }
    let v1beta1 = &mut deprecated["v1beta1"];
    if !v1beta1.is_object() {
        *v1beta1 = json!({});
    }
    v1beta1["conditions"] = legacy;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(list: &Value) -> Vec<(String, String)> {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["type"].as_str().unwrap_or_default().to_owned(),
                    c["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn facts_land_in_both_lists_and_keep_their_transition_time() {
        let mut conditions = None;
        let mut rest = Rest::new();
        let facts = [
            Fact::new("InfrastructureReady", true, "InfrastructureReady", ""),
            Fact::new("BootstrapConfigReady", false, "NotReady", "waiting")
                .v1beta1_as("BootstrapReady"),
        ];
        record(&mut conditions, &mut rest, &facts, Some(1));
        let v1beta2 = conditions.clone().unwrap_or_default();
        assert_eq!(v1beta2.len(), 2);
        assert_eq!(
            types(&rest["deprecated"]["v1beta1"]["conditions"]),
            vec![
                ("InfrastructureReady".to_owned(), "True".to_owned()),
                ("BootstrapReady".to_owned(), "False".to_owned()),
            ]
        );
        let (before, before_rest) = (conditions.clone(), rest.clone());
        record(&mut conditions, &mut rest, &facts, Some(1));
        assert_eq!(conditions, before, "recording again changes nothing");
        assert_eq!(rest, before_rest);
    }

    #[test]
    fn other_conditions_are_kept() {
        let mut rest = Rest::new();
        rest.insert(
            "deprecated".into(),
            json!({"v1beta1": {"conditions": [{"type": "OwnerRemediated", "status": "False",
                "lastTransitionTime": "2025-01-01T00:00:00Z", "reason": "WaitingForRemediation",
                "severity": "Warning"}]}}),
        );
        let mut conditions = None;
        record(
            &mut conditions,
            &mut rest,
            &[Fact::new("NodeReady", true, "NodeReady", "")],
            None,
        );
        assert_eq!(
            types(&rest["deprecated"]["v1beta1"]["conditions"]),
            vec![
                ("OwnerRemediated".to_owned(), "False".to_owned()),
                ("NodeReady".to_owned(), "True".to_owned()),
            ]
        );
    }
}
