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
    }
}
