//! `config/default` builds clusterctl's `infrastructure-components.yaml` (MGR-07): checked as
//! clusterctl would install it, against the manager's real flag parser, the code's names for
//! the webhook Service and certificate, the embedded API server and its RBAC evaluation.
//! Needs `kubectl` (for `kubectl kustomize`); skipped without it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use capm3::crds::{WEBHOOK_NAMESPACE, WEBHOOK_SERVICE};
use capm3::manager::args::ManagerArgs;
use capm3::manager::webhooks::configurations;
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use serde_json::{Value, json};

const NAMESPACE: &str = "capm3-system";
const PROVIDER_LABEL: (&str, &str) = ("cluster.x-k8s.io/provider", "infrastructure-metal3");
const SERVICE_ACCOUNT: &str = "system:serviceaccount:capm3-system:capm3-manager";

/// The clusterctl variables the components use, and what a user sets for those without a
/// default (documented in config/README.md).
const REQUIRED_VARIABLES: &[(&str, &str)] = &[
    ("IRONIC_ENDPOINT", "http://127.0.0.1:6385/v1/"),
    (
        "DEPLOY_KERNEL_URL",
        "http://127.0.0.1:6180/images/ironic-python-agent.kernel",
    ),
    (
        "DEPLOY_RAMDISK_URL",
        "http://127.0.0.1:6180/images/ironic-python-agent.initramfs",
    ),
];
const DEFAULTED_VARIABLES: &[&str] = &["CAPM3_DIAGNOSTICS_ADDRESS", "CAPM3_FAST_TRACK"];

/// `kubectl kustomize config/default`, once; `None` (with a SKIPPED note) without kubectl.
fn built() -> Option<&'static str> {
    static BUILT: OnceLock<Option<String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/default");
            let output = match std::process::Command::new("kubectl")
                .args(["kustomize", dir])
                .output()
            {
                Ok(output) => output,
                Err(e) => {
                    eprintln!("SKIPPED: kubectl not available ({e})");
                    return None;
                }
            };
            assert!(
                output.status.success(),
                "kubectl kustomize config/default failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            Some(String::from_utf8(output.stdout).expect("UTF-8"))
        })
        .as_deref()
}

fn variable_pattern() -> &'static regex::Regex {
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        regex::Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[=-]([^}]*))?\}").expect("regex")
    })
}

/// What clusterctl installs: every `${VAR}` replaced by the user's value, `${VAR:=default}`
/// by its default.
fn substituted(text: &str) -> String {
    let given: BTreeMap<&str, &str> = REQUIRED_VARIABLES.iter().copied().collect();
    variable_pattern()
        .replace_all(text, |captures: &regex::Captures| {
            let name = &captures[1];
            match (given.get(name), captures.get(2)) {
                (Some(value), _) => (*value).to_owned(),
                (None, Some(default)) => default.as_str().to_owned(),
                (None, None) => panic!("${{{name}}} has no default and no test value"),
            }
        })
        .into_owned()
}

fn documents(text: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(text)
        .map(Value::deserialize)
        .collect::<Result<Vec<_>, _>>()
        .expect("YAML")
        .into_iter()
        .filter(|doc| !doc.is_null())
        .collect()
}

fn installed() -> Option<Vec<Value>> {
    Some(documents(&substituted(built()?)))
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn manager_container(docs: &[Value]) -> &Value {
    let deployment = find(docs, "Deployment", "capm3-controller-manager");
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "manager"))
        .expect("clusterctl needs a container named manager")
}

fn container_port(container: &Value, name: &str) -> u16 {
    container["ports"]
        .as_array()
        .and_then(|ports| ports.iter().find(|p| p["name"] == name))
        .and_then(|p| p["containerPort"].as_u64())
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or_else(|| panic!("no container port {name}"))
}

#[derive(Parser)]
struct Capm3 {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Manager(Box<ManagerArgs>),
}

/// The Deployment's arguments, as the manager parses them.
fn manager_args(container: &Value) -> ManagerArgs {
    let args: Vec<&str> = container["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string argument"))
        .collect();
    let command = container["command"][0].as_str().expect("command");
    match Capm3::try_parse_from(std::iter::once(command).chain(args.iter().copied())) {
        Ok(Capm3 {
            command: Command::Manager(args),
        }) => *args,
        Err(e) => panic!("the Deployment's arguments {args:?} do not parse: {e}"),
    }
}

#[test]
fn mgr_07_components_carry_the_clusterctl_contract() {
    let Some(text) = built() else { return };
    let variables: BTreeSet<&str> = variable_pattern()
        .captures_iter(text)
        .map(|c| c.get(1).expect("name").as_str())
        .collect();
    let documented: BTreeSet<&str> = REQUIRED_VARIABLES
        .iter()
        .map(|(name, _)| *name)
        .chain(DEFAULTED_VARIABLES.iter().copied())
        .collect();
    assert_eq!(
        variables, documented,
        "clusterctl variables (update config/README.md)"
    );

    let docs = installed().expect("built");
    let namespaces: Vec<&Value> = docs.iter().filter(|d| d["kind"] == "Namespace").collect();
    assert_eq!(
        namespaces.len(),
        1,
        "clusterctl wants exactly one Namespace"
    );
    assert_eq!(namespaces[0]["metadata"]["name"], NAMESPACE);
    assert_eq!(
        namespaces[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
    let cluster_scoped = [
        "Namespace",
        "CustomResourceDefinition",
        "ClusterRole",
        "ClusterRoleBinding",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ];
    for doc in &docs {
        let (kind, name) = (&doc["kind"], &doc["metadata"]["name"]);
        assert_eq!(
            doc["metadata"]["labels"][PROVIDER_LABEL.0], PROVIDER_LABEL.1,
            "{kind} {name} lacks the provider label"
        );
        let namespace = &doc["metadata"]["namespace"];
        if cluster_scoped.contains(&kind.as_str().unwrap_or_default()) {
            assert!(namespace.is_null(), "{kind} {name} is cluster-scoped");
        } else {
            assert_eq!(namespace, NAMESPACE, "{kind} {name}");
        }
    }
    // clusterctl move takes hosts along (ecosystem notes §3.5).
    let hosts = find(
        &docs,
        "CustomResourceDefinition",
        "baremetalhosts.metal3.io",
    );
    assert!(hosts["metadata"]["labels"]["clusterctl.cluster.x-k8s.io/move"].is_string());
    // The contract label on every infrastructure CRD matches metadata.yaml (MGR-08).
    let metadata: Value = serde_norway::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/metadata.yaml"))
            .expect("metadata.yaml"),
    )
    .expect("metadata.yaml parses");
    let version = env!("CARGO_PKG_VERSION");
    let mut parts = version
        .split('.')
        .map(|p| p.parse::<u64>().expect("number"));
    let (major, minor) = (parts.next(), parts.next());
    let series = metadata["releaseSeries"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|s| s["major"].as_u64() == major && s["minor"].as_u64() == minor)
        })
        .unwrap_or_else(|| panic!("metadata.yaml has no release series for {version}"));
    let contract = series["contract"].as_str().expect("contract");
    for crd in docs.iter().filter(|d| {
        d["kind"] == "CustomResourceDefinition"
            && d["spec"]["group"] == "infrastructure.cluster.x-k8s.io"
    }) {
        assert!(
            crd["metadata"]["labels"][format!("cluster.x-k8s.io/{contract}")].is_string(),
            "{} lacks the {contract} contract label",
            crd["metadata"]["name"]
        );
    }
}

#[test]
fn mgr_02_the_webhook_service_certificate_and_configurations_line_up() {
    let Some(docs) = installed() else { return };
    let container = manager_container(&docs);
    let args = manager_args(container);

    let service = find(&docs, "Service", WEBHOOK_SERVICE);
    assert_eq!(service["metadata"]["namespace"], WEBHOOK_NAMESPACE);
    assert_eq!(service["spec"]["ports"][0]["port"], 443);
    let target = service["spec"]["ports"][0]["targetPort"]
        .as_str()
        .expect("named target port");
    assert_eq!(container_port(container, target), args.webhook_port);
    let pod_labels = &find(&docs, "Deployment", "capm3-controller-manager")["spec"]["template"]["metadata"]
        ["labels"];
    for (key, value) in service["spec"]["selector"].as_object().expect("selector") {
        assert_eq!(&pod_labels[key], value, "the Service selects the manager");
    }

    let certificate = find(&docs, "Certificate", configurations::SERVING_CERTIFICATE);
    assert_eq!(
        certificate["spec"]["dnsNames"],
        json!([
            format!("{WEBHOOK_SERVICE}.{WEBHOOK_NAMESPACE}.svc"),
            format!("{WEBHOOK_SERVICE}.{WEBHOOK_NAMESPACE}.svc.cluster.local")
        ])
    );
    // The certificate's Secret is what the webhook server reads.
    let pod = &find(&docs, "Deployment", "capm3-controller-manager")["spec"]["template"]["spec"];
    let mount = container["volumeMounts"]
        .as_array()
        .and_then(|m| {
            m.iter().find(|m| {
                std::path::Path::new(m["mountPath"].as_str().unwrap_or_default())
                    == args.webhook_cert_dir
            })
        })
        .expect("a volume at --webhook-cert-dir");
    let volume = pod["volumes"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["name"] == mount["name"]))
        .expect("the mounted volume");
    assert_eq!(
        volume["secret"]["secretName"],
        certificate["spec"]["secretName"]
    );

    // The configurations are the code's, and cert-manager injects the CA into them and into
    // every conversion webhook.
    let injected = format!(
        "{WEBHOOK_NAMESPACE}/{}",
        configurations::SERVING_CERTIFICATE
    );
    let (validating, mutating) = configurations::configurations(None);
    for (kind, code) in [
        (
            "ValidatingWebhookConfiguration",
            serde_json::to_value(&validating).expect("json"),
        ),
        (
            "MutatingWebhookConfiguration",
            serde_json::to_value(&mutating).expect("json"),
        ),
    ] {
        let built = find(
            &docs,
            kind,
            code["metadata"]["name"].as_str().expect("name"),
        );
        assert_eq!(built["webhooks"], code["webhooks"], "{kind}");
        assert_eq!(
            built["metadata"]["annotations"][configurations::INJECT_CA_FROM],
            injected
        );
    }
    for crd in docs
        .iter()
        .filter(|d| d["spec"]["conversion"]["strategy"] == "Webhook")
    {
        assert_eq!(
            crd["metadata"]["annotations"][configurations::INJECT_CA_FROM],
            injected,
            "{}",
            crd["metadata"]["name"]
        );
        let service = &crd["spec"]["conversion"]["webhook"]["clientConfig"]["service"];
        assert_eq!(
            (&service["name"], &service["namespace"]),
            (&json!(WEBHOOK_SERVICE), &json!(WEBHOOK_NAMESPACE))
        );
    }
}

#[test]
fn mgr_01_mgr_06_the_deployment_runs_the_manager_with_its_flags_and_environment() {
    let Some(docs) = installed() else { return };
    let container = manager_container(&docs);
    let args = manager_args(container);
    assert!(args.leader_elect, "rolling updates need leader election");
    assert_eq!(
        args.health_addr.port(),
        container_port(container, "healthz")
    );
    assert_eq!(
        args.diagnostics_address.port(),
        container_port(container, "metrics")
    );
    for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
        assert_eq!(container[probe]["httpGet"]["path"], path);
        assert_eq!(container[probe]["httpGet"]["port"], "healthz");
    }
    let metrics = find(&docs, "Service", "capm3-controller-manager-metrics-service");
    assert_eq!(metrics["spec"]["ports"][0]["targetPort"], "metrics");

    // Every variable the ConfigMaps set is one a flag reads, with a value it accepts.
    let flags = ManagerArgs::augment_args(clap::Command::new("manager"));
    let by_env: BTreeMap<String, String> = flags
        .get_arguments()
        .filter_map(|arg| {
            Some((
                arg.get_env()?.to_string_lossy().into_owned(),
                arg.get_long()?.to_owned(),
            ))
        })
        .collect();
    let mut variables = BTreeMap::new();
    for source in container["envFrom"].as_array().expect("envFrom") {
        let name = source["configMapRef"]["name"].as_str().expect("ConfigMap");
        let map = find(&docs, "ConfigMap", name);
        for (key, value) in map["data"].as_object().expect("data") {
            variables.insert(key.clone(), value.as_str().expect("string").to_owned());
        }
    }
    assert_eq!(variables["CAPM3_FAST_TRACK"], "false", "MGR-06");
    for (variable, value) in &variables {
        let long = by_env
            .get(variable)
            .unwrap_or_else(|| panic!("no flag reads {variable}"));
        assert!(!value.is_empty(), "{variable}: an empty value is not unset");
        let flag = format!("--{long}={value}");
        if let Err(e) = Capm3::try_parse_from(["capm3", "manager", flag.as_str()]) {
            panic!("{variable}={value}: {e}");
        }
    }
    // The Lease's namespace is the pod's.
    let env = container["env"].as_array().expect("env");
    assert!(env.iter().any(|e| e["name"] == "POD_NAMESPACE"
        && e["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"));
    assert_eq!(
        find(&docs, "Deployment", "capm3-controller-manager")["spec"]["template"]["spec"]["serviceAccountName"],
        "capm3-manager"
    );
}

/// Creates every object the embedded API server serves, in the order clusterctl applies them
/// (Namespace and CRDs first); returns the kinds it does not serve.
async fn apply(client: &kube::Client, docs: &[Value]) -> BTreeSet<String> {
    use kube::api::{Api, DynamicObject, PostParams};
    let first =
        |doc: &&Value| !(doc["kind"] == "Namespace" || doc["kind"] == "CustomResourceDefinition");
    let mut ordered: Vec<&Value> = docs.iter().collect();
    ordered.sort_by_key(first);
    let mut skipped = BTreeSet::new();
    let mut discovery = kube::Discovery::new(client.clone());
    let mut discovered_after_crds = false;
    for doc in ordered {
        if first(&doc) && !discovered_after_crds {
            discovery = discovery.run().await.expect("discovery");
            discovered_after_crds = true;
        }
        let (api_version, kind) = common::api_version_and_kind(doc);
        let gvk = match api_version.split_once('/') {
            Some((group, version)) => kube::api::GroupVersionKind::gvk(group, version, &kind),
            None => kube::api::GroupVersionKind::gvk("", &api_version, &kind),
        };
        let resolved = if discovered_after_crds {
            discovery.resolve_gvk(&gvk)
        } else {
            // Namespaces and CRDs are built in.
            let plural = if kind == "Namespace" {
                "namespaces"
            } else {
                "customresourcedefinitions"
            };
            Some((
                kube::discovery::ApiResource::from_gvk_with_plural(&gvk, plural),
                kube::discovery::ApiCapabilities {
                    scope: kube::discovery::Scope::Cluster,
                    subresources: Vec::new(),
                    operations: Vec::new(),
                },
            ))
        };
        let Some((resource, capabilities)) = resolved else {
            skipped.insert(format!("{api_version} {kind}"));
            continue;
        };
        let api: Api<DynamicObject> = match capabilities.scope {
            kube::discovery::Scope::Cluster => Api::all_with(client.clone(), &resource),
            kube::discovery::Scope::Namespaced => Api::namespaced_with(
                client.clone(),
                doc["metadata"]["namespace"].as_str().expect("namespace"),
                &resource,
            ),
        };
        let object: DynamicObject = serde_json::from_value(doc.clone()).expect("object");
        if let Err(e) = api.create(&PostParams::default(), &object).await {
            panic!("{kind} {}: {e}", doc["metadata"]["name"]);
        }
    }
    skipped
}

#[tokio::test]
async fn every_object_is_accepted_by_the_api_server() {
    let Some(docs) = installed() else { return };
    let server = capm3::sandbox::apiserver::ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    let client = server.client().expect("client");
    let skipped = apply(&client, &docs).await;
    // The embedded server has no workloads and no cert-manager; everything else it serves.
    let unserved: BTreeSet<String> = [
        "apps/v1 Deployment",
        "v1 Service",
        "cert-manager.io/v1 Issuer",
        "cert-manager.io/v1 Certificate",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert!(
        skipped.is_subset(&unserved),
        "kinds the embedded API server does not serve: {skipped:?}"
    );
}

/// What the controllers do with the API, from the code's `Api` uses: (group, resource with
/// subresource, verbs, namespace to check in).
const USED: &[(&str, &str, &[&str], &str)] = &[
    // kubeutil::events (kube-runtime's Recorder)
    ("events.k8s.io", "events", &["create", "patch"], "metal3"),
    // bmo::controller::secrets, capm3::controller::{writes, workload}, capm3::data_controllers
    ("", "secrets", &["get", "create", "patch"], "metal3"),
    // manager::diagnostics
    ("authentication.k8s.io", "tokenreviews", &["create"], ""),
    (
        "authorization.k8s.io",
        "subjectaccessreviews",
        &["create"],
        "",
    ),
    // manager::leader (kube-lease-manager), in POD_NAMESPACE
    (
        "coordination.k8s.io",
        "leases",
        &["get", "create", "patch", "delete"],
        NAMESPACE,
    ),
    // manager::caches and the controllers' reads
    (
        "cluster.x-k8s.io",
        "clusters",
        &["get", "list", "watch"],
        "metal3",
    ),
    (
        "cluster.x-k8s.io",
        "machines",
        &["get", "list", "watch"],
        "metal3",
    ),
    ("cluster.x-k8s.io", "machinesets", &["get"], "metal3"),
    (
        "controlplane.cluster.x-k8s.io",
        "kubeadmcontrolplanes",
        &["get"],
        "metal3",
    ),
    // bmo::controller::{reconcile, writes}, capm3::controller::writes::host
    (
        "metal3.io",
        "baremetalhosts",
        &["get", "list", "watch", "patch"],
        "metal3",
    ),
    ("metal3.io", "baremetalhosts/status", &["update"], "metal3"),
    (
        "metal3.io",
        "hardwaredata",
        &["get", "create", "patch"],
        "metal3",
    ),
    // capm3::controller
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3clusters",
        &["list", "watch", "patch"],
        "metal3",
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3clusters/status",
        &["patch"],
        "metal3",
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3machines",
        &["get", "list", "watch", "patch"],
        "metal3",
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3machines/status",
        &["patch"],
        "metal3",
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3machinetemplates",
        &["list", "watch"],
        "metal3",
    ),
    // capm3::data_controllers
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3datatemplates",
        &["get", "list", "watch", "patch"],
        "metal3",
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3datatemplates/status",
        &["patch"],
        "metal3",
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3dataclaims",
        &["get", "list", "watch", "create", "delete", "patch"],
        "metal3",
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3dataclaims/status",
        &["patch"],
        "metal3",
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3datas",
        &["get", "list", "watch", "create", "delete", "patch"],
        "metal3",
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        "metal3datas/status",
        &["patch"],
        "metal3",
    ),
    // ipam::controller, capm3::data_controllers::data::{ipclaims, addresses}
    (
        "ipam.metal3.io",
        "ippools",
        &["get", "list", "watch", "patch"],
        "metal3",
    ),
    ("ipam.metal3.io", "ippools/status", &["patch"], "metal3"),
    (
        "ipam.metal3.io",
        "ipclaims",
        &["get", "list", "watch", "create", "delete", "patch"],
        "metal3",
    ),
    ("ipam.metal3.io", "ipclaims/status", &["patch"], "metal3"),
    (
        "ipam.metal3.io",
        "ipaddresses",
        &["get", "list", "watch", "create", "delete", "patch"],
        "metal3",
    ),
    (
        "ipam.cluster.x-k8s.io",
        "ipaddressclaims",
        &["get", "list", "watch", "create", "delete", "patch"],
        "metal3",
    ),
    (
        "ipam.cluster.x-k8s.io",
        "ipaddressclaims/status",
        &["patch"],
        "metal3",
    ),
    (
        "ipam.cluster.x-k8s.io",
        "ipaddresses",
        &["get", "list", "watch", "create", "delete", "patch"],
        "metal3",
    ),
];

async fn allowed(
    client: &kube::Client,
    group: &str,
    resource: &str,
    verb: &str,
    namespace: &str,
) -> bool {
    use k8s_openapi::api::authorization::v1::SubjectAccessReview;
    let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
    let review: SubjectAccessReview = serde_json::from_value(json!({
        "spec": {
            "user": SERVICE_ACCOUNT,
            "groups": ["system:serviceaccounts", "system:serviceaccounts:capm3-system", "system:authenticated"],
            "resourceAttributes": {"group": group, "resource": resource, "subresource": subresource,
                                   "verb": verb, "namespace": namespace},
        },
    }))
    .expect("review");
    let answer = kube::Api::<SubjectAccessReview>::all(client.clone())
        .create(&Default::default(), &review)
        .await
        .expect("review answered");
    answer.status.is_some_and(|s| s.allowed)
}

#[tokio::test]
async fn mgr_07_the_service_account_may_do_what_the_controllers_do() {
    let Some(docs) = installed() else { return };
    let server = capm3::sandbox::apiserver::ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    let client = server.client().expect("client");
    apply(&client, &docs).await;
    let mut refused = Vec::new();
    for (group, resource, verbs, namespace) in USED {
        for verb in *verbs {
            if !allowed(&client, group, resource, verb, namespace).await {
                refused.push(format!("{verb} {group}/{resource} in {namespace:?}"));
            }
        }
    }
    assert!(
        refused.is_empty(),
        "the ClusterRole does not grant: {refused:?}"
    );
    // Secrets are read on demand: the manager cannot list them, and holds Leases only at home.
    assert!(!allowed(&client, "", "secrets", "list", "metal3").await);
    assert!(!allowed(&client, "coordination.k8s.io", "leases", "create", "metal3").await);
}
