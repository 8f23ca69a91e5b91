//! Every path a BareMetalHost takes through the operator, end to end in process: the embedded
//! API server, the Ironic simulator and the real controller. Each test names the items of the
//! checklist in bmo-upstream-behaviour.md §9 it covers (`#n`), and checks what the user sees
//! (status, annotations, Events) and what reached Ironic (the simulator's nodes).
//!
//! Where an error backoff (minutes) would stand between two steps, the test changes an
//! unrelated annotation ("pokes" the host): any change a user makes is looked at at once.

mod common;

use std::time::Duration;

use capm3::api::bmo::v1alpha1::{
    BareMetalHost, BareMetalHostStatus, ErrorType, HardwareData, OperationalStatus,
};
use capm3::bmo::annotations::{DETACHED, INSPECT, REBOOT};
use capm3::bmo::machine::Settings;
use capm3::sandbox::ironic::knobs::{Failure, Knobs, Outage};
use capm3::sandbox::ironic::states::Step;
use common::bmo::{BmoBed, NAMESPACE};
use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams};
use serde_json::{Value, json};

const IMAGE: &str = "http://127.0.0.1/image.qcow2";
const LIVE_ISO: &str = "http://127.0.0.1/live.iso";

fn settings(max_provisioning_retries: u32) -> Settings {
    Settings {
        max_provisioning_retries,
    }
}

fn image(url: &str) -> Value {
    json!({"url": url, "checksum": format!("{url}.sha256sum")})
}

/// A boot MAC of its own for each host name.
fn mac(name: &str) -> String {
    let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let [_, a, b, c] = hash.to_be_bytes();
    format!("52:54:00:{a:02x}:{b:02x}:{c:02x}")
}

fn status(host: &BareMetalHost) -> &BareMetalHostStatus {
    host.status.as_ref().expect("status")
}

fn powered_on(host: Option<&BareMetalHost>) -> bool {
    host.and_then(|h| h.status.as_ref())
        .is_some_and(|s| s.powered_on)
}

/// `status.provisioning.image.url`: what is on the host's disk.
fn image_url(host: &BareMetalHost) -> Option<&str> {
    status(host)
        .provisioning
        .image
        .as_ref()
        .map(|i| i.url.as_str())
}

fn has_annotation(host: &BareMetalHost, key: &str) -> bool {
    host.annotations().contains_key(key)
}

/// Enrols fake-hardware hosts and waits until all are available.
async fn enrol_available(bed: &BmoBed, names: &[&str]) {
    for name in names {
        bed.enrol(name, &mac(name), json!({})).await;
    }
    for name in names {
        bed.wait_for_state(name, "available").await;
    }
}

/// Gives available hosts an image and waits until they are provisioned and powered on.
async fn provision(bed: &BmoBed, names: &[&str]) {
    for name in names {
        bed.patch(name, json!({"spec": {"image": image(IMAGE)}}))
            .await;
    }
    for name in names {
        wait_provisioned(bed, name).await;
    }
}

async fn wait_provisioned(bed: &BmoBed, name: &str) -> BareMetalHost {
    bed.wait_for(name, "provisioned and powered on", |host| {
        common::provisioning_state(host) == Some("provisioned") && powered_on(host)
    })
    .await
    .expect("host exists")
}

async fn wait_registration_error(bed: &BmoBed, name: &str) -> BareMetalHost {
    bed.wait_for(name, "a registration error", |host| {
        host.and_then(|h| h.status.as_ref())
            .is_some_and(|s| s.error_type == Some(ErrorType::RegistrationError))
    })
    .await
    .expect("host exists")
}

async fn wait_operational(bed: &BmoBed, name: &str, wanted: OperationalStatus) -> BareMetalHost {
    bed.wait_for(name, &format!("operational status {wanted:?}"), |host| {
        host.and_then(|h| h.status.as_ref())
            .is_some_and(|s| s.operational_status == wanted)
    })
    .await
    .expect("host exists")
}

/// The power change each host's node was asked for first (`power off` is hard, `soft power
/// off` soft, `soft rebooting` what a host that must not be powered off gets), read while the
/// change lands. The hosts are powered on and settled before.
async fn power_requests(bed: &BmoBed, names: &[&str]) -> Vec<String> {
    let mut seen: Vec<Option<String>> = vec![None; names.len()];
    bed.eventually("power requests", async || {
        for (name, seen) in names.iter().zip(seen.iter_mut()) {
            if seen.is_none() {
                *seen = bed
                    .node_of(name)
                    .and_then(|node| node["target_power_state"].as_str().map(str::to_owned));
            }
        }
        seen.iter().all(Option::is_some)
    })
    .await;
    seen.into_iter().flatten().collect()
}

fn ironic_field<'n>(node: &'n Value, path: &str) -> &'n Value {
    path.split('/').fold(node, |value, key| &value[key])
}

/// #14, #15, #16, #17, #51, #52, #54: the suffixless reboot annotation reboots a provisioned
/// host once, softly, and is removed; suffixed ones hold it off until their clients remove
/// them, hard if any asks; a host that must not be powered off is rebooted instead; available
/// hosts obey only forced ones; a power change behind the operator's back is reported, and
/// `online` wins again.
#[tokio::test]
async fn reboot_annotations_power_hosts_off_and_on() {
    // Power changes take a moment, so the requested target can be read on the node.
    let knobs = Knobs {
        power_latency: Duration::from_secs(2),
        ..Knobs::default()
    };
    let bed = BmoBed::with(knobs, settings(5)).await;
    bed.enrol(
        "no-off",
        &mac("no-off"),
        json!({"spec": {"disablePowerOff": true}}),
    )
    .await;
    enrol_available(&bed, &["once", "held", "spare"]).await;
    bed.wait_for_state("no-off", "available").await;
    provision(&bed, &["once", "held", "no-off"]).await;
    bed.wait_for("spare", "powered on", powered_on).await;

    let spare_before = bed.reconciles("spare");
    bed.annotate("once", REBOOT, Some("")).await;
    bed.patch(
        "held",
        json!({"metadata": {"annotations": {
            "reboot.metal3.io/maintenance": r#"{"mode":"hard"}"#,
            "reboot.metal3.io/other": r#"{"mode":"soft"}"#,
        }}}),
    )
    .await;
    bed.annotate("spare", "reboot.metal3.io/not-forced", Some(""))
        .await;
    bed.annotate("no-off", REBOOT, Some("")).await;
    assert_eq!(
        power_requests(&bed, &["once", "held", "no-off"]).await,
        ["soft power off", "power off", "soft rebooting"],
        "soft by default, hard when any annotation asks"
    );
    // The reboot of a host that is never powered off is done once asked for.
    bed.wait_for("no-off", "its reboot annotation removed", |host| {
        host.is_some_and(|h| !has_annotation(h, REBOOT))
    })
    .await;

    // The one-shot reboot: off, the annotation removed by the operator, on again.
    bed.wait_for("once", "rebooted", |host| {
        host.is_some_and(|h| !has_annotation(h, REBOOT)) && powered_on(host)
    })
    .await;
    assert_eq!(
        bed.node_of("once").expect("node")["power_state"],
        "power on"
    );

    // Held off while any client's annotation remains.
    bed.wait_for("held", "powered off", |host| !powered_on(host))
        .await;
    let before = bed.reconciles("held");
    bed.annotate("held", "reboot.metal3.io/maintenance", None)
        .await;
    bed.wait_for_pass("held", before).await;
    let held = bed.host("held").await;
    assert!(!status(&held).powered_on);
    assert!(has_annotation(&held, "reboot.metal3.io/other"));
    assert_eq!(
        bed.node_of("held").expect("node")["power_state"],
        "power off"
    );
    bed.annotate("held", "reboot.metal3.io/other", None).await;
    bed.wait_for("held", "powered on again", powered_on).await;

    // An available host ignores a reboot annotation without `force`...
    bed.wait_for_pass("spare", spare_before).await;
    let spare = bed.host("spare").await;
    assert!(status(&spare).powered_on);
    assert!(has_annotation(&spare, "reboot.metal3.io/not-forced"));
    assert!(!bed.has_event("spare", "PowerOff").await);
    // ... and obeys one with it, until it is removed.
    bed.annotate("spare", "reboot.metal3.io/not-forced", None)
        .await;
    bed.annotate(
        "spare",
        "reboot.metal3.io/forced",
        Some(r#"{"force":true}"#),
    )
    .await;
    bed.wait_for("spare", "powered off", |host| !powered_on(host))
        .await;
    bed.annotate("spare", "reboot.metal3.io/forced", None).await;
    bed.wait_for("spare", "powered on again", powered_on).await;

    // Someone powers the host off behind the operator's back: the status follows Ironic,
    // then `online: true` powers it on again.
    let uuid = status(&bed.host("once").await).provisioning.id.clone();
    bed.sim()
        .ironic
        .begin_power(&uuid, "power off")
        .expect("power off");
    bed.sim().ironic.finish_power(&uuid, false);
    bed.poke("once").await;
    bed.wait_for("once", "reported off", |host| !powered_on(host))
        .await;
    bed.wait_for("once", "powered on again", powered_on).await;
    bed.stop().await;
}

/// #18, #20: the detached annotation removes the node from Ironic without touching the host;
/// removing it registers a new node, adopted (not deployed again) for a provisioned host.
#[tokio::test]
async fn detaching_removes_the_node_and_reattaching_adopts_it() {
    let bed = BmoBed::start().await;
    enrol_available(&bed, &["kept", "idle"]).await;
    provision(&bed, &["kept"]).await;
    let mut ids = Vec::new();
    for name in ["kept", "idle"] {
        ids.push(status(&bed.host(name).await).provisioning.id.clone());
    }

    bed.annotate("kept", DETACHED, Some("")).await;
    bed.annotate("idle", DETACHED, Some(r#"{"deleteAction":"delete"}"#))
        .await;
    for ((name, state), id) in [("kept", "provisioned"), ("idle", "available")]
        .into_iter()
        .zip(&ids)
    {
        let host = wait_operational(&bed, name, OperationalStatus::Detached).await;
        assert_eq!(common::provisioning_state(Some(&host)), Some(state));
        assert!(status(&host).powered_on, "{name}: no power action");
        assert!(bed.sim().ironic.node(id).is_err(), "{name}: node deleted");
    }
    assert_eq!(bed.sim().ironic.node_count(), 0);

    for name in ["kept", "idle"] {
        bed.annotate(name, DETACHED, None).await;
    }
    for ((name, state), old) in [("kept", "provisioned"), ("idle", "available")]
        .into_iter()
        .zip(&ids)
    {
        let host = bed
            .wait_for(name, "a new node", |host| {
                host.and_then(|h| h.status.as_ref()).is_some_and(|s| {
                    s.operational_status == OperationalStatus::Ok
                        && !s.provisioning.id.is_empty()
                        && s.provisioning.id != *old
                })
            })
            .await
            .expect("host exists");
        assert_eq!(common::provisioning_state(Some(&host)), Some(state));
    }
    let kept = bed.host("kept").await;
    let uuid = status(&kept).provisioning.id.clone();
    bed.eventually("the new node adopted", async || {
        bed.sim().ironic.node(&uuid).expect("node")["provision_state"] == "active"
    })
    .await;
    let node = bed.sim().ironic.node(&uuid).expect("node");
    assert_eq!(node["instance_info"]["image_source"], IMAGE);
    assert!(
        node["instance_info"]["configdrive"].is_null(),
        "adopted, not deployed again: {node}"
    );
    assert_eq!(image_url(&kept), Some(IMAGE));
    assert!(!bed.went("kept", "provisioned", "deprovisioning").await);
    bed.stop().await;
}

/// #26, #36: an externally provisioned host is registered and adopted, never inspected or
/// deployed, and its power is managed; clearing the flag makes it provisioned (with an image)
/// or deprovisions it to available (without one).
#[tokio::test]
async fn externally_provisioned_hosts_are_adopted_without_inspection_or_deployment() {
    let bed = BmoBed::start().await;
    let external = json!({"spec": {"externallyProvisioned": true}});
    bed.enrol(
        "with-image",
        &mac("with-image"),
        json!({"spec": {"externallyProvisioned": true, "image": image(IMAGE)}}),
    )
    .await;
    bed.enrol("bare", &mac("bare"), external).await;
    for name in ["with-image", "bare"] {
        bed.wait_for(name, "externally provisioned and on", |host| {
            common::provisioning_state(host) == Some("externally provisioned") && powered_on(host)
        })
        .await;
        assert!(
            bed.went(name, "registering", "externally provisioned")
                .await
        );
        let reasons = bed.event_reasons(name).await;
        for never in ["InspectionStarted", "ProvisioningStarted"] {
            assert!(!reasons.iter().any(|r| r == never), "{name}: {reasons:?}");
        }
        let host = bed.host(name).await;
        assert!(status(&host).hardware.is_none(), "{name}: not inspected");
        let uuid = &status(&host).provisioning.id;
        let node = bed.sim().ironic.node(uuid).expect("node");
        assert_eq!(node["provision_state"], "active", "{name}: adopted");
        assert!(node["instance_info"]["configdrive"].is_null(), "{name}");
        assert!(bed.sim().ironic.inventory(uuid).is_err(), "{name}");
    }
    let data = Api::<HardwareData>::namespaced(bed.client.clone(), NAMESPACE);
    assert!(
        data.list(&Default::default())
            .await
            .expect("HardwareData")
            .items
            .is_empty()
    );

    for name in ["with-image", "bare"] {
        bed.patch(name, json!({"spec": {"externallyProvisioned": false}}))
            .await;
    }
    let host = wait_provisioned(&bed, "with-image").await;
    assert_eq!(image_url(&host), Some(IMAGE));
    assert!(!bed.has_event("with-image", "ProvisioningStarted").await);
    bed.wait_for_state("bare", "available").await;
    assert!(bed.went("bare", "provisioned", "deprovisioning").await);
    bed.stop().await;
}

/// #25: with inspection disabled (by the field or the legacy annotation) registration goes
/// straight to preparing, and Ironic never inspects.
#[tokio::test]
async fn disabled_inspection_skips_to_preparing() {
    let bed = BmoBed::start().await;
    bed.enrol(
        "by-field",
        &mac("by-field"),
        json!({"spec": {"inspectionMode": "disabled"}}),
    )
    .await;
    bed.enrol(
        "by-annotation",
        &mac("by-annotation"),
        json!({"metadata": {"annotations": {INSPECT: "disabled"}}}),
    )
    .await;
    for name in ["by-field", "by-annotation"] {
        let host = bed.wait_for_state(name, "available").await;
        assert!(bed.went(name, "registering", "preparing").await, "{name}");
        assert!(!bed.went(name, "registering", "inspecting").await, "{name}");
        assert!(status(&host).hardware.is_none(), "{name}");
        let uuid = &status(&host).provisioning.id;
        assert!(bed.sim().ironic.inventory(uuid).is_err(), "{name}");
        assert!(!bed.has_event(name, "InspectionStarted").await, "{name}");
    }
    assert_eq!(
        bed.sim()
            .counts()
            .get("GET /v1/nodes/{id}/inventory")
            .copied()
            .unwrap_or_default(),
        0
    );
    bed.stop().await;
}

/// #4, #29, #79: a live ISO boots through the ramdisk deploy interface from `boot_iso`, with
/// no checksum and no configdrive; a custom deploy method becomes the deploy step of a
/// `custom-agent` deployment.
#[tokio::test]
async fn live_isos_and_custom_deploy_steps_reach_ironic() {
    // Deployments take a moment, so the deploy steps (kept only while it runs) can be read.
    let knobs = Knobs {
        latency: [(Step::Deploy, Duration::from_secs(3))].into(),
        ..Knobs::default()
    };
    let bed = BmoBed::with(knobs, settings(5)).await;
    // A Redfish BMC (fake hardware would deploy through Ironic's fake deploy interface).
    for name in ["live", "custom"] {
        let address = format!("redfish://127.0.0.1:8000/redfish/v1/Systems/{name}");
        bed.enrol(
            name,
            &mac(name),
            json!({"spec": {"bmc": {"address": address}}}),
        )
        .await;
    }
    for name in ["live", "custom"] {
        bed.wait_for_state(name, "available").await;
    }
    bed.patch(
        "live",
        json!({"spec": {"image": {"url": LIVE_ISO, "format": "live-iso"}}}),
    )
    .await;
    bed.patch(
        "custom",
        json!({"spec": {"customDeploy": {"method": "install_coreos"}}}),
    )
    .await;
    let mut steps = Value::Null;
    bed.eventually("deploy steps on the node", async || {
        steps = bed
            .node_of("custom")
            .map(|node| ironic_field(&node, "driver_internal_info/user_deploy_steps").clone())
            .unwrap_or_default();
        !steps.is_null()
    })
    .await;
    assert_eq!(
        steps,
        json!([{"interface": "deploy", "step": "install_coreos", "args": {}, "priority": 80}])
    );

    let live = wait_provisioned(&bed, "live").await;
    let node = bed.node_of("live").expect("node");
    assert_eq!(node["deploy_interface"], "ramdisk");
    assert_eq!(node["instance_info"]["boot_iso"], LIVE_ISO);
    for absent in [
        "image_source",
        "image_checksum",
        "image_os_hash_value",
        "configdrive",
    ] {
        assert!(node["instance_info"][absent].is_null(), "{absent}: {node}");
    }
    assert_eq!(
        ironic_field(&node, "driver_info/force_persistent_boot_device"),
        "Default"
    );
    assert_eq!(image_url(&live), Some(LIVE_ISO));

    let custom = wait_provisioned(&bed, "custom").await;
    let node = bed.node_of("custom").expect("node");
    assert_eq!(node["deploy_interface"], "custom-agent");
    assert!(node["instance_info"]["image_source"].is_null(), "{node}");
    assert_eq!(
        ironic_field(&node, "instance_info/configdrive/meta_data/name"),
        "custom"
    );
    assert_eq!(
        status(&custom)
            .provisioning
            .custom_deploy
            .as_ref()
            .map(|d| d.method.as_str()),
        Some("install_coreos")
    );
    bed.stop().await;
}

/// #42, #45, #48, #69, #95 (without the webhook): registration errors are the host's
/// `registration error` with upstream's message and a RegistrationError Event, and no node is
/// enrolled; a Secret created or fixed later is picked up; a host that never registered is
/// deleted straight away.
#[tokio::test]
async fn registration_errors_are_reported_until_fixed() {
    let bed = BmoBed::start().await;
    let shared_mac = mac("first");
    bed.enrol("first", &shared_mac, json!({})).await;
    bed.wait_for("first", "registered", |host| {
        host.and_then(|h| h.status.as_ref())
            .is_some_and(|s| !s.provisioning.id.is_empty() && s.provisioning.state != "registering")
    })
    .await;

    bed.create_host("no-secret", &mac("no-secret"), json!({}))
        .await;
    bed.create_secret("no-user-bmc", json!({"password": "s3cret"}))
        .await;
    bed.create_host("no-user", &mac("no-user"), json!({})).await;
    bed.enrol(
        "bad-scheme",
        &mac("bad-scheme"),
        json!({"spec": {"bmc": {"address": "bogus://127.0.0.1"}}}),
    )
    .await;
    bed.enrol("second", &shared_mac, json!({})).await;

    for (name, message) in [
        (
            "no-secret",
            "BMC credentials secret no-secret-bmc not found".to_owned(),
        ),
        (
            "no-user",
            "Missing BMC connection detail 'username' in credentials secret no-user-bmc".to_owned(),
        ),
        (
            "bad-scheme",
            "Unknown BMC type 'bogus' for address bogus://127.0.0.1".to_owned(),
        ),
        (
            "second",
            format!("MAC address {shared_mac} conflicts with existing node {NAMESPACE}~first"),
        ),
    ] {
        let host = wait_registration_error(&bed, name).await;
        let status = status(&host);
        assert_eq!(status.error_message, message, "{name}");
        assert_eq!(
            status.operational_status,
            OperationalStatus::Error,
            "{name}"
        );
        assert_eq!(status.provisioning.state, "registering", "{name}");
        let events = bed.events_for(name).await;
        assert!(
            events
                .iter()
                .any(|e| e.reason.as_deref() == Some("RegistrationError")
                    && e.type_.as_deref() == Some("Warning")
                    && e.message.as_deref() == Some(message.as_str())),
            "{name}: {events:?}"
        );
        assert!(bed.node_of(name).is_none(), "{name}: no node enrolled");
    }
    assert_eq!(bed.sim().ironic.node_count(), 1);

    // The Secret appears, or is fixed: the host is looked at again soon (no change to it
    // needed, nothing watches Secrets).
    bed.create_secret("no-secret-bmc", common::bmc_credentials())
        .await;
    Api::<Secret>::namespaced(bed.client.clone(), NAMESPACE)
        .patch(
            "no-user-bmc",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"username": "YWRtaW4="}})),
        )
        .await
        .expect("username added");
    for name in ["no-secret", "no-user"] {
        let host = bed.wait_for_state(name, "available").await;
        assert_eq!(status(&host).error_type, None, "{name}");
        assert_eq!(
            status(&host).operational_status,
            OperationalStatus::Ok,
            "{name}"
        );
        assert!(bed.node_of(name).is_some(), "{name}");
    }

    // Hosts that never registered are deleted without Ironic (#45).
    for name in ["bad-scheme", "second"] {
        bed.delete(name).await;
    }
    for name in ["bad-scheme", "second"] {
        bed.wait_until_gone(name).await;
        assert!(bed.went(name, "registering", "deleting").await, "{name}");
    }
    assert_eq!(bed.sim().ironic.node_count(), 3);
    bed.stop().await;
}

/// #32, #33, #47, #49: a failing deployment is a provisioning error; the host deprovisions
/// (restarting Ironic's cleanup) and tries again, until `max_provisioning_retries` failures of
/// the same image leave it available in error. A new image starts afresh.
#[tokio::test]
async fn failed_provisioning_is_retried_up_to_the_limit() {
    let knobs = Knobs {
        failures: vec![Failure {
            name_prefix: Some(format!("{NAMESPACE}~doomed")),
            step: Some("deploy".into()),
            probability: 1.0,
            times: None,
        }],
        ..Knobs::default()
    };
    let bed = BmoBed::with(knobs, settings(2)).await;
    enrol_available(&bed, &["doomed"]).await;
    bed.patch("doomed", json!({"spec": {"image": image(IMAGE)}}))
        .await;

    let limit = "provisioning failed 2 times, retry limit (2) reached; \
                 change image or reset provisioningFailCount to retry";
    let mut poked_for = None;
    bed.eventually("the retry limit", async || {
        let host = bed.host("doomed").await;
        let status = status(&host);
        if status.error_message == limit {
            return true;
        }
        let failed = status.provisioning.state == "provisioning"
            && status.error_type == Some(ErrorType::ProvisioningError);
        if failed && poked_for != Some(status.provisioning_fail_count) {
            // Instead of waiting out the backoff after the failure.
            assert!(
                status.error_message.starts_with(&format!(
                    "Image provisioning failed (url: {IMAGE}, checksum: {IMAGE}.sha256sum): "
                )),
                "{}",
                status.error_message
            );
            poked_for = Some(status.provisioning_fail_count);
            bed.poke("doomed").await;
        }
        false
    })
    .await;
    let host = bed.host("doomed").await;
    let status = status(&host);
    assert_eq!(status.provisioning.state, "available");
    assert_eq!(status.error_type, Some(ErrorType::ProvisioningError));
    assert_eq!(status.operational_status, OperationalStatus::Error);
    assert_eq!(status.provisioning_fail_count, 2);
    assert!(bed.went("doomed", "provisioning", "deprovisioning").await);
    assert!(bed.has_event("doomed", "ProvisioningError").await);
    let node = bed.node_of("doomed").expect("node");
    assert_eq!(node["provision_state"], "available", "cleaned up: {node}");

    // Another image: the count starts again, and this one deploys.
    bed.sim().knobs().failures.clear();
    let other = "http://127.0.0.1/other.qcow2";
    bed.patch("doomed", json!({"spec": {"image": image(other)}}))
        .await;
    let host = wait_provisioned(&bed, "doomed").await;
    let status = self::status(&host);
    assert_eq!(status.provisioning_fail_count, 0);
    assert_eq!(status.error_type, None);
    assert_eq!(image_url(&host), Some(other));
    bed.stop().await;
}

/// #65: while Ironic answers 503 hosts keep their state and record no error; what users
/// changed meanwhile is done once it is back, and no node is lost or duplicated.
#[tokio::test]
async fn an_ironic_outage_stalls_hosts_without_losing_them() {
    let bed = BmoBed::start().await;
    enrol_available(&bed, &["steady", "waiting"]).await;
    provision(&bed, &["steady"]).await;
    let steady_id = status(&bed.host("steady").await).provisioning.id.clone();
    let waiting_id = status(&bed.host("waiting").await).provisioning.id.clone();

    bed.sim()
        .set_outage(Some(Outage::Unavailable))
        .await
        .expect("outage");
    let failed_before = bed.metrics.hosts.reconcile_error.get();
    bed.enrol("newcomer", &mac("newcomer"), json!({})).await;
    bed.patch("waiting", json!({"spec": {"image": image(IMAGE)}}))
        .await;
    bed.poke("steady").await;
    bed.eventually("reconciles failing against Ironic", async || {
        bed.metrics.hosts.reconcile_error.get() >= failed_before + 3
    })
    .await;
    for (name, state, id) in [
        ("steady", "provisioned", steady_id.as_str()),
        ("waiting", "available", waiting_id.as_str()),
        ("newcomer", "registering", ""),
    ] {
        let host = bed.host(name).await;
        let status = status(&host);
        assert_eq!(status.provisioning.state, state, "{name}");
        assert_eq!(status.provisioning.id, id, "{name}");
        assert_eq!(status.error_type, None, "{name}");
        assert_ne!(
            status.operational_status,
            OperationalStatus::Error,
            "{name}"
        );
    }

    bed.sim().set_outage(None).await.expect("outage over");
    bed.wait_for_state("newcomer", "available").await;
    let waiting = wait_provisioned(&bed, "waiting").await;
    assert_eq!(status(&waiting).provisioning.id, waiting_id);
    let steady = wait_provisioned(&bed, "steady").await;
    assert_eq!(status(&steady).provisioning.id, steady_id);
    assert_eq!(
        bed.sim().ironic.node_count(),
        3,
        "no node lost or duplicated"
    );
    for name in ["steady", "waiting", "newcomer"] {
        let host = bed.host(name).await;
        let node = bed.node_of(name).expect("node");
        assert_eq!(
            node["uuid"],
            status(&host).provisioning.id.as_str(),
            "{name}"
        );
    }
    bed.stop().await;
}

/// #21, #40, #41, #42, #45, #46, #83: a host deleted in any state goes through upstream's
/// delete path for that state and is gone, with its node, its ports and its Secret's
/// finalizer; a detached host skips deprovisioning, unless its annotation asks to delay.
#[tokio::test]
async fn hosts_are_deleted_from_every_state() {
    // Inspection and deployment take a moment, so hosts can be deleted while they run;
    // one host never gets past verification.
    let knobs = Knobs {
        latency: [
            (Step::Inspect, Duration::from_secs(4)),
            (Step::Deploy, Duration::from_secs(4)),
        ]
        .into(),
        failures: vec![Failure {
            name_prefix: Some(format!("{NAMESPACE}~registering")),
            step: Some("verify".into()),
            probability: 1.0,
            times: None,
        }],
        ..Knobs::default()
    };
    let bed = BmoBed::with(knobs, settings(5)).await;
    let settled = [
        "available",
        "provisioning",
        "provisioned",
        "detached",
        "delayed",
    ];
    for name in settled {
        bed.enrol(name, &mac(name), json!({})).await;
    }
    bed.enrol("registering", &mac("registering"), json!({}))
        .await;
    bed.enrol(
        "external",
        &mac("external"),
        json!({"spec": {"externallyProvisioned": true}}),
    )
    .await;
    bed.create_host("no-secret", &mac("no-secret"), json!({}))
        .await;
    for name in settled {
        bed.wait_for_state(name, "available").await;
    }
    provision(&bed, &["provisioned", "detached", "delayed"]).await;
    bed.annotate("detached", DETACHED, Some("")).await;
    bed.annotate("delayed", DETACHED, Some(r#"{"deleteAction":"delay"}"#))
        .await;
    for name in ["detached", "delayed"] {
        wait_operational(&bed, name, OperationalStatus::Detached).await;
    }
    for name in ["registering", "no-secret"] {
        wait_registration_error(&bed, name).await;
    }
    bed.wait_for_state("external", "externally provisioned")
        .await;

    // Caught while the work runs.
    bed.enrol("inspecting", &mac("inspecting"), json!({})).await;
    bed.wait_for_state("inspecting", "inspecting").await;
    bed.delete("inspecting").await;
    bed.patch("provisioning", json!({"spec": {"image": image(IMAGE)}}))
        .await;
    bed.wait_for_state("provisioning", "provisioning").await;
    bed.delete("provisioning").await;
    let the_rest = [
        "registering",
        "no-secret",
        "available",
        "provisioned",
        "external",
        "detached",
        "delayed",
    ];
    let delayed_before = bed.reconciles("delayed");
    for name in the_rest {
        bed.delete(name).await;
    }

    // `deleteAction: delay` holds the deletion until the annotation goes; the host is then
    // attached again and deleted as a provisioned host.
    bed.wait_for_pass("delayed", delayed_before).await;
    let delayed = bed.host("delayed").await;
    assert!(delayed.metadata.deletion_timestamp.is_some());
    assert_eq!(status(&delayed).provisioning.state, "provisioned");
    assert_eq!(
        status(&delayed).operational_status,
        OperationalStatus::Detached
    );
    bed.annotate("delayed", DETACHED, None).await;

    for name in the_rest.into_iter().chain(["inspecting", "provisioning"]) {
        bed.wait_until_gone(name).await;
        assert!(bed.node_of(name).is_none(), "{name}: node deleted");
    }
    for (name, from, to) in [
        ("registering", "registering", "deleting"),
        ("no-secret", "registering", "deleting"),
        ("inspecting", "inspecting", "powering off before delete"),
        ("available", "available", "powering off before delete"),
        ("provisioning", "provisioning", "deprovisioning"),
        ("provisioned", "provisioned", "deprovisioning"),
        (
            "external",
            "externally provisioned",
            "powering off before delete",
        ),
        ("detached", "provisioned", "deleting"),
        ("delayed", "provisioned", "deprovisioning"),
    ] {
        assert!(
            bed.went(name, from, to).await,
            "{name}: {:?}",
            bed.state_changes(name).await
        );
    }
    assert!(
        !bed.has_event("detached", "DeprovisioningStarted").await,
        "a detached host is not deprovisioned"
    );
    assert_eq!(bed.sim().ironic.node_count(), 0);
    assert!(
        bed.sim().ironic.ports(None, None).is_empty(),
        "no port left"
    );
    // The hosts owned their BMC Secrets: released, they are garbage-collected.
    bed.eventually("the BMC Secrets released", async || {
        let secrets = Api::<Secret>::namespaced(bed.client.clone(), NAMESPACE);
        secrets
            .list(&Default::default())
            .await
            .expect("secrets")
            .items
            .is_empty()
    })
    .await;
    bed.stop().await;
}

/// #9, #10, #11, #13, #22, #23, #34: the other ways in. A host without BMC details is
/// unmanaged until it gets them; a paused host is left alone until unpaused; a status carried
/// by annotation (`clusterctl move`) is restored, and hardware details given by annotation
/// replace inspection; the inspect annotation re-inspects an available host, and changed
/// root device hints prepare it again.
#[tokio::test]
async fn unmanaged_paused_moved_and_reinspected_hosts() {
    let bed = BmoBed::start().await;
    bed.create_host("bare", &mac("bare"), json!({"spec": {"bmc": null}}))
        .await;
    let paused_before = bed.reconciles("paused");
    bed.enrol(
        "paused",
        &mac("paused"),
        json!({"metadata": {"annotations": {"baremetalhost.metal3.io/paused": "test"}}}),
    )
    .await;
    let moved_status = json!({
        "operationalStatus": "OK", "hardwareProfile": "unknown", "poweredOn": false,
        "provisioning": {"state": "available", "ID": "", "bootMode": "UEFI"},
        "hardware": {"hostname": "moved", "ramMebibytes": 8192, "cpu": {"arch": "x86_64", "count": 4}},
    });
    bed.enrol(
        "moved",
        &mac("moved"),
        json!({"metadata": {"annotations": {
            "baremetalhost.metal3.io/status": moved_status.to_string()}}}),
    )
    .await;
    bed.enrol(
        "described",
        &mac("described"),
        json!({
            "metadata": {"annotations": {"inspect.metal3.io/hardwaredetails":
                r#"{"hostname":"described","ramMebibytes":4096}"#}},
            "spec": {"inspectionMode": "disabled"},
        }),
    )
    .await;
    enrol_available(&bed, &["again"]).await;

    let bare = wait_operational(&bed, "bare", OperationalStatus::Discovered).await;
    assert_eq!(status(&bare).provisioning.state, "unmanaged");
    assert!(bed.has_event("bare", "Discovered").await);
    bed.create_secret("bare-bmc", common::bmc_credentials())
        .await;
    bed.patch(
        "bare",
        json!({"spec": {"bmc": {"address": "fake-hardware://127.0.0.1", "credentialsName": "bare-bmc"}}}),
    )
    .await;

    bed.wait_for_pass("paused", paused_before).await;
    let paused = bed.host("paused").await;
    assert!(paused.status.is_none(), "paused: untouched");
    assert!(paused.finalizers().is_empty(), "paused: untouched");
    assert!(bed.node_of("paused").is_none());
    bed.annotate("paused", "baremetalhost.metal3.io/paused", None)
        .await;

    for name in ["bare", "paused", "moved", "described"] {
        bed.wait_for_state(name, "available").await;
    }
    assert!(bed.went("bare", "unmanaged", "registering").await);
    let moved = bed
        .wait_for("moved", "its status annotation removed", |host| {
            host.is_some_and(|h| !has_annotation(h, "baremetalhost.metal3.io/status"))
        })
        .await
        .expect("host exists");
    assert_eq!(
        status(&moved)
            .hardware
            .as_ref()
            .and_then(|h| h.hostname.as_deref()),
        Some("moved")
    );
    assert!(!bed.went("moved", "registering", "inspecting").await);
    assert!(bed.node_of("moved").is_some(), "registered again");
    let described = bed
        .wait_for(
            "described",
            "its hardware details annotation consumed",
            |host| host.is_some_and(|h| !has_annotation(h, "inspect.metal3.io/hardwaredetails")),
        )
        .await
        .expect("host exists");
    assert_eq!(
        status(&described)
            .hardware
            .as_ref()
            .and_then(|h| h.ram_mebibytes),
        Some(4096)
    );

    // Re-inspection, asked for by annotation, removed when it starts.
    bed.annotate("again", INSPECT, Some("")).await;
    bed.eventually("re-inspected", async || {
        bed.went("again", "available", "inspecting").await
    })
    .await;
    let again = bed.wait_for_state("again", "available").await;
    assert!(!has_annotation(&again, INSPECT));
    // New root device hints are applied by preparing again.
    bed.patch(
        "again",
        json!({"spec": {"rootDeviceHints": {"deviceName": "/dev/vda"}}}),
    )
    .await;
    bed.eventually("prepared again", async || {
        bed.went("again", "available", "preparing").await
    })
    .await;
    let again = bed.wait_for_state("again", "available").await;
    assert_eq!(
        status(&again)
            .provisioning
            .root_device_hints
            .as_ref()
            .and_then(|h| h.device_name.as_deref()),
        Some("/dev/vda")
    );
    bed.stop().await;
}

/// #27, #28, #30, #31, #38, #39: an offline host waits with its image; a changed checksum
/// alone does not re-provision, a changed URL deprovisions and provisions the new image, a
/// removed image deprovisions; the boot mode and the operation history are recorded.
#[tokio::test]
async fn image_changes_on_provisioned_hosts() {
    let bed = BmoBed::start().await;
    enrol_available(&bed, &["offline", "changed", "removed"]).await;
    provision(&bed, &["changed", "removed"]).await;
    let before = bed.reconciles("offline");
    bed.patch(
        "offline",
        json!({"spec": {"online": false, "image": image(IMAGE)}}),
    )
    .await;
    bed.wait_for_pass("offline", before).await;
    assert_eq!(
        status(&bed.host("offline").await).provisioning.state,
        "available"
    );

    let changed = bed.host("changed").await;
    let status_before = status(&changed);
    assert_eq!(
        status_before.provisioning.boot_mode,
        Some(capm3::api::bmo::v1alpha1::BootMode::Uefi)
    );
    let history = status_before
        .operation_history
        .as_ref()
        .expect("operation history");
    for (operation, metric) in [
        ("register", &history.register),
        ("inspect", &history.inspect),
        ("provision", &history.provision),
    ] {
        let metric = metric.as_ref().expect(operation);
        assert!(
            metric.start.is_some() && metric.end.is_some(),
            "{operation}: {metric:?}"
        );
    }

    let before = bed.reconciles("changed");
    bed.patch(
        "changed",
        json!({"spec": {"image": {"checksum": "http://127.0.0.1/another.sha256sum"}}}),
    )
    .await;
    bed.wait_for_pass("changed", before).await;
    assert!(!bed.went("changed", "provisioned", "deprovisioning").await);

    let other = "http://127.0.0.1/other.qcow2";
    bed.patch("changed", json!({"spec": {"image": image(other)}}))
        .await;
    bed.patch("removed", json!({"spec": {"image": null}})).await;
    bed.patch("offline", json!({"spec": {"online": true}}))
        .await;
    bed.eventually("deprovisioned for the new image", async || {
        bed.went("changed", "provisioned", "deprovisioning").await
    })
    .await;
    let changed = wait_provisioned(&bed, "changed").await;
    assert_eq!(image_url(&changed), Some(other));
    assert_eq!(
        bed.node_of("changed").expect("node")["instance_info"]["image_source"],
        other
    );
    let removed = bed.wait_for_state("removed", "available").await;
    assert!(status(&removed).provisioning.image.is_none());
    assert!(bed.went("removed", "provisioned", "deprovisioning").await);
    wait_provisioned(&bed, "offline").await;
    bed.stop().await;
}
