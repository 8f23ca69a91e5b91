//! The CRDs checked in under `crds/` are exactly what the code generates.
//! When this fails, run `make crds` and commit the result.

use std::collections::BTreeSet;
use std::path::Path;

use capm3::crds;

fn check_dir(
    dir: &Path,
    expected: Vec<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition>,
) {
    let mut want = BTreeSet::new();
    let mut listed = Vec::new();
    for crd in expected {
        let name = crds::file_name(&crd);
        let generated = crds::to_yaml(&crd).expect("CRD serialises");
        let path = dir.join(&name);
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} is missing ({e}); run `make crds`", path.display()));
        assert!(
            on_disk == generated,
            "{} is stale; run `make crds`",
            path.display()
        );
        listed.push(name.clone());
        want.insert(name);
    }
    let kustomization = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap_or_default();
    assert!(
        kustomization == crds::kustomization(&listed),
        "{}/kustomization.yaml is stale; run `make crds`",
        dir.display()
    );
    want.insert("kustomization.yaml".into());
    let present: BTreeSet<String> = std::fs::read_dir(dir)
        .expect("crds directory exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let extra: Vec<_> = present.difference(&want).collect();
    assert!(
        extra.is_empty(),
        "files in {} that the code no longer generates: {extra:?}",
        dir.display()
    );
}

#[test]
fn metal3_crds_are_up_to_date() {
    check_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("crds"),
        crds::metal3(),
    );
}

#[test]
fn capi_crds_are_up_to_date() {
    check_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("crds/capi"),
        capm3::crds::capi(),
    );
}
