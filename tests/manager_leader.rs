//! Leader election between manager replicas, against the embedded API server: one leader at
//! a time; a leader that steps down hands over at once, one that dies hands over after its
//! lease expires.

use std::time::{Duration, Instant};

use capm3::manager::leader::{Election, identity};
use capm3::sandbox::apiserver::ApiServer;

const LEASE: Duration = Duration::from_secs(3);
const RENEW_DEADLINE: Duration = Duration::from_secs(2);

async fn candidates(server: &ApiServer) -> (Election, Election) {
    let client = server.client().expect("client");
    let a = Election::start(
        client.clone(),
        "default",
        &identity(),
        LEASE,
        RENEW_DEADLINE,
    )
    .await
    .expect("a stands");
    let b = Election::start(client, "default", &identity(), LEASE, RENEW_DEADLINE)
        .await
        .expect("b stands");
    (a, b)
}

/// Waits until exactly one leads, checking that two never do; returns (leader, other).
async fn one_leader(a: Election, b: Election) -> (Election, Election) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(!(a.is_leading() && b.is_leading()), "two leaders at once");
        if a.is_leading() {
            return (a, b);
        }
        if b.is_leading() {
            return (b, a);
        }
        assert!(Instant::now() < deadline, "nobody was elected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn takes_over(successor: &Election, what: &str) -> Duration {
    let started = Instant::now();
    while !successor.is_leading() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no takeover after {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_stepping_down_hands_over() {
    let server = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server");
    let (a, b) = candidates(&server).await;
    let (leader, successor) = one_leader(a, b).await;
    // Both keep running for a while: the leader renews, the other never leads.
    for _ in 0..100 {
        assert!(leader.is_leading() && !successor.is_leading());
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    leader.step_down().await;
    let took = takes_over(&successor, "stepping down").await;
    eprintln!("handover after stepping down: {took:?}");
    successor.step_down().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_leader_is_replaced_after_its_lease() {
    let server = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server");
    let (a, b) = candidates(&server).await;
    let (leader, successor) = one_leader(a, b).await;
    leader.abandon();
    let took = takes_over(&successor, "the leader died").await;
    eprintln!("handover after the leader died: {took:?}");
    successor.step_down().await;
    server.stop().await;
}
