//! `events.k8s.io/v1` Events are another view of the core `v1` Events, as in Kubernetes:
//! one collection, fields renamed between the two.

use serde_json::{Map, Value};

use super::store::ResourceKey;

/// Core field ↔ events.k8s.io field, for fields that only changed their name.
const RENAMED: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
];

/// Whether a kind is the events.k8s.io view, and so stored as core Events.
pub fn is_events_view(group: &str, plural: &str) -> bool {
    group == "events.k8s.io" && plural == "events"
}

/// Where both views are stored.
pub fn storage_key() -> ResourceKey {
    ResourceKey::new("", "events")
}

/// events.k8s.io/v1 → core v1.
pub fn to_core(event: Value) -> Value {
    rename(event, true, "v1")
}

/// core v1 → events.k8s.io/v1.
pub fn from_core(event: Value) -> Value {
    rename(event, false, "events.k8s.io/v1")
}

fn rename(event: Value, to_core: bool, api_version: &str) -> Value {
    let Value::Object(fields) = event else {
        return event;
    };
    let mut out = Map::new();
    for (name, value) in fields {
        let renamed = RENAMED.iter().find_map(|(core, new)| {
            let (from, to) = if to_core { (new, core) } else { (core, new) };
            (*from == name).then(|| (*to).to_owned())
        });
        out.insert(renamed.unwrap_or(name), value);
    }
    out.insert("apiVersion".into(), Value::String(api_version.into()));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_two_views_round_trip() {
        let new = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
                         "regarding": {"kind": "BareMetalHost", "name": "node-0"}, "note": "Registered",
                         "reason": "Registered", "type": "Normal", "reportingController": "capm3",
                         "reportingInstance": "capm3-0", "eventTime": "2026-01-01T00:00:00.000000Z", "action": "Register"});
        let core = to_core(new.clone());
        assert_eq!(core["involvedObject"]["name"], "node-0");
        assert_eq!(core["message"], "Registered");
        assert_eq!(core["reportingComponent"], "capm3");
        assert_eq!(core["apiVersion"], "v1");
        assert_eq!(from_core(core), new);
    }
}
