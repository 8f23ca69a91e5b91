//! Admission webhooks (AdmissionReview v1) at the paths upstream's webhook manifests use, so
//! existing ValidatingWebhookConfigurations and MutatingWebhookConfigurations work unchanged.
//! The rules a schema can state are CEL rules in the CRDs (docs/api-compatibility.md); the
//! handlers here hold the rest: defaults upstream sets in code, cross-namespace references and
//! warnings. Each rule is a pure function of the request.

mod bmh;
mod capm3;
mod ipam;

use base64::Engine;
use serde_json::{Value, json};

use crate::api::field::{FieldError, Invalid};

/// What a handler sees of an AdmissionReview request (upstream registers its webhooks for
/// CREATE and UPDATE, so there is always an object).
pub struct Request<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub object: &'a Value,
    /// The stored object, on update.
    pub old_object: Option<&'a Value>,
    pub settings: &'a Settings,
}

/// The manager's flags that change what is admitted.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `--enable-fake-hardware`: BMC schemes for test beds are accepted.
    pub allow_fake_hardware: bool,
}

/// A validating handler's answer: errors deny the request, warnings reach the user either way.
#[derive(Default)]
pub struct Verdict {
    /// Field errors: a 422 `Invalid`, as controller-runtime's webhooks built on field paths.
    pub errors: Vec<FieldError>,
    /// Plain messages: a 403 denial listing them, as webhooks that return Go errors.
    pub denials: Vec<String>,
    pub warnings: Vec<String>,
}

type Validator = fn(&Request) -> Verdict;
type Defaulter = fn(&mut Value);

/// The two kinds of admission webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Validate,
    /// Only kinds upstream defaults in code have one.
    Mutate,
}

impl Verb {
    fn as_str(self) -> &'static str {
        match self {
            Verb::Validate => "validate",
            Verb::Mutate => "mutate",
        }
    }
}

/// How upstream names a kind's webhooks in its configurations; the name is what an API server
/// quotes when a webhook denies a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// `validation.<kind>.<group>` and `default.<kind>.<group>` (CAPM3, ip-address-manager).
    Prefixed,
    /// `<kind>.<group>` (the baremetal-operator).
    Bare,
}

/// One kind's webhooks: where they are served and what they do.
pub struct KindWebhooks {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The resource the webhook configurations' rules name.
    pub plural: String,
    pub naming: Naming,
    pub validate: Validator,
    /// Only kinds upstream defaults in code have a mutating webhook.
    pub default: Option<Defaulter>,
}

impl KindWebhooks {
    /// The webhooks of `K`, named as CAPM3 names them.
    pub fn of<K: kube::Resource<DynamicType = ()>>(
        validate: Validator,
        default: Option<Defaulter>,
    ) -> KindWebhooks {
        KindWebhooks {
            group: K::group(&()).into_owned(),
            version: K::version(&()).into_owned(),
            kind: K::kind(&()).into_owned(),
            plural: K::plural(&()).into_owned(),
            naming: Naming::Prefixed,
            validate,
            default,
        }
    }

    pub fn named(self, naming: Naming) -> KindWebhooks {
        KindWebhooks { naming, ..self }
    }

    /// `/validate-infrastructure-cluster-x-k8s-io-v1beta2-metal3cluster`, as controller-runtime
    /// names the path.
    pub fn path(&self, verb: Verb) -> String {
        format!(
            "/{}-{}-{}-{}",
            verb.as_str(),
            self.group.replace('.', "-"),
            self.version,
            self.kind.to_lowercase()
        )
    }

    /// The webhook's name in its configuration, e.g.
    /// `validation.metal3cluster.infrastructure.cluster.x-k8s.io`.
    pub fn name(&self, verb: Verb) -> String {
        let kind = self.kind.to_lowercase();
        match (self.naming, verb) {
            (Naming::Bare, _) => format!("{kind}.{}", self.group),
            (Naming::Prefixed, Verb::Validate) => format!("validation.{kind}.{}", self.group),
            (Naming::Prefixed, Verb::Mutate) => format!("default.{kind}.{}", self.group),
        }
    }
}

/// Every kind with admission webhooks.
pub fn kinds() -> Vec<KindWebhooks> {
    let mut kinds = capm3::webhooks();
    kinds.extend(bmh::webhooks());
    kinds.extend(ipam::webhooks());
    kinds
}

/// The response to a validating review.
pub fn validate_review(review: &Value, webhooks: &KindWebhooks, settings: &Settings) -> Value {
    let request = &review["request"];
    let Some(parsed) = parse(request, settings) else {
        return respond(
            review,
            json!({"uid": request["uid"], "allowed": false,
            "status": {"code": 400, "reason": "BadRequest", "message": "the review carries no object"}}),
        );
    };
    let verdict = (webhooks.validate)(&parsed);
    let allowed = verdict.errors.is_empty() && verdict.denials.is_empty();
    let mut response = json!({"uid": request["uid"], "allowed": allowed});
    if !verdict.errors.is_empty() {
        response["status"] = invalid_status(webhooks, parsed.name, &verdict.errors);
    } else if !verdict.denials.is_empty() {
        response["status"] = json!({"status": "Failure", "code": 403, "reason": "Forbidden",
                                    "message": aggregate(&verdict.denials)});
    }
    if !verdict.warnings.is_empty() {
        response["warnings"] = json!(verdict.warnings);
    }
    respond(review, response)
}

/// The response to a mutating review: the defaults as a JSON patch.
pub fn default_review(review: &Value, default: Defaulter) -> Value {
    let request = &review["request"];
    let original = &request["object"];
    if !original.is_object() {
        return respond(review, json!({"uid": request["uid"], "allowed": true}));
    }
    let mut defaulted = original.clone();
    default(&mut defaulted);
    let patch = json_patch::diff(original, &defaulted);
    let mut response = json!({"uid": request["uid"], "allowed": true});
    if !patch.0.is_empty() {
        let bytes = serde_json::to_vec(&patch).unwrap_or_default();
        response["patchType"] = json!("JSONPatch");
        response["patch"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
    }
    respond(review, response)
}

fn parse<'a>(request: &'a Value, settings: &'a Settings) -> Option<Request<'a>> {
    let object = Some(&request["object"]).filter(|o| o.is_object())?;
    Some(Request {
        namespace: request["namespace"].as_str().unwrap_or_default(),
        name: object["metadata"]["name"]
            .as_str()
            .or_else(|| request["name"].as_str())
            .unwrap_or_default(),
        object,
        old_object: Some(&request["oldObject"]).filter(|o| o.is_object()),
        settings,
    })
}

/// Several errors as Kubernetes' `utilerrors.NewAggregate` prints them: `[a, b]`.
fn aggregate(messages: &[String]) -> String {
    match messages {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// The `Invalid` status controller-runtime returns (`apierrors.NewInvalid`).
fn invalid_status(webhooks: &KindWebhooks, name: &str, errors: &[FieldError]) -> Value {
    let invalid = Invalid::new(&webhooks.group, &webhooks.kind, name, errors);
    json!({"status": "Failure", "code": 422, "reason": "Invalid",
           "message": invalid.message, "details": invalid.details})
}

fn respond(review: &Value, response: Value) -> Value {
    let api_version = review["apiVersion"]
        .as_str()
        .filter(|v| v.starts_with("admission.k8s.io/"))
        .unwrap_or("admission.k8s.io/v1");
    json!({"apiVersion": api_version, "kind": "AdmissionReview", "response": response})
}
