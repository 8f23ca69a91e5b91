//! Measurements the benchmarks report.

/// This process's peak resident set size (`VmHWM`), as the kernel prints it (`123456 kB`).
pub fn peak_rss() -> Option<String> {
    status_field("self", "VmHWM")
}

/// Another process's resident set size now (`VmRSS`) and at its peak (`VmHWM`).
pub fn rss_of(pid: u32) -> Option<(String, String)> {
    let pid = pid.to_string();
    Some((status_field(&pid, "VmRSS")?, status_field(&pid, "VmHWM")?))
}

/// CPU time another process has used so far (user and system, every thread), in seconds.
pub fn cpu_seconds_of(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / CLOCK_TICKS_PER_SECOND)
}

/// USER_HZ: 100 on every Linux architecture capm3 runs on.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

fn status_field(process: &str, field: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    Some(
        line[field.len()..]
            .trim_start_matches(':')
            .trim()
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rss_is_read_on_linux() {
        let rss = super::peak_rss().expect("/proc/self/status has VmHWM");
        assert!(rss.ends_with("kB"), "{rss}");
        let (now, peak) = super::rss_of(std::process::id()).expect("own status");
        assert!(now.ends_with("kB") && peak.ends_with("kB"), "{now} {peak}");
        let mut spin = 0u64;
        for i in 0..20_000_000u64 {
            spin = spin.wrapping_add(std::hint::black_box(i));
        }
        std::hint::black_box(spin);
        let cpu = super::cpu_seconds_of(std::process::id()).expect("own stat");
        assert!(cpu > 0.0, "{cpu}");
    }
}
