//! The annotations that change what the operator does with a BareMetalHost, and how their
//! values are read. Both the admission webhook (to refuse a bad value with upstream's message)
//! and the controller (to act on a good one) go through these functions.
//!
//! Values are JSON written by Go programs or by hand, so they are decoded as Go's
//! `encoding/json` does: missing fields are zero values. Where upstream decodes strictly
//! (`DisallowUnknownFields`), unknown fields are errors here too.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::api::bmo::v1alpha1::{BareMetalHostStatus, HardwareDetails};

pub const PAUSED: &str = "baremetalhost.metal3.io/paused";
pub const DETACHED: &str = "baremetalhost.metal3.io/detached";
/// The whole status as JSON, so `clusterctl move` carries it to another cluster.
pub const STATUS: &str = "baremetalhost.metal3.io/status";
/// `reboot.metal3.io` reboots once; `reboot.metal3.io/<key>` holds the host off until removed.
pub const REBOOT: &str = "reboot.metal3.io";
pub const INSPECT: &str = "inspect.metal3.io";
pub const HARDWARE_DETAILS: &str = "inspect.metal3.io/hardwaredetails";

/// `operationalStatus` values the status annotation may carry (upstream's
/// `OperationalStatusAllowed`: every status but `servicing`).
const OPERATIONAL_STATUS_ALLOWED: [&str; 6] =
    ["", "OK", "discovered", "error", "delayed", "detached"];
/// `errorType` values the status annotation may carry (upstream's `ErrorTypeAllowed`).
const ERROR_TYPE_ALLOWED: [&str; 7] = [
    "",
    "provisioned registration error",
    "registration error",
    "inspection error",
    "preparation error",
    "provisioning error",
    "power management error",
];

/// Whether an annotation key is a reboot request: `reboot.metal3.io` or `reboot.metal3.io/<key>`.
pub fn is_reboot(key: &str) -> bool {
    key.strip_prefix(REBOOT)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RebootMode {
    /// Soft power off first, hard when that fails (an empty or missing mode).
    #[default]
    Default,
    Hard,
    Soft,
}

/// A reboot annotation's value: `{"mode": "hard"|"soft", "force": bool}`, or empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RebootArgs {
    pub mode: RebootMode,
    /// Acts on `available` hosts too, and restarts a running ramdisk.
    pub force: bool,
}

/// Reads a reboot annotation. Unknown fields are ignored, as upstream's `json.Unmarshal` does.
pub fn parse_reboot(value: &str) -> Result<RebootArgs, String> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Raw {
        mode: String,
        force: bool,
    }
    if value.is_empty() {
        return Ok(RebootArgs::default());
    }
    let raw: Raw = serde_json::from_str(value).map_err(|error| {
        format!("failed to unmarshal the data from the {REBOOT} annotation: {error}")
    })?;
    let mode = match raw.mode.as_str() {
        "" => RebootMode::Default,
        "hard" => RebootMode::Hard,
        "soft" => RebootMode::Soft,
        _ => {
            return Err(format!(
                r#"invalid mode in the {REBOOT} annotation, allowed are "hard", "soft" or """#
            ));
        }
    };
    Ok(RebootArgs {
        mode,
        force: raw.force,
    })
}

/// What the detached annotation asks for when the host is deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetachedArgs {
    /// `deleteAction: delay`: deleting waits until the annotation is removed.
    pub delay_delete: bool,
    /// Detach even in states where work is running (aborting it).
    pub force: bool,
}

/// Reads a detached annotation. An empty or unreadable value means "delete at once", as
/// upstream treats it.
pub fn parse_detached(value: &str) -> DetachedArgs {
    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    struct Raw {
        delete_action: String,
        force: bool,
    }
    let raw: Raw = serde_json::from_str(value).unwrap_or_default();
    DetachedArgs {
        delay_delete: raw.delete_action == "delay",
        force: raw.force,
    }
}

/// Checks an `inspect.metal3.io` value: `disabled` or empty.
pub fn check_inspect(value: &str) -> Result<(), String> {
    match value {
        "" | "disabled" => Ok(()),
        _ => Err(format!(
            r#"invalid value for the {INSPECT} annotation, allowed are "disabled" or """#
        )),
    }
}

/// Reads the status annotation, strictly, with upstream's allow-lists for `operationalStatus`
/// and `errorType`.
pub fn decode_status(value: &str) -> Result<BareMetalHostStatus, String> {
    let raw: Value = serde_json::from_str(value)
        .map_err(|error| format!("error decoding status annotation: {error}"))?;
    for (field, allowed) in [
        ("operationalStatus", &OPERATIONAL_STATUS_ALLOWED[..]),
        ("errorType", &ERROR_TYPE_ALLOWED[..]),
    ] {
        if let Some(given) = raw[field].as_str()
            && !allowed.contains(&given)
        {
            return Err(format!(
                "invalid {field} '{given}' in the {STATUS} annotation"
            ));
        }
    }
    // What Go's zero value gives the fields the status requires.
    let mut status = json!({
        "errorCount": 0, "errorMessage": "", "operationalStatus": "", "poweredOn": false,
        "provisioningFailCount": 0,
        "provisioning": {"ID": "", "state": ""},
    });
    merge(&mut status, raw);
    decode_strict(status).map_err(|error| format!("error decoding status annotation: {error}"))
}

/// Reads the hardware-details annotation, strictly.
pub fn decode_hardware_details(value: &str) -> Result<HardwareDetails, String> {
    serde_json::from_str::<Value>(value)
        .map_err(|error| error.to_string())
        .and_then(decode_strict)
        .map_err(|error| format!("error decoding the {HARDWARE_DETAILS} annotation: {error}"))
}

/// Deserializes, refusing fields the type does not know (`DisallowUnknownFields`).
fn decode_strict<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    let mut unknown = Vec::new();
    let decoded: T = serde_ignored::deserialize(value, |path| {
        if let serde_ignored::Path::Map { key, .. } = path {
            unknown.push(key);
        }
    })
    .map_err(|error| error.to_string())?;
    match unknown.first() {
        None => Ok(decoded),
        // Go names the field, not its path.
        Some(field) => Err(format!("json: unknown field \"{field}\"")),
    }
}

/// Overlays `given` on `base`, object by object.
fn merge(base: &mut Value, given: Value) {
    match (base, given) {
        (Value::Object(base), Value::Object(given)) => {
            for (key, value) in given {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, given) => *base = given,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reboot_keys() {
        assert!(is_reboot("reboot.metal3.io"));
        assert!(is_reboot("reboot.metal3.io/capm3-remediation"));
        assert!(!is_reboot("reboot.metal3.iox"));
        assert!(!is_reboot("inspect.metal3.io"));
    }

    #[test]
    fn reboot_values() {
        assert_eq!(parse_reboot(""), Ok(RebootArgs::default()));
        assert_eq!(
            parse_reboot(r#"{"mode":"hard","force":true,"extra":1}"#),
            Ok(RebootArgs {
                mode: RebootMode::Hard,
                force: true
            })
        );
        assert_eq!(
            parse_reboot(r#"{"mode":"soft"}"#).map(|a| a.mode),
            Ok(RebootMode::Soft)
        );
        assert_eq!(
            parse_reboot(r#"{"mode":"fast"}"#),
            Err(r#"invalid mode in the reboot.metal3.io annotation, allowed are "hard", "soft" or """#.into())
        );
        let error = parse_reboot("{").expect_err("not JSON");
        assert!(
            error
                .starts_with("failed to unmarshal the data from the reboot.metal3.io annotation: "),
            "{error}"
        );
    }

    #[test]
    fn detached_values() {
        assert_eq!(parse_detached(""), DetachedArgs::default());
        assert_eq!(parse_detached("not json"), DetachedArgs::default());
        assert_eq!(
            parse_detached(r#"{"deleteAction":"delay","force":true}"#),
            DetachedArgs {
                delay_delete: true,
                force: true
            }
        );
        assert!(!parse_detached(r#"{"deleteAction":"delete"}"#).delay_delete);
    }

    #[test]
    fn inspect_values() {
        assert!(check_inspect("").is_ok());
        assert!(check_inspect("disabled").is_ok());
        assert_eq!(
            check_inspect("enabled"),
            Err(r#"invalid value for the inspect.metal3.io annotation, allowed are "disabled" or """#.into())
        );
    }

    #[test]
    fn status_fills_go_zero_values() {
        let status = decode_status(r#"{"operationalStatus":"OK","hardwareProfile":"unknown","provisioning":{"state":"provisioned"}}"#)
            .expect("valid");
        assert_eq!(status.hardware_profile.as_deref(), Some("unknown"));
        assert_eq!(status.provisioning.state, "provisioned");
        assert_eq!(status.provisioning.id, "");
        assert_eq!(status.error_message, "");
    }

    #[test]
    fn status_refusals() {
        assert_eq!(
            decode_status(r#"{"operationalStatus":"servicing"}"#).expect_err("not allowed"),
            "invalid operationalStatus 'servicing' in the baremetalhost.metal3.io/status annotation"
        );
        assert_eq!(
            decode_status(r#"{"errorType":"detach error"}"#).expect_err("not allowed"),
            "invalid errorType 'detach error' in the baremetalhost.metal3.io/status annotation"
        );
        assert_eq!(
            decode_status(r#"{"operationalStatus":"OK","colour":"blue"}"#).expect_err("unknown"),
            "error decoding status annotation: json: unknown field \"colour\""
        );
    }

    #[test]
    fn hardware_details() {
        let details =
            decode_hardware_details(r#"{"cpu":{"arch":"x86_64","count":8},"ramMebibytes":4096}"#)
                .expect("valid");
        assert_eq!(details.ram_mebibytes, Some(4096));
        assert_eq!(
            decode_hardware_details(r#"{"cpu":{"cores":8}}"#).expect_err("unknown"),
            "error decoding the inspect.metal3.io/hardwaredetails annotation: json: unknown field \"cores\""
        );
    }
}
