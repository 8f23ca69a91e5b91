//! The Metal3MachineTemplate decision (reference §1.5; MT-01…MT-03): a template's
//! `automatedCleaningMode` follows onto the Metal3Machines cloned from it, so changing it on
//! the template changes how their hosts are cleaned without rolling the machines.

use kube::ResourceExt;
use serde_json::{Value, json};

use super::names::{CAPI_PAUSED, CLONED_FROM_GROUP_KIND, CLONED_FROM_NAME, TEMPLATE_GROUP_KIND};
use crate::api::capm3::v1beta2::{Metal3Machine, Metal3MachineTemplate};

/// The template a Metal3Machine was cloned from (watch mapping: Metal3Machine → template),
/// in the machine's namespace.
pub fn cloned_from(machine: &Metal3Machine) -> Option<&str> {
    let annotations = machine.annotations();
    annotations
        .get(CLONED_FROM_GROUP_KIND)
        .filter(|kind| !kind.is_empty())?;
    annotations
        .get(CLONED_FROM_NAME)
        .map(String::as_str)
        .filter(|name| !name.is_empty())
}

/// A template annotated `cluster.x-k8s.io/paused` is not reconciled (look again in 30 s).
pub fn is_paused(template: &Metal3MachineTemplate) -> bool {
    template.annotations().contains_key(CAPI_PAUSED)
}

/// The Metal3Machines (by name) whose `spec.automatedCleaningMode` must change, with the
/// merge patch that changes it: those in the template's namespace cloned from this template
/// (MT-03) whose mode differs from the template's, when the template sets one (MT-01). A
/// template without a mode leaves every machine's own choice alone (MT-02).
pub fn cleaning_mode_patches<'m>(
    template: &Metal3MachineTemplate,
    machines: impl IntoIterator<Item = &'m Metal3Machine>,
) -> Vec<(String, Value)> {
    let Some(mode) = template.spec.template.spec.automated_cleaning_mode else {
        return Vec::new();
    };
    let name = template.name_any();
    machines
        .into_iter()
        .filter(|m| m.namespace() == template.namespace())
        .filter(|m| {
            let annotations = m.annotations();
            annotations.get(CLONED_FROM_NAME) == Some(&name)
                && annotations.get(CLONED_FROM_GROUP_KIND).map(String::as_str)
                    == Some(TEMPLATE_GROUP_KIND)
        })
        .filter(|m| m.spec.automated_cleaning_mode != Some(mode))
        .map(|m| {
            (
                m.name_any(),
                json!({"spec": {"automatedCleaningMode": mode}}),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::fixtures::{NS, machine};

    fn template(mode: Value) -> Metal3MachineTemplate {
        serde_json::from_value(json!({
            "metadata": {"name": "workers", "namespace": NS},
            "spec": {"template": {"spec": {"image": {"url": "u"}, "automatedCleaningMode": mode}}},
        }))
        .expect("template")
    }

    fn cloned(name: &str, from: &str, group_kind: &str, mode: Value) -> Metal3Machine {
        machine(
            name,
            json!({
                "metadata": {"annotations": {CLONED_FROM_NAME: from, CLONED_FROM_GROUP_KIND: group_kind}},
                "spec": {"automatedCleaningMode": mode},
            }),
        )
    }

    /// MT-01, MT-03: the template's mode goes onto its own clones that differ.
    #[test]
    fn propagates_to_own_clones() {
        let machines = [
            cloned("a", "workers", TEMPLATE_GROUP_KIND, json!("metadata")),
            cloned("b", "workers", TEMPLATE_GROUP_KIND, json!("disabled")),
            cloned("c", "workers", TEMPLATE_GROUP_KIND, Value::Null),
            cloned("d", "other", TEMPLATE_GROUP_KIND, json!("metadata")),
            cloned("e", "workers", "Something.example.com", json!("metadata")),
        ];
        let patches = cleaning_mode_patches(&template(json!("disabled")), &machines);
        assert_eq!(
            patches,
            vec![
                (
                    "a".to_owned(),
                    json!({"spec": {"automatedCleaningMode": "disabled"}})
                ),
                (
                    "c".to_owned(),
                    json!({"spec": {"automatedCleaningMode": "disabled"}})
                ),
            ]
        );
    }

    /// MT-02: no mode on the template, no change.
    #[test]
    fn unset_mode_changes_nothing() {
        let machines = [cloned(
            "a",
            "workers",
            TEMPLATE_GROUP_KIND,
            json!("metadata"),
        )];
        assert!(cleaning_mode_patches(&template(Value::Null), &machines).is_empty());
    }

    #[test]
    fn watch_mapping_and_pause() {
        assert_eq!(
            cloned_from(&cloned("a", "workers", TEMPLATE_GROUP_KIND, Value::Null)),
            Some("workers")
        );
        assert_eq!(cloned_from(&cloned("a", "workers", "", Value::Null)), None);
        assert!(!is_paused(&template(Value::Null)));
        let mut paused = template(Value::Null);
        paused.metadata.annotations = Some([(CAPI_PAUSED.to_owned(), String::new())].into());
        assert!(is_paused(&paused));
    }
}
