//! The host's conditions as upstream's `computeConditions` sets them (bmo reference §1.7),
//! from its state, operational status and what Ironic last said about power and health.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

use crate::api::bmo::v1alpha1::{BareMetalHost, OperationalStatus};
use crate::bmo::provisioner::HardwareState;
use crate::bmo::state::ProvisioningState as S;

/// (type, true?, reason)
type Computed = (&'static str, Option<bool>, &'static str);

/// The conditions for `host`, keeping each condition's transition time while its status
/// stays the same.
pub fn compute(
    host: &BareMetalHost,
    hardware: Option<&HardwareState>,
    now: &Time,
) -> Vec<Condition> {
    let status = host.status.as_ref();
    let state = status
        .and_then(|s| S::parse(&s.provisioning.state))
        .unwrap_or(S::None);
    let operational = status.map(|s| s.operational_status).unwrap_or_default();
    let in_error = operational == OperationalStatus::Error;
    let existing = status
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();

    let managed = !matches!(state, S::None | S::Unmanaged);
    let mut manageable: Computed = match state {
        S::None | S::Unmanaged => ("Manageable", Some(false), "NotManaged"),
        S::Registering if in_error => ("Manageable", Some(false), "RegistrationFailed"),
        S::Registering => ("Manageable", Some(false), "Registering"),
        _ => ("Manageable", Some(true), "Manageable"),
    };
    if hardware.is_some_and(|h| h.power_failure) && managed {
        manageable = ("Manageable", Some(false), "PowerFailure");
    }
    let available = matches!(state, S::Available | S::Ready);
    let provisioned = matches!(state, S::Provisioned | S::ExternallyProvisioned);
    let mut ready: Computed = if provisioned {
        ("Ready", Some(true), "Provisioned")
    } else {
        ("Ready", Some(false), "NotProvisioned")
    };
    let mut progressing: Computed = match progress_reason(state) {
        Some(reason) => ("Progressing", Some(true), reason),
        None => ("Progressing", Some(false), "NotProgressing"),
    };
    match operational {
        OperationalStatus::Error => ready = ("Ready", Some(false), "Error"),
        OperationalStatus::Servicing => ready = ("Ready", Some(false), "Servicing"),
        OperationalStatus::Detached => {
            ready = ("Ready", Some(false), "Detached");
            progressing = ("Progressing", Some(false), "Detached");
        }
        _ => {}
    }
    let healthy: Computed = match hardware.and_then(|h| h.health.as_deref()) {
        Some("OK") => ("Healthy", Some(true), "Healthy"),
        Some("Warning") => ("Healthy", Some(false), "Warning"),
        Some("Critical") => ("Healthy", Some(false), "CriticalError"),
        _ => ("Healthy", None, "Unknown"),
    };
    let computed = [
        manageable,
        if available {
            ("AvailableForProvisioning", Some(true), "Available")
        } else {
            ("AvailableForProvisioning", Some(false), "NotAvailable")
        },
        if provisioned {
            ("Provisioned", Some(true), "Provisioned")
        } else {
            ("Provisioned", Some(false), "NotProvisioned")
        },
        ready,
        progressing,
        healthy,
    ];
    let generation = host.metadata.generation;
    computed
        .into_iter()
        .map(|(kind, value, reason)| {
            let previous = existing.iter().find(|c| c.type_ == kind);
            if kind == "Healthy"
                && value.is_none()
                && let Some(previous) = previous
            {
                // Ironic said nothing new: the last known health stands.
                return previous.clone();
            }
            let status = match value {
                Some(true) => "True",
                Some(false) => "False",
                None => "Unknown",
            };
            let since = previous
                .filter(|c| c.status == status)
                .map_or_else(|| now.clone(), |c| c.last_transition_time.clone());
            Condition {
                type_: kind.to_owned(),
                status: status.to_owned(),
                reason: reason.to_owned(),
                message: String::new(),
                observed_generation: generation,
                last_transition_time: since,
            }
        })
        .collect()
}

fn progress_reason(state: S) -> Option<&'static str> {
    Some(match state {
        S::Registering => "Registering",
        S::Inspecting => "Inspecting",
        S::Preparing | S::MatchProfile => "Preparing",
        S::Provisioning => "Provisioning",
        S::Deprovisioning => "Deprovisioning",
        S::PoweringOffBeforeDelete => "PoweringOffBeforeDelete",
        S::Deleting => "Deleting",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use k8s_openapi::jiff::Timestamp;
    use serde_json::json;

    use super::*;

    fn host(state: &str, operational: &str) -> BareMetalHost {
        serde_json::from_value(json!({
            "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": "h", "namespace": "n", "generation": 3},
            "spec": {"online": true},
            "status": {"errorCount": 0, "errorMessage": "", "operationalStatus": operational,
                       "poweredOn": true, "provisioningFailCount": 0,
                       "provisioning": {"ID": "", "state": state}},
        }))
        .expect("host")
    }

    fn of(conditions: &[Condition], kind: &str) -> (String, String) {
        let c = conditions.iter().find(|c| c.type_ == kind).expect(kind);
        (c.status.clone(), c.reason.clone())
    }

    fn now() -> Time {
        Time(Timestamp::from_second(1_700_000_000).expect("time"))
    }

    #[test]
    fn states_and_overrides() {
        let pair = |s: &str, r: &str| (s.to_owned(), r.to_owned());
        let c = compute(&host("available", "OK"), None, &now());
        assert_eq!(of(&c, "Manageable"), pair("True", "Manageable"));
        assert_eq!(
            of(&c, "AvailableForProvisioning"),
            pair("True", "Available")
        );
        assert_eq!(of(&c, "Progressing"), pair("False", "NotProgressing"));
        assert_eq!(of(&c, "Healthy"), pair("Unknown", "Unknown"));
        assert_eq!(c[0].observed_generation, Some(3));

        let c = compute(&host("provisioned", "OK"), None, &now());
        assert_eq!(of(&c, "Ready"), pair("True", "Provisioned"));
        assert_eq!(of(&c, "Provisioned"), pair("True", "Provisioned"));

        let c = compute(&host("registering", "error"), None, &now());
        assert_eq!(of(&c, "Manageable"), pair("False", "RegistrationFailed"));
        assert_eq!(of(&c, "Progressing"), pair("True", "Registering"));
        assert_eq!(of(&c, "Ready"), pair("False", "Error"));

        let c = compute(&host("unmanaged", "discovered"), None, &now());
        assert_eq!(of(&c, "Manageable"), pair("False", "NotManaged"));

        let c = compute(&host("provisioned", "detached"), None, &now());
        assert_eq!(of(&c, "Ready"), pair("False", "Detached"));
        assert_eq!(of(&c, "Progressing"), pair("False", "Detached"));

        let failing = HardwareState {
            powered_on: Some(false),
            power_failure: true,
            health: Some("Critical".into()),
        };
        let c = compute(&host("provisioned", "OK"), Some(&failing), &now());
        assert_eq!(of(&c, "Manageable"), pair("False", "PowerFailure"));
        assert_eq!(of(&c, "Healthy"), pair("False", "CriticalError"));
    }

    #[test]
    fn transition_times_hold_while_the_status_holds() {
        let mut h = host("available", "OK");
        let first = compute(&h, None, &now());
        h.status.as_mut().expect("status").conditions = Some(first.clone());
        let later = Time(Timestamp::from_second(1_700_000_600).expect("time"));
        let again = compute(&h, None, &later);
        assert_eq!(again, first, "nothing changed: same conditions, same times");
        h.status.as_mut().expect("status").provisioning.state = "provisioning".into();
        let moved = compute(&h, None, &later);
        let progressing = moved
            .iter()
            .find(|c| c.type_ == "Progressing")
            .expect("progressing");
        assert_eq!(progressing.last_transition_time, later);
    }
}
