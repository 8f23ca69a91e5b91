//! YAML output byte-for-byte as upstream writes it.
//!
//! Upstream serialises the rendered metaData and networkData with `sigs.k8s.io/yaml`:
//! `json.Marshal`, then `yaml.Unmarshal` of that JSON into `interface{}` and `yaml.Marshal`
//! with its yaml.v2 (2.4) fork. Cloud-init reads these bytes, users diff them and the Secrets
//! are never rewritten, so the output must match exactly — including yaml.v2's choices that
//! generic YAML libraries make differently:
//!
//! - map keys in yaml.v2's "natural" order (`index_9` before `index_10`, non-letters before
//!   letters), not byte order ([`order`]);
//! - strings quoted only when a YAML 1.1 reader would take them for something else: `"true"`,
//!   `"24"`, `"0x1f"`, `"2024-01-02"`, base-60 look-alikes such as the MAC
//!   `"52:54:00:12:34:56"` ([`resolve`]); `'::'` single-quoted where only the layout forbids
//!   a plain scalar;
//! - multi-line strings as literal blocks (`|-`), long lines folded at column 80;
//! - a sequence under a map key not indented (`key:\n- a`), empty collections as `[]` / `{}`;
//! - numbers as Go prints them (`1e+06`, `1.5`), after yaml.v2 re-reads the JSON number.
//!
//! `serde_norway` (the YAML crate in Cargo.toml) differs on several of these (key order,
//! which strings it quotes and how, line folding), hence this small emitter for the restricted
//! shape the renderer produces: JSON values. docs/rendering.md has the details.

mod emitter;
mod number;
mod order;
mod resolve;
mod timestamp;

use serde_json::Value;

/// The YAML document `sigs.k8s.io/yaml.Marshal` writes for this JSON value.
pub fn to_string(value: &Value) -> String {
    emitter::Emitter::document(value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::to_string;

    #[test]
    fn sequences_under_keys_are_not_indented_and_empty_ones_are_flow() {
        let value = json!({
            "links": [{"id": "enp1s0", "mtu": 1500, "type": "phy"}],
            "networks": [],
            "services": [{"address": "8.8.8.8", "type": "dns"}],
        });
        assert_eq!(
            to_string(&value),
            "links:\n- id: enp1s0\n  mtu: 1500\n  type: phy\nnetworks: []\nservices:\n- address: 8.8.8.8\n  type: dns\n"
        );
    }

    #[test]
    fn nested_collections_indent_as_yaml_v2() {
        let value = json!({"a": {"b": [1, [2, 3], {}], "c": {"d": null}}});
        assert_eq!(
            to_string(&value),
            "a:\n  b:\n  - 1\n  - - 2\n    - 3\n  - {}\n  c:\n    d: null\n"
        );
    }

    #[test]
    fn strings_are_quoted_only_when_needed() {
        let value = json!({
            "a": "true", "b": "24", "c": "52:54:00:12:34:56", "d": "", "e": "::",
            "f": "ffff:ffff::", "g": "it's", "h": "a: b", "i": "#x", "j": "x #y", "k": "x#y",
            "l": " lead", "m": "trail ", "n": "tab\there", "o": "- x", "p": "-x", "q": "@x",
            "r": "a\"b", "s": "\"q\"", "t": "café", "u": "a\u{1}b", "v": "smile \u{1F600}",
            "w": "bell\u{7}", "x": "2024-01-02", "y": "0x1f", "z": "52:54:00:ab:cd:ef",
        });
        let expected = concat!(
            "a: \"true\"\n",
            "b: \"24\"\n",
            "c: \"52:54:00:12:34:56\"\n",
            "d: \"\"\n",
            "e: '::'\n",
            "f: 'ffff:ffff::'\n",
            "g: it's\n",
            "h: 'a: b'\n",
            "i: '#x'\n",
            "j: 'x #y'\n",
            "k: x#y\n",
            "l: ' lead'\n",
            "m: 'trail '\n",
            // `n` and `y` are YAML 1.1 booleans, so as keys they are quoted too.
            "\"n\": \"tab\\there\"\n",
            "o: '- x'\n",
            "p: -x\n",
            "q: '@x'\n",
            "r: a\"b\n",
            "s: '\"q\"'\n",
            "t: café\n",
            "u: \"a\\x01b\"\n",
            "v: \"smile \\U0001F600\"\n",
            "w: \"bell\\a\"\n",
            "x: \"2024-01-02\"\n",
            "\"y\": \"0x1f\"\n",
            "z: 52:54:00:ab:cd:ef\n",
        );
        assert_eq!(to_string(&value), expected);
    }

    #[test]
    fn keys_follow_the_same_rules() {
        let value = json!({"true": 1, "on": 2, "": "x", "it's": "y"});
        assert_eq!(
            to_string(&value),
            "\"\": x\nit's: \"y\"\n\"on\": 2\n\"true\": 1\n"
        );
    }

    #[test]
    fn multi_line_strings_are_literal_blocks_with_chomping() {
        let value = json!({
            "script": "line1\nline2\n",
            "s2": "a\nb",
            "s3": "x\n\n",
            "s4": " indented\nx",
            "s5": "a \nb",
        });
        let expected = concat!(
            "s2: |-\n  a\n  b\n",
            "s3: |+\n  x\n\n",
            "s4: |2-\n   indented\n  x\n",
            "s5: \"a \\nb\"\n",
            "script: |\n  line1\n  line2\n",
        );
        assert_eq!(to_string(&value), expected);
    }

    #[test]
    fn long_lines_fold_after_column_80() {
        let words = ["word"; 20].join(" ");
        let first = ["word"; 16].join(" ");
        let rest = ["word"; 4].join(" ");
        assert_eq!(
            to_string(&json!({"k": words})),
            format!("k: {first}\n  {rest}\n")
        );
        // Double-quoted (a tab forces it) folds the same way.
        assert_eq!(
            to_string(&json!({"k": format!("\t{words}")})),
            format!("k: \"\\t{first}\n  {rest}\"\n")
        );
        // Inside a sequence item the continuation is indented to the item's value.
        assert_eq!(
            to_string(&json!({"l": [{"k": words}]})),
            format!("l:\n- k: {first}\n    {rest}\n")
        );
    }

    #[test]
    fn keys_longer_than_128_bytes_are_complex_keys() {
        let key = "k".repeat(130);
        assert_eq!(
            to_string(&json!({ key.clone(): "v" })),
            format!("? {key}\n: v\n")
        );
    }

    #[test]
    fn scalars_print_as_yaml_v2() {
        let value = json!({"d": 1.5, "t": true, "z": null, "i": -3, "f": 1.0, "e": 1e6});
        assert_eq!(
            to_string(&value),
            "d: 1.5\ne: 1e+06\nf: 1\ni: -3\nt: true\nz: null\n"
        );
    }

    mod round_trip {
        use proptest::prelude::*;
        use serde_json::{Map, Value};

        use super::to_string;

        /// Characters that exercise quoting, escaping, breaks and folding.
        fn text() -> impl Strategy<Value = String> {
            prop::string::string_regex(
                "[ -~\t\n\r\u{0}\u{7}\u{85}\u{a0}\u{2028}\u{feff}é😀]{0,120}|[0-9a-f:.+-]{0,20}",
            )
            .expect("a valid pattern")
        }

        fn value() -> impl Strategy<Value = Value> {
            let scalar = prop_oneof![
                text().prop_map(Value::String),
                any::<i64>().prop_map(Value::from),
                any::<bool>().prop_map(Value::from),
                Just(Value::Null),
            ];
            scalar.prop_recursive(3, 24, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::btree_map(text(), inner, 0..4)
                        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
                ]
            })
        }

        proptest! {
            // Whatever is written reads back as the same value: quoting and escaping never
            // change content, for keys and values alike.
            #[test]
            fn output_reads_back_as_the_input(map in prop::collection::btree_map(text(), value(), 1..6)) {
                let value = Value::Object(map.into_iter().collect());
                let yaml = to_string(&value);
                let read: Value = serde_norway::from_str(&yaml)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {yaml}")))?;
                prop_assert_eq!(read, value, "{}", yaml);
            }
        }
    }
}
