//! `/convert`: answers the API server's ConversionReviews for the nine
//! `infrastructure.cluster.x-k8s.io` kinds with capm3's conversion functions.

use serde_json::{Value, json};

use crate::api::capm3::conversion;

/// The response to a ConversionReview, in the review's own API version (the CRDs accept
/// `apiextensions.k8s.io/v1` and `v1beta1`). Any object that does not convert fails the
/// whole review, as the API server expects.
pub fn review(review: &Value) -> Value {
    let request = &review["request"];
    let desired = request["desiredAPIVersion"].as_str().unwrap_or_default();
    let converted: Result<Vec<Value>, String> = request["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|object| {
            conversion::convert(object.clone(), desired).map_err(|e| {
                let name = object["metadata"]["name"].as_str().unwrap_or_default();
                let kind = object["kind"].as_str().unwrap_or_default();
                format!("cannot convert {kind} {name:?} to {desired}: {e}")
            })
        })
        .collect();
    let response = match converted {
        Ok(objects) => {
            json!({"uid": request["uid"], "convertedObjects": objects, "result": {"status": "Success"}})
        }
        Err(message) => {
            json!({"uid": request["uid"], "convertedObjects": [], "result": {"status": "Failure", "message": message}})
        }
    };
    let api_version = review["apiVersion"]
        .as_str()
        .filter(|v| v.starts_with("apiextensions.k8s.io/"))
        .unwrap_or("apiextensions.k8s.io/v1");
    json!({"apiVersion": api_version, "kind": "ConversionReview", "response": response})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(api_version: &str, spec: Value) -> Value {
        json!({"apiVersion": api_version, "kind": "Metal3Cluster", "metadata": {"name": "c", "namespace": "default"}, "spec": spec})
    }

    #[test]
    fn converts_every_object_and_keeps_the_uid() {
        let request = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "ConversionReview", "request": {
            "uid": "1234", "desiredAPIVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
            "objects": [cluster("infrastructure.cluster.x-k8s.io/v1beta1", json!({"controlPlaneEndpoint": {"host": "127.0.0.1", "port": 6443}, "noCloudProvider": true}))],
        }});
        let answer = review(&request);
        assert_eq!(answer["apiVersion"], "apiextensions.k8s.io/v1");
        assert_eq!(answer["response"]["uid"], "1234");
        assert_eq!(answer["response"]["result"]["status"], "Success");
        let converted = &answer["response"]["convertedObjects"][0];
        assert_eq!(
            converted["apiVersion"],
            "infrastructure.cluster.x-k8s.io/v1beta2"
        );
        assert_eq!(converted["spec"]["cloudProviderEnabled"], false);
    }

    #[test]
    fn a_failure_names_the_object_and_answers_in_the_reviews_version() {
        let request = json!({"apiVersion": "apiextensions.k8s.io/v1beta1", "kind": "ConversionReview", "request": {
            "uid": "5678", "desiredAPIVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
            "objects": [cluster("infrastructure.cluster.x-k8s.io/v1beta1", json!({"controlPlaneEndpoint": {"host": "127.0.0.1", "port": 99999999999i64}}))],
        }});
        let answer = review(&request);
        assert_eq!(answer["apiVersion"], "apiextensions.k8s.io/v1beta1");
        assert_eq!(answer["response"]["result"]["status"], "Failure");
        let message = answer["response"]["result"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.starts_with(
                "cannot convert Metal3Cluster \"c\" to infrastructure.cluster.x-k8s.io/v1beta2"
            ),
            "{message}"
        );
    }
}
