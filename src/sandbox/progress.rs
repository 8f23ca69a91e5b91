//! The sandbox's live view: hosts per provisioning state, Machines per phase, Clusters, and a
//! bar of Machines running. Redrawn in place on a terminal; printed when it changes otherwise
//! (a log file, CI).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use kube::api::{Api, ListParams};

use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::Cluster;
use crate::api::capi::Machine;

/// How many of each state, in the order first seen after sorting by name.
pub type Tally = BTreeMap<String, usize>;

/// What the environment looks like at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub hosts: Tally,
    pub machines: Tally,
    /// `name: phase` of each Cluster.
    pub clusters: Vec<String>,
}

impl Snapshot {
    pub async fn read(client: &kube::Client) -> Result<Snapshot, kube::Error> {
        let all = ListParams::default();
        let hosts = Api::<BareMetalHost>::all(client.clone()).list(&all).await?;
        let machines = Api::<Machine>::all(client.clone()).list(&all).await?;
        let clusters = Api::<Cluster>::all(client.clone()).list(&all).await?;
        let phase_or_new = |phase: Option<&String>| match phase {
            Some(phase) if !phase.is_empty() => phase.clone(),
            _ => "new".to_owned(),
        };
        Ok(Snapshot {
            hosts: tally(
                hosts
                    .iter()
                    .map(|h| phase_or_new(h.status.as_ref().map(|s| &s.provisioning.state))),
            ),
            machines: tally(
                machines
                    .iter()
                    .map(|m| phase_or_new(m.status.as_ref().and_then(|s| s.phase.as_ref()))),
            ),
            clusters: clusters
                .iter()
                .map(|c| {
                    let name = c.metadata.name.as_deref().unwrap_or("");
                    let phase = phase_or_new(c.status.as_ref().and_then(|s| s.phase.as_ref()));
                    format!("{name}: {phase}")
                })
                .collect(),
        })
    }

    pub fn count(tally: &Tally, state: &str) -> usize {
        tally.get(state).copied().unwrap_or(0)
    }

    /// The view's lines.
    pub fn render(&self, elapsed: Duration) -> Vec<String> {
        let secs = elapsed.as_secs();
        let mut lines = vec![format!(
            "capm3 sandbox · {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )];
        lines.push(format!("  hosts     {}", summary(&self.hosts)));
        lines.push(format!("  machines  {}", summary(&self.machines)));
        let total: usize = self.machines.values().sum();
        if total > 0 {
            let running = Snapshot::count(&self.machines, "Running");
            lines.push(format!("            {}", bar(running, total, 30)));
        }
        if !self.clusters.is_empty() {
            lines.push(format!("  clusters  {}", self.clusters.join(" · ")));
        }
        lines
    }
}

fn tally(states: impl Iterator<Item = String>) -> Tally {
    let mut tally = Tally::new();
    for state in states {
        *tally.entry(state).or_default() += 1;
    }
    tally
}

/// `4 — available 1 · provisioned 3`, or `none`.
fn summary(tally: &Tally) -> String {
    let total: usize = tally.values().sum();
    if total == 0 {
        return "none".into();
    }
    let parts: Vec<String> = tally.iter().map(|(s, n)| format!("{s} {n}")).collect();
    format!("{total} — {}", parts.join(" · "))
}

/// `[#########.....]  3/5 running`.
fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(0).min(width);
    let mut text = String::from("[");
    text.extend(std::iter::repeat_n('#', filled));
    text.extend(std::iter::repeat_n('.', width - filled));
    let _ = write!(text, "]  {done}/{total} running");
    text
}

/// Draws snapshots on stdout: in place on a terminal, else a new block when they change.
pub struct View {
    started: Instant,
    terminal: bool,
    drawn_lines: usize,
    last: Option<Snapshot>,
}

impl View {
    pub fn new() -> View {
        View {
            started: Instant::now(),
            terminal: std::io::stdout().is_terminal(),
            drawn_lines: 0,
            last: None,
        }
    }

    pub fn show(&mut self, snapshot: Snapshot) {
        let unchanged = self.last.as_ref() == Some(&snapshot);
        if unchanged && !self.terminal {
            return;
        }
        let lines = snapshot.render(self.started.elapsed());
        let mut out = std::io::stdout().lock();
        if self.terminal && self.drawn_lines > 0 {
            // Up to the view's first line, and clear to the end of the screen.
            let _ = write!(out, "\x1b[{}A\x1b[J", self.drawn_lines);
        }
        for line in &lines {
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
        self.drawn_lines = lines.len();
        self.last = Some(snapshot);
    }

    /// Stops redrawing in place, so what follows is printed below the view.
    pub fn finish(&mut self) {
        self.drawn_lines = 0;
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

impl Default for View {
    fn default() -> Self {
        View::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_counts_states_and_draws_a_bar() {
        let snapshot = Snapshot {
            hosts: tally(
                ["provisioned", "available", "provisioned"]
                    .map(String::from)
                    .into_iter(),
            ),
            machines: tally(["Running", "Provisioning"].map(String::from).into_iter()),
            clusters: vec!["sandbox: Provisioned".into()],
        };
        let lines = snapshot.render(Duration::from_secs(62));
        assert_eq!(lines[0], "capm3 sandbox · 00:01:02");
        assert_eq!(lines[1], "  hosts     3 — available 1 · provisioned 2");
        assert_eq!(lines[2], "  machines  2 — Provisioning 1 · Running 1");
        assert_eq!(
            lines[3],
            format!(
                "            [{}{}]  1/2 running",
                "#".repeat(15),
                ".".repeat(15)
            )
        );
        assert_eq!(lines[4], "  clusters  sandbox: Provisioned");
    }

    #[test]
    fn an_empty_environment_says_none() {
        let lines = Snapshot::default().render(Duration::ZERO);
        assert_eq!(
            lines,
            [
                "capm3 sandbox · 00:00:00",
                "  hosts     none",
                "  machines  none"
            ]
        );
    }
}
