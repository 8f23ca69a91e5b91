//! Controllers run their reconciles only while this replica leads; winning the election must
//! look at every object at once, since changes seen while standing by were not acted on.

use futures::Stream;
use tokio::sync::watch;

/// One item each time `leading` turns true (at once if it already is), for kube-runtime's
/// `Controller::reconcile_all_on`. Ends when the election's sender goes away.
pub fn elected(leading: watch::Receiver<bool>) -> impl Stream<Item = ()> + Send + 'static {
    futures::stream::unfold((leading, true), |(mut leading, first)| async move {
        if !first {
            leading.changed().await.ok()?;
        }
        loop {
            if *leading.borrow_and_update() {
                return Some(((), (leading, false)));
            }
            leading.changed().await.ok()?;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn yields_once_per_election_won() {
        let (tx, rx) = watch::channel(false);
        let mut elected = Box::pin(elected(rx));
        tx.send(true).expect("send");
        elected.next().await.expect("first win");
        tx.send(false).expect("send");
        tx.send(true).expect("send");
        elected.next().await.expect("second win");
        drop(tx);
        assert!(elected.next().await.is_none());
    }
}
