//! Measures the idle manager: its resident memory with 1,000 BareMetalHosts (with hardware
//! inventories) and 1,000 Metal3Machines in its watch caches, against the embedded API server.
//! Prints numbers; asserts nothing.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use capm3::api::bmo::v1alpha1::BareMetalHost;
use capm3::api::capm3::v1beta2::Metal3Machine;
use capm3::sandbox::apiserver::ApiServer;
use capm3::sandbox::measure::rss_of;
use futures::StreamExt;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

const OBJECTS: usize = 1_000;
const CONCURRENCY: usize = 32;

fn host(i: usize) -> Value {
    json!({
        "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
        "metadata": {"name": format!("host-{i}"), "labels": {"cluster.x-k8s.io/cluster-name": "bench"}},
        "spec": {
            "online": true,
            "bootMACAddress": format!("00:5c:52:31:{:02x}:{:02x}", i / 256, i % 256),
            "bmc": {"address": format!("redfish+http://127.0.0.1:8000/redfish/v1/Systems/{i}"),
                    "credentialsName": format!("host-{i}-bmc")},
            "image": {"url": "http://127.0.0.1/images/ubuntu.qcow2",
                      "checksum": "http://127.0.0.1/images/ubuntu.qcow2.sha256sum"},
            "rootDeviceHints": {"deviceName": "/dev/sda"},
        },
    })
}

/// A status as a provisioned host carries it: the hardware inventory is most of its size.
fn host_status(i: usize) -> Value {
    let nic = |n: usize| {
        json!({"name": format!("eth{n}"), "mac": format!("00:5c:52:31:{n:02x}:{:02x}", i % 256),
        "ip": format!("127.0.{}.{}", n, i % 250 + 1), "speedGbps": 25, "model": "0x8086 0x1572", "pxe": n == 0})
    };
    let disk = |n: usize| {
        json!({"name": format!("/dev/sd{}", (b'a' + n as u8) as char), "sizeBytes": 960197124096u64,
        "rotational": false, "model": "SAMSUNG MZ7LH960", "serialNumber": format!("S4{i:06}{n}"),
        "vendor": "ATA", "hctl": format!("{n}:0:0:0"), "type": "SSD"})
    };
    json!({"status": {
        "operationalStatus": "OK", "errorMessage": "", "hardwareProfile": "", "poweredOn": true,
        "provisioning": {"state": "provisioned", "ID": format!("a0b1c2d3-0000-4000-8000-{i:012}"),
            "bootMode": "UEFI", "image": {"url": "http://127.0.0.1/images/ubuntu.qcow2"}},
        "hardware": {
            "cpu": {"arch": "x86_64", "model": "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", "clockMegahertz": 2000.0, "count": 64, "flags": ["avx", "avx2", "sse4_2", "vmx"]},
            "nics": (0..4).map(nic).collect::<Vec<_>>(),
            "storage": (0..4).map(disk).collect::<Vec<_>>(),
            "ramMebibytes": 262144,
            "systemVendor": {"manufacturer": "Dell Inc.", "productName": "PowerEdge R650", "serialNumber": format!("SN{i:08}")},
            "firmware": {"bios": {"date": "03/15/2024", "vendor": "Dell Inc.", "version": "1.12.1"}},
            "hostname": format!("host-{i}"),
        },
    }})
}

fn machine(i: usize) -> Value {
    json!({
        "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine",
        "metadata": {"name": format!("machine-{i}"), "labels": {"cluster.x-k8s.io/cluster-name": "bench"},
                     "annotations": {"metal3.io/BareMetalHost": format!("default/host-{i}")}},
        "spec": {
            "providerID": format!("metal3://default/host-{i}/machine-{i}"),
            "image": {"url": "http://127.0.0.1/images/ubuntu.qcow2",
                      "checksum": "http://127.0.0.1/images/ubuntu.qcow2.sha256sum", "checksumType": "sha256"},
            "hostSelector": {"matchLabels": {"role": "worker"}},
            "dataTemplate": {"name": "bench-workers"},
        },
    })
}

async fn populate(client: &kube::Client) -> Duration {
    let started = Instant::now();
    let hosts: Api<BareMetalHost> = Api::namespaced(client.clone(), "default");
    let machines: Api<Metal3Machine> = Api::namespaced(client.clone(), "default");
    futures::stream::iter(0..OBJECTS)
        .map(|i| {
            let (hosts, machines) = (hosts.clone(), machines.clone());
            async move {
                let object = serde_json::from_value(host(i)).expect("host");
                hosts
                    .create(&PostParams::default(), &object)
                    .await
                    .expect("host created");
                hosts
                    .patch_status(
                        &format!("host-{i}"),
                        &PatchParams::default(),
                        &Patch::Merge(host_status(i)),
                    )
                    .await
                    .expect("host status");
                let object = serde_json::from_value(machine(i)).expect("machine");
                machines
                    .create(&PostParams::default(), &object)
                    .await
                    .expect("machine created");
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    started.elapsed()
}

fn ready(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = write!(
        stream,
        "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

#[tokio::main]
async fn main() {
    let server = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server");
    let client = server.client().expect("client");
    for crd in capm3::crds::metal3() {
        Api::<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition>::all(client.clone())
            .create(&PostParams::default(), &crd)
            .await
            .expect("CRD");
    }
    let took = populate(&client).await;
    println!(
        "populated {OBJECTS} BareMetalHosts (with status) and {OBJECTS} Metal3Machines in {took:.2?}"
    );

    let dir = std::env::temp_dir().join(format!("capm3-bench-manager-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).expect("kubeconfig");
    let health = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let started = Instant::now();
    let mut manager = Command::new(env!("CARGO_BIN_EXE_capm3"))
        .args([
            "manager",
            "--webhook-port",
            "0",
            "--diagnostics-address",
            "127.0.0.1:0",
            "--health-addr",
        ])
        .arg(format!("127.0.0.1:{health}"))
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("manager");
    while !ready(health) {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = manager.kill();
            panic!("the manager never became ready");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("manager ready (caches synced) in {:.2?}", started.elapsed());
    tokio::time::sleep(Duration::from_secs(3)).await;
    match rss_of(manager.id()) {
        Some((now, peak)) => println!("idle manager RSS: {now} (peak {peak})"),
        None => println!("idle manager RSS: not readable"),
    }
    let _ = manager.kill();
    let _ = manager.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
