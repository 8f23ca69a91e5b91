//! Starting the BareMetalHost operator: the Ironic client from the manager's flags, the
//! Ironic provisioner, and the controller on the shared host cache.

use std::sync::Arc;
use std::time::Duration;

use kube::runtime::reflector::{ReflectHandle, Store};
use tokio::sync::watch;

use super::args::ManagerArgs;
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::bmo::controller::{self, Context};
use crate::bmo::ironic::{Config, IronicProvisionerFactory};
use crate::bmo::machine;
use crate::ironic::{Auth, ClientConfig, IronicClient, IronicError};
use crate::metrics::Metrics;

/// How long to wait between attempts to reach Ironic at start-up.
const CONNECT_RETRY: Duration = Duration::from_secs(5);

/// The Ironic client's settings from `--ironic-*` (and upstream's environment variables).
/// Certificates and the auth directory count only when they exist, as upstream.
pub fn ironic_client_config(
    args: &ManagerArgs,
    endpoint: &str,
) -> Result<ClientConfig, IronicError> {
    let existing = |path: &std::path::Path| Some(path.to_owned()).filter(|p| p.is_file());
    let client_cert =
        existing(&args.ironic_client_cert_file).zip(existing(&args.ironic_client_private_key_file));
    Ok(ClientConfig {
        endpoint: endpoint.to_owned(),
        auth: Auth::from_dir(&args.ironic_auth_root_dir.join("ironic"))?,
        ca_cert: existing(&args.ironic_cacert_file),
        client_cert,
        insecure: args.ironic_insecure,
        timeout: args.ironic_client_timeout,
    })
}

/// `--baremetalhost-concurrency`, where 0 means min(CPUs, 8) but at least 2, as upstream.
pub fn concurrency(flag: u16) -> u16 {
    if flag > 0 {
        return flag;
    }
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    cpus.clamp(2, 8) as u16
}

/// What the operator needs from the manager.
pub struct Wiring {
    pub client: kube::Client,
    pub store: Store<BareMetalHost>,
    pub hosts: ReflectHandle<BareMetalHost>,
    pub metrics: Arc<Metrics>,
    pub leading: watch::Receiver<bool>,
    pub stopping: watch::Receiver<bool>,
}

/// Reaches Ironic (retrying while it is down: Ironic often starts after the manager), then
/// runs the controller until `stopping` turns true. A bad configuration fails at once.
pub fn start(
    args: &ManagerArgs,
    endpoint: &str,
    wiring: Wiring,
) -> Result<tokio::task::JoinHandle<()>, IronicError> {
    let client = IronicClient::new(&ironic_client_config(args, endpoint)?)?
        .with_metrics(wiring.metrics.ironic.clone());
    let config = Config {
        deploy_kernel_url: args.deploy_kernel_url.clone(),
        deploy_ramdisk_url: args.deploy_ramdisk_url.clone(),
        deploy_iso_url: args.deploy_iso_url.clone(),
        provisioning_limit: args.provisioning_limit,
        allow_fake_hardware: args.enable_fake_hardware,
        provisioning_network_disabled: false,
    };
    let settings = machine::Settings {
        max_provisioning_retries: args.max_provisioning_retries,
    };
    let concurrency = concurrency(args.baremetalhost_concurrency);
    Ok(tokio::spawn(async move {
        let (mut stopping, mut hosts) = (wiring.stopping, wiring.hosts);
        let Some(client) = connected(client, &mut stopping, &mut hosts).await else {
            return;
        };
        tracing::info!(
            microversion = client.microversion(),
            concurrency,
            "BareMetalHost controller starting"
        );
        let factory = IronicProvisionerFactory::new(client, config);
        let context = Arc::new(Context::new(
            wiring.client,
            factory,
            settings,
            wiring.metrics,
            wiring.leading,
        ));
        let shutdown = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        controller::run(context, wiring.store, hosts, concurrency, shutdown).await;
    }))
}

/// Negotiates the microversion, retrying until Ironic answers; `None` when stopped first.
/// Meanwhile the host changes are drained: the shared watch waits for every subscriber, and
/// the controller reconciles every host from the store once it starts.
async fn connected(
    mut client: IronicClient,
    stopping: &mut watch::Receiver<bool>,
    hosts: &mut ReflectHandle<BareMetalHost>,
) -> Option<IronicClient> {
    use futures::StreamExt;
    loop {
        match client.negotiate().await {
            Ok(()) => return Some(client),
            Err(error) => tracing::warn!("waiting for Ironic: {error}"),
        }
        let retry = tokio::time::sleep(CONNECT_RETRY);
        tokio::pin!(retry);
        loop {
            tokio::select! {
                _ = &mut retry => break,
                _ = stopping.wait_for(|stop| *stop) => return None,
                _ = hosts.next() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_defaults_follow_the_cpus_within_two_and_eight() {
        assert_eq!(concurrency(5), 5);
        let picked = concurrency(0);
        assert!((2..=8).contains(&picked), "{picked}");
    }
}
