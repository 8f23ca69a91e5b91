//! Node reuse needs to know who owns a Machine and which Metal3MachineTemplate stamped it: its
//! MachineSet (a worker) or its control plane, of any provider. These are read on demand —
//! only when a host carries a node-reuse label, or when a host is released — since neither
//! is otherwise watched.

use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::reflector::ObjectRef;
use kube::{Api, ResourceExt};

use super::Context;
use super::writes::not_found;
use crate::api::capi::{Cluster, Machine, MachineSet};
use crate::capm3::delete::{self, ReuseRelease};
use crate::capm3::node_reuse::{
    control_plane_owner, is_control_plane, machine_set_owner, reuse_name,
    template_of_control_plane, template_of_machine_set,
};

/// `Ok(None)` for a 404: the object, or its kind, is not there.
fn absent_ok<T>(result: Result<Option<T>, kube::Error>) -> Result<Option<T>, kube::Error> {
    match result {
        Err(error) if not_found(&error) => Ok(None),
        other => other,
    }
}

/// The MachineSet owning a worker Machine.
async fn machine_set(
    context: &Context,
    owner: &Machine,
) -> Result<Option<MachineSet>, kube::Error> {
    let Some(reference) = machine_set_owner(owner) else {
        return Ok(None);
    };
    let api: Api<MachineSet> = Api::namespaced(
        context.client.clone(),
        &owner.namespace().unwrap_or_default(),
    );
    absent_ok(api.get_opt(&reference.name).await)
}

/// The node-reuse name of the Machine (`cp-<control plane>`, `md-<deployment>`).
pub(super) async fn reuse_name_of(
    context: &Context,
    owner: &Machine,
) -> Result<Option<String>, kube::Error> {
    let machine_set = if is_control_plane(owner) {
        None
    } else {
        machine_set(context, owner).await?
    };
    Ok(reuse_name(owner, machine_set.as_ref()))
}

/// The template (name, namespace if given) the Machine's control plane stamps Machines from.
async fn control_plane_template(
    context: &Context,
    owner: &Machine,
) -> Result<Option<(String, Option<String>)>, kube::Error> {
    let Some(reference) = control_plane_owner(owner) else {
        return Ok(None);
    };
    let (group, version) = reference
        .api_version
        .split_once('/')
        .unwrap_or(("", reference.api_version.as_str()));
    // The plural is the lower-cased kind plus "s", as for every Cluster API control plane.
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, &reference.kind));
    let api: Api<DynamicObject> = Api::namespaced_with(
        context.client.clone(),
        &owner.namespace().unwrap_or_default(),
        &resource,
    );
    let Some(control_plane) = absent_ok(api.get_opt(&reference.name).await)? else {
        return Ok(None);
    };
    let value = serde_json::to_value(&control_plane).map_err(kube::Error::SerdeError)?;
    Ok(template_of_control_plane(&value))
}

/// Whether the host released by `owner`'s Metal3Machine is kept for node reuse (DEL-10,
/// DEL-11), from the template its MachineSet or control plane stamps Machines from.
pub(super) async fn reuse_on_release(
    context: &Context,
    owner: &Machine,
    cluster: &Cluster,
) -> Result<Option<ReuseRelease>, String> {
    let namespace = owner.namespace().unwrap_or_default();
    let failed = |error: kube::Error| error.to_string();
    let (template, machine_set) = if is_control_plane(owner) {
        let template = control_plane_template(context, owner)
            .await
            .map_err(failed)?;
        (template, None)
    } else {
        let machine_set = machine_set(context, owner).await.map_err(failed)?;
        let template = machine_set
            .as_ref()
            .and_then(template_of_machine_set)
            .map(|name| (name.to_owned(), None));
        (template, machine_set)
    };
    let template = template.and_then(|(name, template_namespace)| {
        let within = template_namespace.unwrap_or_else(|| namespace.clone());
        context
            .stores
            .templates
            .get(&ObjectRef::new(&name).within(&within))
    });
    let name = reuse_name(owner, machine_set.as_ref());
    delete::reuse_on_release(Some(cluster), template.as_deref(), name.as_deref())
}
