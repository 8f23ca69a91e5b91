//! An Ironic simulator: Ironic's REST API with its provision state machine and names,
//! power states, node locking and error bodies, in memory. For tests, the sandbox and the
//! benchmark; the contract tests run the same scenarios against it and the real Ironic.

pub mod api;
mod http;
mod inventory;
pub mod knobs;
pub mod states;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::http::Method;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use api::Ironic;
use knobs::{Knobs, Outage};
use states::Transition;

pub use http::MAX_VERSION;

/// A running simulator on loopback.
pub struct Simulator {
    pub ironic: Ironic,
    addr: SocketAddr,
    counts: Mutex<BTreeMap<String, u64>>,
    outage: Mutex<Option<Outage>>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl Simulator {
    /// Serves on `listen` (port 0 for an ephemeral port).
    pub async fn start(listen: SocketAddr, knobs: Knobs) -> std::io::Result<Arc<Simulator>> {
        let listener = TcpListener::bind(listen).await?;
        let sim = Arc::new(Simulator {
            ironic: Ironic::default(),
            addr: listener.local_addr()?,
            counts: Mutex::default(),
            outage: Mutex::default(),
            server: Mutex::default(),
        });
        *sim.ironic.knobs.lock().unwrap_or_else(|p| p.into_inner()) = knobs;
        sim.serve(listener);
        Ok(sim)
    }

    fn serve(self: &Arc<Self>, listener: TcpListener) {
        let app = http::router(self.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        *self.server.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
    }

    /// The endpoint to give the operator (`IRONIC_ENDPOINT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn knobs(&self) -> std::sync::MutexGuard<'_, Knobs> {
        self.ironic.knobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Requests so far by `METHOD /route/{id}/...`.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn total_requests(&self) -> u64 {
        self.counts().values().sum()
    }

    fn count(&self, method: &Method, route: &str) {
        *self
            .counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(format!("{method} {route}"))
            .or_default() += 1;
    }

    fn outage(&self) -> Option<Outage> {
        *self.outage.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts or ends an outage. `Refused` closes the listener; ending it listens again on
    /// the same address.
    pub async fn set_outage(self: &Arc<Self>, outage: Option<Outage>) -> std::io::Result<()> {
        let was = std::mem::replace(
            &mut *self.outage.lock().unwrap_or_else(|p| p.into_inner()),
            outage,
        );
        if outage == Some(Outage::Refused) {
            self.stop().await;
        } else if was == Some(Outage::Refused) {
            self.serve(TcpListener::bind(self.addr).await?);
        }
        Ok(())
    }

    /// Runs a provision transition (and any that follows it) to its end.
    fn run_transition(self: &Arc<Self>, uuid: String, first: Transition) {
        let sim = self.clone();
        tokio::spawn(async move {
            let mut transition = first;
            loop {
                let latency = sim.knobs().latency_of(transition.step);
                tokio::time::sleep(latency).await;
                let name = sim
                    .ironic
                    .node(&uuid)
                    .ok()
                    .and_then(|n| n["name"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                let failed = sim.knobs().fails(&name, transition.step.name());
                match sim.ironic.finish(&uuid, &transition, failed) {
                    Some(next) => transition = next,
                    None => return,
                }
            }
        });
    }

    fn run_power(self: &Arc<Self>, uuid: String, name: String) {
        let sim = self.clone();
        tokio::spawn(async move {
            let latency = sim.knobs().power_latency;
            tokio::time::sleep(latency).await;
            let failed = sim.knobs().fails(&name, "power");
            sim.ironic.finish_power(&uuid, failed);
        });
    }

    /// Stops serving.
    pub async fn stop(&self) {
        let task = self.server.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
    }
}
