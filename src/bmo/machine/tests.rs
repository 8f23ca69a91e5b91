//! The transition table, state by state, against the fixture provisioner.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::SecretReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use serde_json::json;

use super::fixture::{Fixture, NODE_ID};
use super::*;
use crate::api::bmo::v1alpha1::{BareMetalHost, CredentialsStatus, ErrorType, OperationalStatus};
use crate::bmo::provisioner::ProvisionData;
use crate::bmo::state::ProvisioningState as S;

const SETTINGS: Settings = Settings {
    max_provisioning_retries: 2,
};

fn host(spec: serde_json::Value) -> BareMetalHost {
    let mut full = json!({"online": true, "bmc": {
        "address": "redfish://127.0.0.1:8000/redfish/v1/Systems/1", "credentialsName": "bmc"}});
    json_patch::merge(&mut full, &spec);
    serde_json::from_value(json!({
        "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
        "metadata": {"name": "worker-0", "namespace": "metal3", "uid": "uid-0"},
        "spec": full,
    }))
    .expect("host")
}

fn credentials(version: &str) -> CredentialsStatus {
    CredentialsStatus {
        credentials: Some(SecretReference {
            name: Some("bmc".into()),
            namespace: Some("metal3".into()),
        }),
        credentials_version: Some(version.into()),
    }
}

fn inputs() -> Inputs {
    Inputs {
        credentials: Some(credentials("1")),
        provision_data: Some(Ok(ProvisionData::default())),
        now: Time(Timestamp::from_second(1_700_000_000).expect("time")),
    }
}

/// One pass, as the controller runs it.
async fn pass(host: &mut BareMetalHost, fixture: &Fixture) -> (Action, Outputs) {
    let mut machine = Machine::new(host, fixture, &SETTINGS, inputs());
    let action = machine.run().await;
    (action, machine.out)
}

/// Passes until the host settles (the pass asks for no immediate or short requeue), with
/// every state it went through and every event reason.
async fn settle(
    host: &mut BareMetalHost,
    fixture: &Fixture,
) -> (Vec<S>, Vec<&'static str>, Action) {
    let mut states = vec![super::host::state(host)];
    let mut reasons = Vec::new();
    for _ in 0..50 {
        let (action, out) = pass(host, fixture).await;
        reasons.extend(out.events.iter().map(|event| event.reason));
        let state = super::host::state(host);
        if states.last() != Some(&state) {
            states.push(state);
        }
        let settled = match &action {
            Action::Continue(delay) | Action::Update(delay) => *delay >= action::POWER_POLL,
            Action::Complete => false,
            _ => true,
        };
        if settled {
            return (states, reasons, action);
        }
    }
    panic!("the host never settled: {states:?}");
}

fn status(host: &BareMetalHost) -> &crate::api::bmo::v1alpha1::BareMetalHostStatus {
    host.status.as_ref().expect("status")
}

async fn available_host(spec: serde_json::Value) -> (BareMetalHost, Fixture) {
    let mut host = host(spec);
    let fixture = Fixture::default();
    settle(&mut host, &fixture).await;
    assert_eq!(super::host::state(&host), S::Available);
    (host, fixture)
}

#[tokio::test]
async fn a_host_without_bmc_details_is_unmanaged() {
    let mut host = host(json!({"bmc": null}));
    let fixture = Fixture::default();
    let (states, reasons, action) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::None, S::Unmanaged]);
    assert_eq!(reasons, ["Discovered"]);
    assert_eq!(
        status(&host).operational_status,
        OperationalStatus::Discovered
    );
    assert!(matches!(action, Action::Continue(d) if d == action::SLOW_POLL));
    assert!(fixture.calls().is_empty(), "no BMC, no provisioner calls");
}

#[tokio::test]
async fn registration_inspection_and_preparation_lead_to_available() {
    let mut host = host(json!({}));
    let fixture = Fixture::default();
    let (states, reasons, _) = settle(&mut host, &fixture).await;
    assert_eq!(
        states,
        [
            S::None,
            S::Registering,
            S::Inspecting,
            S::Preparing,
            S::Available
        ]
    );
    assert_eq!(
        reasons,
        [
            "Registered",
            "BMCAccessValidated",
            "InspectionStarted",
            "InspectionComplete",
            "PowerOn"
        ]
    );
    let status = status(&host);
    assert_eq!(status.provisioning.id, NODE_ID);
    assert_eq!(status.good_credentials, Some(credentials("1")));
    assert_eq!(status.tried_credentials, Some(credentials("1")));
    assert_eq!(
        status.hardware.as_ref().and_then(|h| h.ram_mebibytes),
        Some(16384)
    );
    assert_eq!(status.hardware_profile.as_deref(), Some("unknown"));
    assert_eq!(status.error_count, 0);
    assert_eq!(
        status.provisioning.boot_mode,
        Some(crate::api::bmo::v1alpha1::BootMode::Uefi)
    );
    let history = status.operation_history.as_ref().expect("history");
    for metric in [&history.register, &history.inspect] {
        let metric = metric.as_ref().expect("timed");
        assert!(metric.start.is_some() && metric.end.is_some(), "{metric:?}");
    }
    assert!(
        status.powered_on,
        "online hosts are powered on in available"
    );
}

#[tokio::test]
async fn inspection_can_be_disabled_by_field_or_annotation() {
    for (spec, annotations) in [
        (json!({"inspectionMode": "disabled"}), None),
        (json!({}), Some(("inspect.metal3.io", "disabled"))),
    ] {
        let mut host = host(spec);
        if let Some((key, value)) = annotations {
            host.metadata.annotations = Some(BTreeMap::from([(key.into(), value.into())]));
        }
        let fixture = Fixture::default();
        let (states, _, _) = settle(&mut host, &fixture).await;
        assert_eq!(
            states,
            [S::None, S::Registering, S::Preparing, S::Available]
        );
        assert!(
            !fixture
                .calls()
                .iter()
                .any(|call| call.starts_with("inspect"))
        );
    }
}

#[tokio::test]
async fn externally_provisioned_hosts_skip_inspection_and_deployment() {
    let mut host = host(json!({"externallyProvisioned": true}));
    let fixture = Fixture::default();
    let (states, _, _) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::None, S::Registering, S::ExternallyProvisioned]);
    assert!(fixture.calls().iter().any(|call| call.starts_with("adopt")));

    // Clearing the flag without an image: provisioned, then deprovisioned to available.
    host.spec.externally_provisioned = Some(false);
    let (states, _, _) = settle(&mut host, &fixture).await;
    assert_eq!(
        states,
        [
            S::ExternallyProvisioned,
            S::Provisioned,
            S::Deprovisioning,
            S::Available
        ]
    );
}

#[tokio::test]
async fn an_image_is_provisioned_and_removing_it_deprovisions() {
    let (mut host, fixture) = available_host(json!({})).await;
    host.spec.image =
        serde_json::from_value(json!({"url": "http://127.0.0.1/os.img", "checksum": "abc"}))
            .expect("image");
    let (states, reasons, _) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::Available, S::Provisioning, S::Provisioned]);
    assert_eq!(reasons, ["ProvisioningStarted", "ProvisioningComplete"]);
    let provisioned = status(&host);
    assert_eq!(
        provisioned
            .provisioning
            .image
            .as_ref()
            .map(|image| image.url.as_str()),
        Some("http://127.0.0.1/os.img")
    );
    assert_eq!(provisioned.last_attempted_image, host.spec.image);
    assert_eq!(provisioned.provisioning_fail_count, 0);

    host.spec.image = None;
    let (states, reasons, _) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::Provisioned, S::Deprovisioning, S::Available]);
    assert_eq!(reasons, ["DeprovisioningStarted", "DeprovisioningComplete"]);
    assert_eq!(status(&host).provisioning.image, None);
}

#[tokio::test]
async fn provisioning_failures_are_retried_until_the_limit() {
    let (mut host, fixture) = available_host(json!({})).await;
    host.spec.image =
        serde_json::from_value(json!({"url": "http://127.0.0.1/bad.img", "checksum": "abc"}))
            .expect("image");
    fixture.break_operation("provision", "Image provisioning failed");
    let (states, reasons, action) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::Available, S::Provisioning]);
    assert_eq!(reasons, ["ProvisioningError"]);
    assert!(matches!(action, Action::Failed(1)), "{action:?}");
    assert_eq!(status(&host).error_type, Some(ErrorType::ProvisioningError));
    // After the backoff: deprovisioned, counted, back to available, and tried again.
    let (states, _, action) = settle(&mut host, &fixture).await;
    assert_eq!(
        states,
        [
            S::Provisioning,
            S::Deprovisioning,
            S::Available,
            S::Provisioning
        ]
    );
    assert!(matches!(action, Action::Failed(_)), "{action:?}");
    assert_eq!(status(&host).provisioning_fail_count, 1);
    let (states, reasons, _) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::Provisioning, S::Deprovisioning, S::Available]);
    assert_eq!(
        reasons,
        [
            "DeprovisioningStarted",
            "DeprovisioningComplete",
            "ProvisioningError"
        ],
        "the limit is told once"
    );
    assert_eq!(status(&host).provisioning_fail_count, 2);
    fixture.repair("provision");
    // The limit (2) is reached: the host stays available with the reason.
    assert_eq!(super::host::state(&host), S::Available);
    assert_eq!(
        status(&host).error_message,
        "provisioning failed 2 times, retry limit (2) reached; change image or reset provisioningFailCount to retry"
    );
    // A new image starts over.
    host.spec.image =
        serde_json::from_value(json!({"url": "http://127.0.0.1/good.img", "checksum": "abc"}))
            .expect("image");
    let (states, _, _) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::Available, S::Provisioning, S::Provisioned]);
}

#[tokio::test]
async fn deleting_a_provisioned_host_deprovisions_and_powers_off_first() {
    let (mut host, fixture) = available_host(json!({})).await;
    host.spec.image =
        serde_json::from_value(json!({"url": "http://127.0.0.1/os.img", "checksum": "abc"}))
            .expect("image");
    settle(&mut host, &fixture).await;
    host.metadata.deletion_timestamp = Some(inputs().now);
    let (states, _, action) = settle(&mut host, &fixture).await;
    assert_eq!(
        states,
        [
            S::Provisioned,
            S::Deprovisioning,
            S::PoweringOffBeforeDelete,
            S::Deleting
        ]
    );
    assert!(matches!(action, Action::DeleteComplete), "{action:?}");
    assert!(
        fixture
            .calls()
            .contains(&"power_off(Hard,force=false)".to_owned())
    );
    assert!(fixture.calls().contains(&"delete".to_owned()));
}

#[tokio::test]
async fn deleting_a_registering_host_skips_the_power_off() {
    let mut host = host(json!({}));
    let fixture = Fixture::default();
    fixture.fail_next("register", "BMC unreachable");
    let (states, reasons, _) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::None, S::Registering]);
    assert_eq!(reasons, ["RegistrationError"]);
    host.metadata.deletion_timestamp = Some(inputs().now);
    let (states, _, action) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::Registering, S::Deleting]);
    assert!(matches!(action, Action::DeleteComplete));
    assert!(
        !fixture
            .calls()
            .iter()
            .any(|call| call.starts_with("power_off"))
    );
}

#[tokio::test]
async fn registration_errors_are_recorded_and_the_retry_restarts() {
    let mut host = host(json!({}));
    let fixture = Fixture::default();
    fixture.fail_next(
        "register",
        "MAC address 00:11:22:33:44:55 conflicts with existing node other",
    );
    let (action, out) = pass(&mut host, &fixture).await;
    assert!(
        matches!(action, Action::Complete),
        "none → registering first"
    );
    assert!(out.errors.is_empty());
    let (action, out) = pass(&mut host, &fixture).await;
    assert!(matches!(action, Action::Failed(1)), "{action:?}");
    assert_eq!(out.errors, [ErrorType::RegistrationError]);
    assert!(out.events[0].warning);
    let failed = status(&host);
    assert_eq!(failed.operational_status, OperationalStatus::Error);
    assert_eq!(failed.error_count, 1);
    pass(&mut host, &fixture).await;
    assert_eq!(
        fixture.calls().last().map(String::as_str),
        Some("register(changed=false,restart=true)"),
        "the retry after a registration error asks for a restart"
    );
    assert_eq!(status(&host).operational_status, OperationalStatus::Ok);
}

#[tokio::test]
async fn changed_credentials_are_sent_and_validated_again() {
    let (mut host, fixture) = available_host(json!({})).await;
    let mut machine_inputs = inputs();
    machine_inputs.credentials = Some(credentials("2"));
    let mut machine = Machine::new(&mut host, &fixture, &SETTINGS, machine_inputs);
    machine.run().await;
    let reasons: Vec<_> = machine
        .out
        .events
        .iter()
        .map(|event| event.reason)
        .collect();
    assert_eq!(reasons, ["BMCAccessValidated"]);
    assert!(
        fixture
            .calls()
            .contains(&"register(changed=true,restart=false)".to_owned())
    );
    assert_eq!(status(&host).good_credentials, Some(credentials("2")));
}

#[tokio::test]
async fn no_capacity_delays_the_busy_states() {
    let mut host = host(json!({}));
    let fixture = Fixture::default();
    fixture.set_capacity(false);
    let (states, _, action) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::None, S::Registering]);
    assert!(matches!(action, Action::Delayed));
    assert_eq!(status(&host).operational_status, OperationalStatus::Delayed);
    fixture.set_capacity(true);
    let (states, _, _) = settle(&mut host, &fixture).await;
    assert_eq!(states.last(), Some(&S::Available));
    assert_eq!(status(&host).operational_status, OperationalStatus::Ok);
}

#[tokio::test]
async fn power_follows_online_and_reboot_annotations() {
    let (mut host, fixture) = available_host(json!({})).await;
    host.spec.online = false;
    let (_, reasons, _) = settle(&mut host, &fixture).await;
    assert_eq!(reasons, ["PowerOff"]);
    assert!(!status(&host).powered_on);
    assert!(
        fixture
            .calls()
            .contains(&"power_off(Soft,force=false)".to_owned())
    );

    host.spec.online = true;
    host.spec.image =
        serde_json::from_value(json!({"url": "http://127.0.0.1/os.img", "checksum": "abc"}))
            .expect("image");
    settle(&mut host, &fixture).await;
    assert_eq!(super::host::state(&host), S::Provisioned);
    settle(&mut host, &fixture).await;
    assert!(status(&host).powered_on);

    // A one-shot reboot: off (hard, as asked), the annotation is removed, and on again.
    host.metadata.annotations = Some(BTreeMap::from([(
        "reboot.metal3.io".to_owned(),
        r#"{"mode":"hard"}"#.to_owned(),
    )]));
    let (_, reasons, _) = settle(&mut host, &fixture).await;
    assert_eq!(reasons, ["PowerOff", "PowerOn"]);
    assert!(
        fixture
            .calls()
            .contains(&"power_off(Hard,force=false)".to_owned())
    );
    assert!(
        host.metadata
            .annotations
            .as_ref()
            .is_some_and(BTreeMap::is_empty)
    );
    assert!(status(&host).powered_on);
}

#[tokio::test]
async fn the_inspect_annotation_reinspects_an_available_host() {
    let (mut host, fixture) = available_host(json!({})).await;
    host.metadata.annotations = Some(BTreeMap::from([(
        "inspect.metal3.io".into(),
        String::new(),
    )]));
    let (states, reasons, _) = settle(&mut host, &fixture).await;
    assert_eq!(
        states,
        [S::Available, S::Inspecting, S::Preparing, S::Available]
    );
    assert_eq!(reasons, ["InspectionStarted", "InspectionComplete"]);
    assert!(
        fixture
            .calls()
            .contains(&"inspect(restart=false,refresh=true,force=false)".to_owned())
    );
    assert!(
        host.metadata
            .annotations
            .as_ref()
            .is_some_and(BTreeMap::is_empty)
    );
}

#[tokio::test]
async fn detached_hosts_keep_their_state_and_are_deleted_without_deprovisioning() {
    let (mut host, fixture) = available_host(json!({})).await;
    host.spec.image =
        serde_json::from_value(json!({"url": "http://127.0.0.1/os.img", "checksum": "abc"}))
            .expect("image");
    settle(&mut host, &fixture).await;
    host.metadata.annotations = Some(BTreeMap::from([(
        "baremetalhost.metal3.io/detached".into(),
        r#"{"deleteAction":"delay"}"#.into(),
    )]));
    settle(&mut host, &fixture).await;
    assert_eq!(
        status(&host).operational_status,
        OperationalStatus::Detached
    );
    assert_eq!(super::host::state(&host), S::Provisioned);

    // deleteAction delay: the deletion waits for the annotation to go.
    host.metadata.deletion_timestamp = Some(inputs().now);
    let (states, _, action) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::Provisioned]);
    assert!(matches!(action, Action::Continue(d) if d == action::SLOW_POLL));

    host.metadata.annotations = Some(BTreeMap::from([(
        "baremetalhost.metal3.io/detached".into(),
        String::new(),
    )]));
    let (states, _, action) = settle(&mut host, &fixture).await;
    assert_eq!(states, [S::Provisioned, S::Deleting]);
    assert!(matches!(action, Action::DeleteComplete));
    assert!(
        !fixture
            .calls()
            .iter()
            .any(|call| call.starts_with("deprovision"))
    );
}

#[tokio::test]
async fn removing_the_detached_annotation_brings_the_host_back() {
    let (mut host, fixture) = available_host(json!({})).await;
    host.metadata.annotations = Some(BTreeMap::from([(
        "baremetalhost.metal3.io/detached".into(),
        String::new(),
    )]));
    settle(&mut host, &fixture).await;
    assert_eq!(
        status(&host).operational_status,
        OperationalStatus::Detached
    );
    host.metadata.annotations = None;
    settle(&mut host, &fixture).await;
    assert_eq!(status(&host).operational_status, OperationalStatus::Ok);
    assert_eq!(super::host::state(&host), S::Available);
}
