//! networkData (upstream's `renderNetworkData`): OpenStack `network_data.json` layout,
//! written as YAML, with `links`, `networks` and `services` always present.

mod links;
mod netmask;
mod networks;
pub(crate) mod view;

use serde_json::json;

use super::{Inputs, RenderError, yaml};

/// The networkData document, or `None` when the template has no `networkData` (then no
/// networkData Secret is made).
pub fn network_data(inputs: &Inputs<'_>) -> Result<Option<String>, RenderError> {
    let Some(template) = &inputs.template.network_data else {
        return Ok(None);
    };
    let links = links::render(template.links.as_ref(), inputs.objects)?;
    let networks = networks::render(template.networks.as_ref(), inputs.addresses, inputs.objects)?;
    let services = template.services.as_ref();
    let dns = services.and_then(|s| s.dns.as_deref()).unwrap_or_default();
    let dns_from_ip_pool = view::non_empty(services.and_then(|s| s.dns_from_ip_pool.as_ref()));
    let services = networks::dns_services(dns, dns_from_ip_pool, inputs.addresses)?;
    let document = json!({"links": links, "networks": networks, "services": services});
    Ok(Some(yaml::to_string(&document)))
}
