//! Node updates that send only what differs (upstream's `NodeUpdater`): registering an
//! unchanged host every reconcile must not write to Ironic.

use serde_json::Value;

use crate::ironic::{Node, PatchOp};

/// JSON-patch operations against one node as last read.
pub(super) struct NodePatch {
    current: Value,
    ops: Vec<PatchOp>,
}

impl NodePatch {
    pub(super) fn new(node: &Node) -> NodePatch {
        NodePatch {
            // A node always serializes; a Null here would only make every value look new.
            current: serde_json::to_value(node).unwrap_or_default(),
            ops: Vec::new(),
        }
    }

    /// Sets `path` (a JSON pointer such as `/instance_info/image_source`) to `want`, or
    /// removes it when `want` is `None`; nothing when the node already has that.
    pub(super) fn set(&mut self, path: &str, want: Option<Value>) {
        let current = self.current.pointer(path).filter(|v| !v.is_null());
        match want.filter(|v| !v.is_null()) {
            Some(value) if current != Some(&value) => self.ops.push(PatchOp::add(path, value)),
            None if current.is_some() => self.ops.push(PatchOp::remove(path)),
            _ => {}
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub(super) fn ops(&self) -> &[PatchOp] {
        &self.ops
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_differences_are_sent() {
        let node: Node = serde_json::from_value(json!({
            "uuid": "u", "name": "ns~host", "automated_clean": true,
            "instance_info": {"image_source": "http://a", "image_checksum": "abc"},
        }))
        .expect("node");
        let mut patch = NodePatch::new(&node);
        patch.set("/name", Some(json!("ns~host")));
        patch.set("/automated_clean", Some(json!(false)));
        patch.set("/instance_info/image_source", Some(json!("http://a")));
        patch.set("/instance_info/image_checksum", None);
        patch.set("/instance_info/boot_iso", None);
        patch.set("/properties/cpu_arch", Some(json!("x86_64")));
        assert_eq!(
            patch.ops(),
            [
                PatchOp::add("/automated_clean", json!(false)),
                PatchOp::remove("/instance_info/image_checksum"),
                PatchOp::add("/properties/cpu_arch", json!("x86_64")),
            ]
        );
    }
}
