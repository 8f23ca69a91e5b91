//! Measurements the benchmarks report.

/// This process's peak resident set size (`VmHWM`), as the kernel prints it (`123456 kB`).
pub fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_rss_is_read_on_linux() {
        let rss = super::peak_rss().expect("/proc/self/status has VmHWM");
        assert!(rss.ends_with("kB"), "{rss}");
    }
}
