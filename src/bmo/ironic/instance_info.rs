//! The image settings written on a node before it deploys, or when a provisioned host is
//! registered again (upstream's `getImageUpdateOptsForNode`, reference §4.6).

use serde_json::{Value, json};

use super::patch::NodePatch;
use crate::api::bmo::v1alpha1::{BootMode, ChecksumType, DiskFormat, Image};
use crate::bmc::DeployMethod;

/// What decides the image fields.
pub(super) struct ImageSettings<'a> {
    /// The host's `metadata.uid`, the node's `instance_uuid`.
    pub uid: &'a str,
    pub image: Option<&'a Image>,
    pub custom_deploy: bool,
    pub boot_mode: BootMode,
    /// The deploy interface the BMC scheme wants for this method (`None`: Ironic's default).
    pub deploy_interface: Option<&'static str>,
    /// `user:password` for an OCI registry.
    pub pull_secret: Option<&'a str>,
}

/// How the host is provisioned, which picks the deploy interface.
pub(super) fn deploy_method(image: Option<&Image>, custom_deploy: bool) -> DeployMethod {
    if custom_deploy {
        DeployMethod::CustomDeploy
    } else if image.is_some_and(is_live_iso) {
        DeployMethod::LiveIso
    } else {
        DeployMethod::Image
    }
}

pub(super) fn is_live_iso(image: &Image) -> bool {
    image.format == Some(DiskFormat::LiveIso)
}

/// An image's checksum in Ironic's fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Checksum<'a> {
    /// `image_checksum`: Ironic works out the algorithm (no type, or `auto`).
    Detected(&'a str),
    /// `image_os_hash_algo` and `image_os_hash_value`.
    Typed(&'static str, &'a str),
    /// Live ISOs and OCI images need none.
    NotNeeded,
}

/// The checksum to send; `None` when the image needs one and has none.
pub(super) fn checksum(image: &Image) -> Option<Checksum<'_>> {
    let Some(value) = image.checksum.as_deref().filter(|c| !c.is_empty()) else {
        return (is_live_iso(image) || image.url.starts_with("oci://"))
            .then_some(Checksum::NotNeeded);
    };
    Some(match image.checksum_type {
        None | Some(ChecksumType::Auto) => Checksum::Detected(value),
        Some(ChecksumType::Md5) => Checksum::Typed("md5", value),
        Some(ChecksumType::Sha256) => Checksum::Typed("sha256", value),
        Some(ChecksumType::Sha512) => Checksum::Typed("sha512", value),
    })
}

/// Adds the image settings to `patch`.
pub(super) fn set_image(
    patch: &mut NodePatch,
    settings: &ImageSettings,
    current_deploy: Option<&str>,
) {
    patch.set("/instance_uuid", Some(json!(settings.uid)));
    let capabilities = if settings.boot_mode == BootMode::UefiSecureBoot {
        json!({"secure_boot": "true"})
    } else {
        json!({})
    };
    patch.set("/instance_info/capabilities", Some(capabilities));
    let deploy_interface = settings.deploy_interface.map(|i| json!(i));
    match deploy_method(settings.image, settings.custom_deploy) {
        DeployMethod::CustomDeploy => {
            // Every image field is optional with a custom deploy step.
            let image = settings.image.filter(|i| !i.url.is_empty());
            image_fields(patch, image.map(|i| (i, checksum(i))));
            patch.set("/deploy_interface", deploy_interface);
        }
        DeployMethod::LiveIso => {
            image_fields(patch, None);
            patch.set(
                "/instance_info/boot_iso",
                settings.image.map(|i| json!(i.url)),
            );
            patch.set("/deploy_interface", deploy_interface);
            persistent_boot_device(patch);
        }
        DeployMethod::Image => {
            let Some(image) = settings.image else { return };
            let Some(sum) = checksum(image) else {
                // Nothing to deploy from; Ironic's validation names what is missing.
                return;
            };
            image_fields(patch, Some((image, Some(sum))));
            patch.set(
                "/instance_info/image_pull_secret",
                settings.pull_secret.map(|s| json!(s)),
            );
            // Back to Ironic's default after a live ISO or a custom deploy.
            if deploy_interface.is_some()
                || matches!(current_deploy, Some("ramdisk" | "custom-agent"))
            {
                patch.set("/deploy_interface", deploy_interface);
            }
            persistent_boot_device(patch);
        }
    }
}

/// `image_source`, its format and checksum, and no `boot_iso`; all removed for `None`.
fn image_fields(patch: &mut NodePatch, image: Option<(&Image, Option<Checksum>)>) {
    let source = image.map(|(i, _)| json!(i.url));
    let format = image
        .and_then(|(i, _)| i.format)
        .and_then(|f| serde_json::to_value(f).ok());
    let (detected, algo, hash) = match image.and_then(|(_, sum)| sum) {
        Some(Checksum::Detected(value)) => (Some(json!(value)), None, None),
        Some(Checksum::Typed(algo, value)) => (None, Some(json!(algo)), Some(json!(value))),
        Some(Checksum::NotNeeded) | None => (None, None, None),
    };
    patch.set("/instance_info/boot_iso", None);
    patch.set("/instance_info/image_source", source);
    patch.set("/instance_info/image_disk_format", format);
    patch.set("/instance_info/image_checksum", detected);
    patch.set("/instance_info/image_os_hash_algo", algo);
    patch.set("/instance_info/image_os_hash_value", hash);
}

fn persistent_boot_device(patch: &mut NodePatch) {
    patch.set(
        "/driver_info/force_persistent_boot_device",
        Some(json!("Default")),
    );
}

/// Whether the node's instance_info already describes `image` (a failed deploy of the same
/// image is reported, not retried).
pub(super) fn has_image(
    instance_info: Option<&serde_json::Map<String, Value>>,
    image: &Image,
) -> bool {
    let field = |key: &str| {
        instance_info
            .and_then(|i| i.get(key))
            .filter(|v| !v.is_null())
    };
    if is_live_iso(image) {
        return field("boot_iso") == Some(&json!(image.url));
    }
    let (detected, algo, hash) = match checksum(image) {
        Some(Checksum::Detected(value)) => (Some(json!(value)), None, None),
        Some(Checksum::Typed(algo, value)) => (None, Some(json!(algo)), Some(json!(value))),
        _ => (None, None, None),
    };
    field("image_source") == Some(&json!(image.url))
        && field("image_checksum") == detected.as_ref()
        && field("image_os_hash_algo") == algo.as_ref()
        && field("image_os_hash_value") == hash.as_ref()
}

#[cfg(test)]
mod tests {
    use crate::ironic::{Node, PatchOp};

    use super::*;

    fn image(value: Value) -> Image {
        serde_json::from_value(value).expect("image")
    }

    fn ops(node: Value, settings: &ImageSettings) -> Vec<PatchOp> {
        let node: Node = serde_json::from_value(node).expect("node");
        let mut patch = NodePatch::new(&node);
        set_image(&mut patch, settings, node.deploy_interface.as_deref());
        patch.ops().to_vec()
    }

    fn settings(image: Option<&Image>) -> ImageSettings<'_> {
        ImageSettings {
            uid: "uid-1",
            image,
            custom_deploy: false,
            boot_mode: BootMode::Uefi,
            deploy_interface: None,
            pull_secret: None,
        }
    }

    #[test]
    fn a_disk_image_with_a_typed_checksum() {
        let img = image(
            json!({"url": "http://img/os.qcow2", "checksum": "abc", "checksumType": "sha256", "format": "qcow2"}),
        );
        let node = json!({"uuid": "n", "deploy_interface": "ramdisk",
                          "instance_info": {"boot_iso": "http://old.iso", "image_checksum": "old"}});
        assert_eq!(
            ops(node, &settings(Some(&img))),
            [
                PatchOp::add("/instance_uuid", json!("uid-1")),
                PatchOp::add("/instance_info/capabilities", json!({})),
                PatchOp::remove("/instance_info/boot_iso"),
                PatchOp::add("/instance_info/image_source", json!("http://img/os.qcow2")),
                PatchOp::add("/instance_info/image_disk_format", json!("qcow2")),
                PatchOp::remove("/instance_info/image_checksum"),
                PatchOp::add("/instance_info/image_os_hash_algo", json!("sha256")),
                PatchOp::add("/instance_info/image_os_hash_value", json!("abc")),
                PatchOp::remove("/deploy_interface"),
                PatchOp::add(
                    "/driver_info/force_persistent_boot_device",
                    json!("Default")
                ),
            ]
        );
    }

    #[test]
    fn detected_checksums_oci_and_pull_secrets() {
        let auto =
            image(json!({"url": "http://img/os.raw", "checksum": "abc", "checksumType": "auto"}));
        assert_eq!(checksum(&auto), Some(Checksum::Detected("abc")));
        let oci = image(json!({"url": "oci://quay.io/os:1"}));
        assert_eq!(checksum(&oci), Some(Checksum::NotNeeded));
        assert_eq!(checksum(&image(json!({"url": "http://img/os.raw"}))), None);
        let secure = ImageSettings {
            boot_mode: BootMode::UefiSecureBoot,
            pull_secret: Some("user:pass"),
            ..settings(Some(&oci))
        };
        let sent = ops(
            json!({"uuid": "n", "instance_uuid": "uid-1", "instance_info": {"image_checksum": "x"}}),
            &secure,
        );
        assert!(sent.contains(&PatchOp::add(
            "/instance_info/capabilities",
            json!({"secure_boot": "true"})
        )));
        assert!(sent.contains(&PatchOp::remove("/instance_info/image_checksum")));
        assert!(sent.contains(&PatchOp::add(
            "/instance_info/image_pull_secret",
            json!("user:pass")
        )));
        assert!(
            !sent.iter().any(|op| op.path == "/instance_uuid"),
            "unchanged"
        );
    }

    #[test]
    fn a_live_iso_boots_through_the_ramdisk_interface() {
        let iso = image(json!({"url": "http://img/live.iso", "format": "live-iso"}));
        let live = ImageSettings {
            deploy_interface: Some("ramdisk"),
            ..settings(Some(&iso))
        };
        let sent = ops(
            json!({"uuid": "n", "instance_info": {"image_source": "http://old", "image_os_hash_value": "h"}}),
            &live,
        );
        assert_eq!(
            &sent[2..],
            [
                PatchOp::remove("/instance_info/image_source"),
                PatchOp::remove("/instance_info/image_os_hash_value"),
                PatchOp::add("/instance_info/boot_iso", json!("http://img/live.iso")),
                PatchOp::add("/deploy_interface", json!("ramdisk")),
                PatchOp::add(
                    "/driver_info/force_persistent_boot_device",
                    json!("Default")
                ),
            ]
        );
    }

    #[test]
    fn a_custom_deploy_without_an_image_clears_the_image_fields() {
        let custom = ImageSettings {
            custom_deploy: true,
            deploy_interface: Some("custom-agent"),
            ..settings(None)
        };
        let sent = ops(
            json!({"uuid": "n", "instance_info": {"image_source": "http://old"}}),
            &custom,
        );
        assert_eq!(
            &sent[2..],
            [
                PatchOp::remove("/instance_info/image_source"),
                PatchOp::add("/deploy_interface", json!("custom-agent")),
            ]
        );
    }

    #[test]
    fn the_same_image_is_recognised() {
        let img = image(json!({"url": "http://img/os.raw", "checksum": "abc"}));
        let info = json!({"image_source": "http://img/os.raw", "image_checksum": "abc"});
        assert!(has_image(info.as_object(), &img));
        let typed =
            image(json!({"url": "http://img/os.raw", "checksum": "abc", "checksumType": "md5"}));
        assert!(!has_image(info.as_object(), &typed));
        assert!(!has_image(None, &img));
    }
}
