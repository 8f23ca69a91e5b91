//! `--kube-api-qps` and `--kube-api-burst`: client-go's client-side rate limit (a token bucket
//! refilled at QPS, holding up to burst requests), which kube-rs does not have. The bucket is
//! governor's; this is only the tower layer that waits for a token before each request.

use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tower::{Layer, Service};

/// A rate limit shared by every request of one client.
#[derive(Clone)]
pub struct Throttle {
    limiter: Arc<DefaultDirectRateLimiter>,
}

impl Throttle {
    /// `qps` requests per second on average, up to `burst` at once (at least one each).
    pub fn new(qps: f32, burst: u32) -> Throttle {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let interval = std::time::Duration::from_secs_f64(1.0 / f64::from(qps.max(0.001)));
        let quota = Quota::with_period(interval)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Throttle {
            limiter: Arc::new(RateLimiter::direct(quota)),
        }
    }
}

impl<S> Layer<S> for Throttle {
    type Service = Throttled<S>;

    fn layer(&self, inner: S) -> Throttled<S> {
        Throttled {
            inner,
            limiter: self.limiter.clone(),
            waiting: None,
            permitted: false,
        }
    }
}

/// A service that takes a token from the bucket before it says it is ready.
pub struct Throttled<S> {
    inner: S,
    limiter: Arc<DefaultDirectRateLimiter>,
    waiting: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    /// A token is held for the next call.
    permitted: bool,
}

impl<S, R> Service<R> for Throttled<S>
where
    S: Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        if !self.permitted {
            let waiting = self.waiting.get_or_insert_with(|| {
                let limiter = self.limiter.clone();
                Box::pin(async move { limiter.until_ready().await })
            });
            if waiting.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.waiting = None;
            self.permitted = true;
        }
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> S::Future {
        self.permitted = false;
        self.inner.call(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_burst_passes_at_once_then_requests_wait_for_the_rate() {
        use futures::FutureExt;
        let service = tower::service_fn(|n: u32| async move { Ok::<u32, ()>(n) });
        let mut throttled = Throttle::new(20.0, 5).layer(service);
        for n in 0..5 {
            let ready = throttled
                .ready()
                .now_or_never()
                .expect("a burst token at once");
            assert_eq!(ready.expect("ready").call(n).await, Ok(n));
        }
        assert!(
            throttled.ready().now_or_never().is_none(),
            "the sixth request waits for a token"
        );
        let started = tokio::time::Instant::now();
        for n in 0..4 {
            assert_eq!(throttled.ready().await.expect("ready").call(n).await, Ok(n));
        }
        // Four more tokens at 20/s take at least 0.15 s (a lower bound: the limit, not speed).
        assert!(started.elapsed() >= std::time::Duration::from_millis(150));
    }
}
