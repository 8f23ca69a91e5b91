use serde_json::{Value, json};

use super::*;

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "required": ["host"],
                "properties": {
                    "host": {"type": "string", "minLength": 1, "maxLength": 5},
                    "port": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 65535},
                    "mode": {"type": "string", "enum": ["a", "b"]},
                    "mtu": {"type": "integer", "default": 1500},
                    "name": {"type": "string", "pattern": "^[a-z]+$"},
                    "when": {"type": "string", "format": "date-time"},
                    "size": {"x-kubernetes-int-or-string": true},
                    "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "maybe": {"type": "string", "nullable": true},
                    "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set", "maxItems": 3},
                    "links": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["id"],
                        "items": {"type": "object", "properties": {"id": {"type": "string"}, "mtu": {"type": "integer", "default": 9000}}},
                    },
                },
            },
        },
    })
}

fn messages(object: Value) -> Vec<String> {
    validate(&object, &schema())
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn prune_removes_unknown_fields_and_disallowed_nulls() {
    let mut object = json!({
        "apiVersion": "x/v1", "kind": "K", "metadata": {"name": "n", "anything": 1},
        "unknown": 1,
        "spec": {"host": "h", "extra": true, "mode": null, "maybe": null,
                 "raw": {"free": {"form": 1}}, "labels": {"a": "b"},
                 "links": [{"id": "x", "bogus": 1}]},
    });
    let pruned: Vec<String> = prune(&mut object, &schema())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        pruned,
        ["unknown", "spec.extra", "spec.mode", "spec.links[0].bogus"]
    );
    assert_eq!(
        object["metadata"]["anything"], 1,
        "metadata is the server's business"
    );
    assert_eq!(
        object["spec"]["raw"]["free"]["form"], 1,
        "preserve-unknown-fields keeps everything"
    );
    assert!(
        object["spec"]["maybe"].is_null(),
        "nullable fields keep null"
    );
}

#[test]
fn defaults_fill_absent_fields_where_the_parent_exists() {
    let mut object = json!({"spec": {"host": "h", "links": [{"id": "x"}, {"id": "y", "mtu": 1}]}});
    apply_defaults(&mut object, &schema());
    assert_eq!(object["spec"]["mtu"], 1500);
    assert_eq!(object["spec"]["links"][0]["mtu"], 9000);
    assert_eq!(object["spec"]["links"][1]["mtu"], 1, "a set value is kept");
    let mut empty = json!({});
    apply_defaults(&mut empty, &schema());
    assert_eq!(empty, json!({}), "no spec, so no spec defaults");
}

#[test]
fn a_valid_object_has_no_errors() {
    let object = json!({"spec": {"host": "h", "port": 6443, "mode": "a", "name": "abc",
        "when": "2024-01-02T03:04:05Z", "size": "10%", "tags": ["x", "y"],
        "links": [{"id": "a"}, {"id": "b"}]}});
    assert_eq!(messages(object), Vec::<String>::new());
}

#[test]
fn errors_are_worded_like_the_api_server() {
    let object = json!({"spec": {
        "port": 70000, "mode": "c", "name": "ABC", "when": "yesterday", "size": true,
        "tags": ["x", "x", "y", "z"], "links": [{"id": "a"}, {"id": "a"}], "labels": {"k": 1},
    }});
    assert_eq!(
        messages(object),
        [
            "spec.host: Required value",
            "spec.labels[k]: Invalid value: \"integer\": spec.labels[k] in body must be of type string: \"integer\"",
            "spec.links[1]: Duplicate value: map[string]interface {}{\"id\":\"a\"}",
            "spec.mode: Unsupported value: \"c\": supported values: \"a\", \"b\"",
            "spec.name: Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'",
            "spec.port: Invalid value: 70000: spec.port in body should be less than or equal to 65535",
            "spec.size: Invalid value: \"boolean\": spec.size in body must be of type integer-or-string: \"boolean\"",
            "spec.tags: Too many: 4: must have at most 3 items",
            "spec.tags[1]: Duplicate value: \"x\"",
            "spec.when: Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\"",
        ]
    );
}

#[test]
fn string_length_limits() {
    assert_eq!(
        messages(json!({"spec": {"host": ""}})),
        ["spec.host: Invalid value: \"\": spec.host in body should be at least 1 chars long"]
    );
    assert_eq!(
        messages(json!({"spec": {"host": "toolong"}})),
        ["spec.host: Too long: may not be more than 5 bytes"]
    );
}

#[test]
fn wrong_type_stops_deeper_checks() {
    assert_eq!(
        messages(json!({"spec": "nope"})),
        ["spec: Invalid value: \"string\": spec in body must be of type object: \"string\""]
    );
}

#[test]
fn minimum_counts_of_items_and_properties() {
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "list": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "endpoint": {"type": "object", "minProperties": 1, "properties": {"host": {"type": "string"}}},
    }}}});
    let errors: Vec<String> = validate(&json!({"spec": {"list": [], "endpoint": {}}}), &schema)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        [
            "spec.endpoint: Invalid value: 0: spec.endpoint in body should have at least 1 properties",
            "spec.list: Invalid value: 0: spec.list in body should have at least 1 items",
        ]
    );
}
