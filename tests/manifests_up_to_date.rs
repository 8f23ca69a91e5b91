//! The generated parts of `config/` (the webhook configurations) are exactly what the code
//! generates. When this fails, run `capm3 manifests --output config` and commit the result.

use std::path::Path;

#[test]
fn generated_config_is_up_to_date() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    for (file, generated) in capm3::manifests::generated().expect("manifests generate") {
        let path = config.join(&file);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{} is missing ({e}); run `cargo run -- manifests --output config`",
                path.display()
            )
        });
        assert!(
            on_disk == generated,
            "{} is stale; run `cargo run -- manifests --output config`",
            path.display()
        );
    }
}
