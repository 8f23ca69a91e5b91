//! How long a failed host waits before the next attempt (`calculateBackoff` in upstream's
//! `action_result.go`): 2^min(n, 9) minutes, less up to half of it at random so hosts that
//! failed together do not retry together. [1, 2] min after the first failure, up to
//! [4 h 16 min, 8 h 32 min].

use std::time::Duration;

/// The wait after the `error_count`-th failure; `jitter` in [0, 1) takes up to half of it off.
pub fn after_failures(error_count: u32, jitter: f64) -> Duration {
    let full = Duration::from_secs(60 * (1u64 << error_count.min(9)));
    full.mul_f64(1.0 - jitter.clamp(0.0, 1.0) * 0.5)
}

/// [`after_failures`] with fresh randomness.
pub fn random_after_failures(error_count: u32) -> Duration {
    after_failures(error_count, fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_per_failure_up_to_the_ninth_with_up_to_half_taken_off() {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        assert_eq!(after_failures(0, 0.0), minutes(1));
        assert_eq!(after_failures(1, 0.0), minutes(2));
        assert_eq!(
            after_failures(1, 0.999_999),
            minutes(2).mul_f64(1.0 - 0.999_999 * 0.5)
        );
        assert_eq!(after_failures(9, 0.0), minutes(512));
        assert_eq!(after_failures(30, 0.0), minutes(512), "capped");
        assert_eq!(after_failures(9, 1.0), minutes(256));
        for n in 0..12 {
            let wait = random_after_failures(n);
            let full = after_failures(n, 0.0);
            assert!(wait <= full && wait >= full / 2, "{n}: {wait:?}");
        }
    }
}
