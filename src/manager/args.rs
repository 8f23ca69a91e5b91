//! `capm3 manager`'s flags: upstream's names and defaults (CAPM3's and the
//! baremetal-operator's, and their environment variables), plus capm3's own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// The controller groups one process can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ControllerGroup {
    /// Metal3Cluster, Metal3Machine(Template), data templates, label sync, remediation.
    Capm3,
    /// The BareMetalHost operator and its companion kinds.
    Baremetalhost,
    /// IPPool, IPClaim, IPAddress and CAPI IPAddressClaims.
    Ipam,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct ManagerArgs {
    /// Kubeconfig of the management cluster; in-cluster configuration when unset.
    #[arg(long, env = "KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,
    /// Controller groups to run.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [ControllerGroup::Capm3, ControllerGroup::Baremetalhost, ControllerGroup::Ipam])]
    pub controllers: Vec<ControllerGroup>,

    /// Elect a leader among replicas (Lease `controller-leader-election-capm3`).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value_t = false, action = clap::ArgAction::Set)]
    pub leader_elect: bool,
    /// How long a leader's Lease is valid without renewal.
    #[arg(long, default_value = "15s", value_parser = crate::duration::parse)]
    pub leader_elect_lease_duration: Duration,
    /// How long the leader keeps trying to renew before it steps down.
    #[arg(long, default_value = "10s", value_parser = crate::duration::parse)]
    pub leader_elect_renew_deadline: Duration,
    /// How often candidates retry to acquire or renew the Lease.
    #[arg(long, default_value = "2s", value_parser = crate::duration::parse)]
    pub leader_elect_retry_period: Duration,

    /// Where `/healthz` and `/readyz` are served.
    #[arg(long, default_value = ":9440", value_parser = parse_address)]
    pub health_addr: SocketAddr,
    /// Where metrics are served (HTTPS with a bearer token unless --insecure-diagnostics).
    #[arg(long, visible_alias = "metrics-bind-address", default_value = ":8443", value_parser = parse_address)]
    pub diagnostics_address: SocketAddr,
    /// Serve metrics over plain HTTP without authentication.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value_t = false, action = clap::ArgAction::Set)]
    pub insecure_diagnostics: bool,
    /// The webhook server's port (conversion and admission); 0 disables it.
    #[arg(long, default_value_t = 9443)]
    pub webhook_port: u16,
    /// The address the webhook server binds (controller-runtime's webhook host).
    #[arg(long, default_value = "0.0.0.0")]
    pub webhook_host: std::net::IpAddr,
    /// Directory with the webhook server's `tls.crt` and `tls.key` (rotations are picked up).
    #[arg(long, default_value = "/tmp/k8s-webhook-server/serving-certs/")]
    pub webhook_cert_dir: PathBuf,

    /// Watch and reconcile one namespace only (all when empty).
    #[arg(long, env = "WATCH_NAMESPACE", default_value = "")]
    pub namespace: String,
    /// Only reconcile objects labelled `cluster.x-k8s.io/watch-filter=<value>`.
    #[arg(long, default_value = "")]
    pub watch_filter: String,
    #[arg(long, default_value_t = 10)]
    pub metal3cluster_concurrency: u16,
    #[arg(long, default_value_t = 10)]
    pub metal3machine_concurrency: u16,
    #[arg(long, default_value_t = 10)]
    pub metal3machinetemplate_concurrency: u16,
    #[arg(long, default_value_t = 10)]
    pub metal3datatemplate_concurrency: u16,
    #[arg(long, default_value_t = 10)]
    pub metal3data_concurrency: u16,
    #[arg(long, default_value_t = 10)]
    pub metal3labelsync_concurrency: u16,
    #[arg(long, default_value_t = 10)]
    pub metal3remediation_concurrency: u16,
    /// BareMetalHost reconciles in flight; 0 picks min(CPUs, 8), at least 2, as upstream.
    #[arg(long, env = "BMO_CONCURRENCY", default_value_t = 0)]
    pub baremetalhost_concurrency: u16,
    #[arg(long, default_value_t = 10)]
    pub ippool_concurrency: u16,
    /// Requests per second to the management cluster's API server.
    #[arg(long, default_value_t = 20.0)]
    pub kube_api_qps: f32,
    #[arg(long, default_value_t = 30)]
    pub kube_api_burst: u32,
    /// Name IPClaims `<host>-<pool>` so a re-provisioned host gets its addresses back.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value_t = false, action = clap::ArgAction::Set)]
    pub enable_bmh_name_based_preallocation: bool,
    /// Keep hosts powered on and registered between deprovision and the next provision.
    #[arg(long, env = "CAPM3_FAST_TRACK", default_value_t = false, action = clap::ArgAction::Set)]
    pub fast_track: bool,

    /// Ironic's API, e.g. `http://127.0.0.1:6385/v1/`.
    #[arg(long, env = "IRONIC_ENDPOINT")]
    pub ironic_endpoint: Option<String>,
    /// Root of the `ironic/{username,password}` files; HTTP Basic auth when they exist.
    #[arg(long, env = "METAL3_AUTH_ROOT_DIR", default_value = "/opt/metal3/auth")]
    pub ironic_auth_root_dir: PathBuf,
    #[arg(
        long,
        env = "IRONIC_CACERT_FILE",
        default_value = "/opt/metal3/certs/ca/tls.crt"
    )]
    pub ironic_cacert_file: PathBuf,
    #[arg(
        long,
        env = "IRONIC_CLIENT_CERT_FILE",
        default_value = "/opt/metal3/certs/client/tls.crt"
    )]
    pub ironic_client_cert_file: PathBuf,
    #[arg(
        long,
        env = "IRONIC_CLIENT_PRIVATE_KEY_FILE",
        default_value = "/opt/metal3/certs/client/tls.key"
    )]
    pub ironic_client_private_key_file: PathBuf,
    /// Accept any certificate from Ironic. Only for test beds.
    #[arg(long, env = "IRONIC_INSECURE", default_value_t = false, action = clap::ArgAction::Set)]
    pub ironic_insecure: bool,
    #[arg(long, env = "IRONIC_CLIENT_TIMEOUT", default_value = "30s", value_parser = crate::duration::parse)]
    pub ironic_client_timeout: Duration,
    /// Hosts provisioning or deprovisioning at once (upstream's PROVISIONING_LIMIT).
    #[arg(long, env = "PROVISIONING_LIMIT", default_value_t = 20)]
    pub provisioning_limit: u32,
    /// Provisioning attempts before a host stays failed; 0 for unlimited.
    #[arg(long, default_value_t = 5)]
    pub max_provisioning_retries: u32,
    #[arg(long, env = "DEPLOY_KERNEL_URL")]
    pub deploy_kernel_url: Option<String>,
    #[arg(long, env = "DEPLOY_RAMDISK_URL")]
    pub deploy_ramdisk_url: Option<String>,
    #[arg(long, env = "DEPLOY_ISO_URL")]
    pub deploy_iso_url: Option<String>,
    /// Accept `fake-hardware://` BMC addresses (test beds and the sandbox).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value_t = false, action = clap::ArgAction::Set)]
    pub enable_fake_hardware: bool,

    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl ManagerArgs {
    pub fn runs(&self, group: ControllerGroup) -> bool {
        self.controllers.contains(&group)
    }
}

/// `host:port`, or `:port` for every address, as upstream's flags accept.
pub fn parse_address(text: &str) -> Result<SocketAddr, String> {
    let full = if text.starts_with(':') {
        format!("0.0.0.0{text}")
    } else {
        text.to_owned()
    };
    full.parse()
        .map_err(|e| format!("invalid address {text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        manager: ManagerArgs,
    }

    fn parse(args: &[&str]) -> ManagerArgs {
        Cli::try_parse_from(std::iter::once("capm3").chain(args.iter().copied()))
            .expect("parses")
            .manager
    }

    #[test]
    fn defaults_are_upstreams() {
        let args = parse(&[]);
        assert!(!args.leader_elect);
        assert_eq!(args.leader_elect_lease_duration, Duration::from_secs(15));
        assert_eq!(args.leader_elect_renew_deadline, Duration::from_secs(10));
        assert_eq!(args.leader_elect_retry_period, Duration::from_secs(2));
        assert_eq!(args.health_addr, "0.0.0.0:9440".parse().expect("addr"));
        assert_eq!(
            args.diagnostics_address,
            "0.0.0.0:8443".parse().expect("addr")
        );
        assert_eq!(args.webhook_port, 9443);
        assert_eq!(args.metal3machine_concurrency, 10);
        assert_eq!((args.kube_api_qps, args.kube_api_burst), (20.0, 30));
        assert_eq!(args.provisioning_limit, 20);
        assert!(
            args.runs(ControllerGroup::Capm3)
                && args.runs(ControllerGroup::Baremetalhost)
                && args.runs(ControllerGroup::Ipam)
        );
    }

    #[test]
    fn flags_override_and_groups_switch_off() {
        let args = parse(&[
            "--leader-elect",
            "--leader-elect-lease-duration=30s",
            "--metrics-bind-address=127.0.0.1:8080",
            "--controllers=capm3,ipam",
            "--namespace=metal3",
            "--watch-filter=mine",
            "--fast-track=true",
            "--enable-fake-hardware",
            "--log-format=json",
        ]);
        assert!(args.leader_elect);
        assert_eq!(args.leader_elect_lease_duration, Duration::from_secs(30));
        assert_eq!(
            args.diagnostics_address,
            "127.0.0.1:8080".parse().expect("addr")
        );
        assert!(!args.runs(ControllerGroup::Baremetalhost));
        assert_eq!(
            (args.namespace.as_str(), args.watch_filter.as_str()),
            ("metal3", "mine")
        );
        assert!(args.fast_track && args.enable_fake_hardware);
        assert_eq!(args.log_format, LogFormat::Json);
    }

    #[test]
    fn boolean_flags_take_go_style_values() {
        let args = parse(&[
            "--leader-elect=true",
            "--insecure-diagnostics=false",
            "--enable-bmh-name-based-preallocation",
            "--enable-fake-hardware=false",
        ]);
        assert!(args.leader_elect && args.enable_bmh_name_based_preallocation);
        assert!(!args.insecure_diagnostics && !args.enable_fake_hardware);
    }

    #[test]
    fn bad_values_are_refused() {
        let refused = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("capm3").chain(args.iter().copied())).is_err()
        };
        assert!(
            refused(&["--leader-elect-lease-duration=15"]),
            "a duration needs a unit"
        );
        assert!(refused(&["--controllers=capm3,everything"]));
        assert!(refused(&["--health-addr=nowhere"]));
    }
}
