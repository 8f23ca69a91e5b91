//! The verbs: what each request does to the store, independent of HTTP.

use std::sync::Arc;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde_json::{Value, json};

use super::admission::{Operation, Request};
use super::events;
use super::hooks::Hooks;
use super::managed_fields;
use super::objects::{self, Refusal, Target};
use super::patch::{self, PatchType};
use super::registry::{Registry, Resource, ServedVersion};
use super::request::ResourcePath;
use super::reviews;
use super::secrets;
use super::selectors::{FieldSelector, LabelSelector, labels_of};
use super::status::ApiError;
use super::store::{Change, ObjectKey, ResourceKey, Store, StoreError};
use super::structural::{apply_defaults, prune, validate, validate_cel_compiled};
use super::webhooks::WebhookCaller;

/// How a write treats fields its schema does not know (`fieldValidation`).
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// `fieldValidation=Strict`: refuse unknown fields instead of dropping them.
    pub strict_fields: bool,
    /// `dryRun=All`: admit and answer as for a real write, but store nothing.
    pub dry_run: bool,
    /// `fieldManager`: who owns the fields this write sets (server-side apply).
    pub field_manager: Option<String>,
    /// `force`: an apply takes fields other managers own.
    pub force: bool,
}

impl WriteOptions {
    fn manager(&self) -> &str {
        self.field_manager.as_deref().unwrap_or("unknown")
    }
}

/// What [`Api::write`] does to the object.
pub enum WriteKind<'a> {
    Update,
    /// A server-side apply of this body.
    Apply(&'a Value),
    Delete,
}

/// Query parameters of a list.
#[derive(Clone, Debug, Default)]
pub struct ListOptions {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
}

pub struct Api {
    pub store: Store,
    pub registry: Registry,
    pub webhooks: WebhookCaller,
    pub hooks: Hooks,
}

const CRDS: (&str, &str) = ("apiextensions.k8s.io", "customresourcedefinitions");
const NAMESPACES: (&str, &str) = ("", "namespaces");

impl Api {
    pub fn new(history_limit: usize) -> Self {
        let api = Api {
            store: Store::new(history_limit),
            registry: Registry::default(),
            webhooks: WebhookCaller::default(),
            hooks: Hooks::default(),
        };
        let namespaces = ResourceKey::new(NAMESPACES.0, NAMESPACES.1);
        for ns in ["default", "kube-system", "kube-public"] {
            let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            let target = Target::Main {
                status_subresource: true,
            };
            let object = objects::prepare_create(
                body,
                ns,
                None,
                &uuid::Uuid::new_v4().to_string(),
                &now(),
                target,
            );
            // The store is empty, so these cannot clash.
            let _ = api
                .store
                .create(&namespaces, ObjectKey::new("", ns), |_| object);
        }
        api
    }

    /// The served kind and version a path addresses.
    pub fn resolve(&self, path: &ResourcePath) -> Result<(Arc<Resource>, ServedVersion), ApiError> {
        let resource = self
            .registry
            .get(&path.group, &path.resource)
            .filter(|r| r.namespaced || path.namespace.is_none())
            .ok_or_else(|| ApiError::no_route(&describe(path)))?;
        let version = resource
            .version(&path.version)
            .cloned()
            .ok_or_else(|| ApiError::no_route(&describe(path)))?;
        if path
            .subresource
            .as_deref()
            .is_some_and(|s| s != "status" || !version.status_subresource)
        {
            return Err(ApiError::no_route(&describe(path)));
        }
        Ok((resource, version))
    }

    pub async fn get(&self, path: &ResourcePath) -> Result<Value, ApiError> {
        let (resource, _) = self.resolve(path)?;
        let name = path.name.as_deref().unwrap_or_default();
        let stored = self
            .store
            .get(&resource.storage_key(), &object_key(path, name))
            .ok_or_else(|| ApiError::not_found(&resource.group, &resource.plural, name))?;
        self.present(&resource, (*stored).clone(), &path.version)
            .await
    }

    pub async fn list(
        &self,
        path: &ResourcePath,
        options: &ListOptions,
    ) -> Result<Value, ApiError> {
        let (resource, _) = self.resolve(path)?;
        let labels = LabelSelector::parse(options.label_selector.as_deref().unwrap_or_default())
            .map_err(ApiError::bad_request)?;
        let fields = FieldSelector::parse(options.field_selector.as_deref().unwrap_or_default())
            .map_err(ApiError::bad_request)?;
        let (objects, revision) = self
            .store
            .list(&resource.storage_key(), path.namespace.as_deref());
        let start_after = options
            .continue_token
            .as_deref()
            .map(decode_continue)
            .transpose()?;
        let mut matching = objects
            .into_iter()
            .filter(|o| {
                start_after
                    .as_ref()
                    .is_none_or(|after| &sort_key(o) > after)
            })
            .filter(|o| labels.matches(&labels_of(o)) && fields.matches(o));
        let limit = options.limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
        let mut items = Vec::new();
        for object in matching.by_ref().take(limit) {
            items.push(
                self.present(&resource, (*object).clone(), &path.version)
                    .await?,
            );
        }
        let mut metadata = json!({"resourceVersion": revision.to_string()});
        if let (Some(last), true) = (items.last(), matching.next().is_some()) {
            metadata["continue"] = json!(encode_continue(&sort_key(last)));
        }
        Ok(json!({
            "apiVersion": resource.api_version(&path.version),
            "kind": format!("{}List", resource.kind),
            "metadata": metadata,
            "items": items,
        }))
    }

    pub async fn create(
        &self,
        path: &ResourcePath,
        body: Value,
        options: WriteOptions,
    ) -> Result<Value, ApiError> {
        if reviews::is_review(&path.group, &path.resource) {
            let (resource, _) = self.resolve(path)?;
            check_kind(&resource, &path.version, &body)?;
            return Ok(reviews::answer(&self.store, &path.group, body));
        }
        self.create_as(path, body, options, false).await
    }

    /// A create; `applied` when server-side apply creates the object (its manager then owns
    /// the fields as an apply).
    async fn create_as(
        &self,
        path: &ResourcePath,
        body: Value,
        options: WriteOptions,
        applied: bool,
    ) -> Result<Value, ApiError> {
        let (resource, version) = self.resolve(path)?;
        check_kind(&resource, &path.version, &body)?;
        let name = match (
            body["metadata"]["name"].as_str(),
            body["metadata"]["generateName"].as_str(),
        ) {
            (Some(name), _) if !name.is_empty() => name.to_owned(),
            (_, Some(prefix)) if !prefix.is_empty() => objects::generate_name(prefix),
            _ => {
                return Err(ApiError::invalid(
                    &resource.group,
                    &resource.kind,
                    "",
                    &[required("metadata.name")],
                ));
            }
        };
        let namespaces = ResourceKey::new(NAMESPACES.0, NAMESPACES.1);
        if let Some(ns) = path.namespace.as_deref().filter(|ns| {
            self.store
                .get(&namespaces, &ObjectKey::new("", ns))
                .is_none()
        }) {
            return Err(ApiError::not_found("", "namespaces", ns));
        }
        let target = Target::Main {
            status_subresource: version.status_subresource,
        };
        let object = objects::prepare_create(
            body,
            &name,
            path.namespace.as_deref(),
            &uuid::Uuid::new_v4().to_string(),
            &now(),
            target,
        );
        let request = Request {
            resource: &resource,
            version: &path.version,
            subresource: None,
            namespace: path.namespace.as_deref(),
            name: &name,
            operation: Operation::Create,
            dry_run: options.dry_run,
        };
        let object = self
            .admission_chain(&request, &version, object, None, &options)
            .await?;
        let applied_body = applied.then(|| object.clone());
        let object = self.owned(
            &json!({}),
            object,
            applied_body.as_ref(),
            &options,
            &resource,
            &path.version,
        );
        let stored = self.to_storage(&resource, object).await?;
        if options.dry_run {
            if self
                .store
                .get(&resource.storage_key(), &object_key(path, &name))
                .is_some()
            {
                return Err(ApiError::already_exists(
                    &resource.group,
                    &resource.plural,
                    &name,
                ));
            }
            return self.present(&resource, stored, &path.version).await;
        }
        let created = self
            .store
            .create(&resource.storage_key(), object_key(path, &name), |_| stored)
            .map_err(|_| ApiError::already_exists(&resource.group, &resource.plural, &name))?;
        self.after_write(&resource, Some(&created), None);
        self.present(&resource, (*created).clone(), &path.version)
            .await
    }

    /// PUT of an object or its status.
    pub async fn update(
        &self,
        path: &ResourcePath,
        body: Value,
        options: WriteOptions,
    ) -> Result<Value, ApiError> {
        let (resource, version) = self.resolve(path)?;
        check_kind(&resource, &path.version, &body)?;
        let name = path.name.clone().unwrap_or_default();
        if body["metadata"]["name"].as_str().is_some_and(|n| n != name) {
            return Err(ApiError::bad_request(
                "the name of the object does not match the name on the URL",
            ));
        }
        let target = write_target(path, &version);
        self.write(
            path,
            &resource,
            &version,
            WriteKind::Update,
            options,
            |current| objects::prepare_update(current, body, target),
        )
        .await
    }

    /// Read-modify-write of one object: `modify` gets the stored object in the request's
    /// version and returns the change to make.
    pub async fn write(
        &self,
        path: &ResourcePath,
        resource: &Arc<Resource>,
        version: &ServedVersion,
        kind: WriteKind<'_>,
        options: WriteOptions,
        modify: impl FnOnce(&Value) -> Result<Change, Refusal>,
    ) -> Result<Value, ApiError> {
        let (operation, applied) = match kind {
            WriteKind::Update => (Operation::Update, None),
            WriteKind::Apply(body) => (Operation::Update, Some(body)),
            WriteKind::Delete => (Operation::Delete, None),
        };
        let name = path.name.clone().unwrap_or_default();
        let key = object_key(path, &name);
        let current = self
            .store
            .get(&resource.storage_key(), &key)
            .ok_or_else(|| ApiError::not_found(&resource.group, &resource.plural, &name))?;
        let current_in_version = self
            .present(resource, (*current).clone(), &path.version)
            .await?;
        let request = Request {
            resource,
            version: &path.version,
            subresource: path.subresource.as_deref(),
            namespace: path.namespace.as_deref(),
            name: &name,
            operation,
            dry_run: options.dry_run,
        };
        if operation == Operation::Delete {
            self.validate_admission(&request, None, Some(&current_in_version))
                .await?;
        }
        let change =
            modify(&current_in_version).map_err(|refusal| refused(resource, &name, refusal))?;
        let change = match change {
            // A delete that only marks the object is not an update to admit again.
            Change::Replace(object) if operation == Operation::Delete => {
                Change::Replace(self.to_storage(resource, object).await?)
            }
            Change::Replace(object) => {
                let admitted = self
                    .admission_chain(
                        &request,
                        version,
                        object,
                        Some(&current_in_version),
                        &options,
                    )
                    .await?;
                let admitted = self.owned(
                    &current_in_version,
                    admitted,
                    applied,
                    &options,
                    resource,
                    &path.version,
                );
                Change::Replace(self.to_storage(resource, admitted).await?)
            }
            other => other,
        };
        if options.dry_run {
            return match change {
                Change::Replace(object) => self.present(resource, object, &path.version).await,
                Change::Keep | Change::Delete => {
                    self.present(resource, (*current).clone(), &path.version)
                        .await
                }
            };
        }
        let expected_rv = current["metadata"]["resourceVersion"].clone();
        let written = self
            .store
            .update(&resource.storage_key(), &key, |latest, _| {
                // Another write landed since we read: the client retries, as with a real server.
                if latest["metadata"]["resourceVersion"] == expected_rv {
                    Ok(change)
                } else {
                    Err(StoreError::Conflict)
                }
            })
            .map_err(|e| match e {
                StoreError::NotFound => {
                    ApiError::not_found(&resource.group, &resource.plural, &name)
                }
                StoreError::Conflict => {
                    ApiError::conflict(&resource.group, &resource.plural, &name, &e.to_string())
                }
                other => ApiError::internal(other.to_string()),
            })?;
        self.after_write(resource, written.as_deref(), Some(&current));
        match written {
            Some(object) => {
                self.present(resource, (*object).clone(), &path.version)
                    .await
            }
            None => {
                self.present(resource, (*current).clone(), &path.version)
                    .await
            }
        }
    }

    /// PATCH of an object or its status; server-side apply creates a missing object.
    pub async fn patch(
        &self,
        path: &ResourcePath,
        patch_type: PatchType,
        body: &Value,
        options: WriteOptions,
    ) -> Result<Value, ApiError> {
        let (resource, version) = self.resolve(path)?;
        let name = path.name.clone().unwrap_or_default();
        if patch_type == PatchType::Apply
            && self
                .store
                .get(&resource.storage_key(), &object_key(path, &name))
                .is_none()
        {
            let mut object = body.clone();
            object["metadata"]["name"] = json!(name);
            let collection = ResourcePath {
                name: None,
                subresource: None,
                ..path.clone()
            };
            return self.create_as(&collection, object, options, true).await;
        }
        let target = write_target(path, &version);
        let (manager, force) = (options.manager().to_owned(), options.force);
        let applying = patch_type == PatchType::Apply;
        self.write(
            path,
            &resource,
            &version,
            if applying {
                WriteKind::Apply(body)
            } else {
                WriteKind::Update
            },
            options,
            |current| {
                if applying && !force {
                    let found = managed_fields::conflicts(
                        &managed_fields::decode(current),
                        current,
                        body,
                        &manager,
                    );
                    if !found.is_empty() {
                        return Err(Refusal::ApplyConflict(managed_fields::conflict_message(
                            &found,
                        )));
                    }
                }
                let mut patched = current.clone();
                patch::apply(&mut patched, patch_type, body).map_err(Refusal::Patch)?;
                objects::prepare_update(current, patched, target)
            },
        )
        .await
    }

    pub async fn delete(&self, path: &ResourcePath, options: &Value) -> Result<Value, ApiError> {
        let (resource, version) = self.resolve(path)?;
        let stamp = now();
        let dry_run = options["dryRun"]
            .as_array()
            .is_some_and(|d| d.iter().any(|v| v == "All"));
        let write = WriteOptions {
            dry_run,
            ..WriteOptions::default()
        };
        self.write(
            path,
            &resource,
            &version,
            WriteKind::Delete,
            write,
            |current| objects::prepare_delete(current, options, &stamp),
        )
        .await
    }

    /// `new` with its field ownership after this write (`metadata.managedFields`).
    fn owned(
        &self,
        old: &Value,
        mut new: Value,
        applied: Option<&Value>,
        options: &WriteOptions,
        resource: &Resource,
        version: &str,
    ) -> Value {
        let entries = managed_fields::record(
            managed_fields::decode(old),
            old,
            &new,
            applied,
            options.manager(),
            &resource.api_version(version),
            &now(),
        );
        new["metadata"]["managedFields"] = managed_fields::encode(&entries);
        new
    }

    /// Mutating webhooks, then the schema (custom resources), then validating webhooks.
    async fn admission_chain(
        &self,
        request: &Request<'_>,
        version: &ServedVersion,
        object: Value,
        old: Option<&Value>,
        options: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let object = self.mutate(request, object, old).await?;
        let object = self.admit(
            request.resource,
            version,
            request.name,
            object,
            old,
            options,
        )?;
        self.validate_admission(request, Some(&object), old).await?;
        Ok(object)
    }

    /// The path of a stored object, in its kind's storage version.
    pub fn path_of(&self, resource: &ResourceKey, key: &ObjectKey) -> Option<ResourcePath> {
        let served = self.registry.get(&resource.group, &resource.resource)?;
        Some(ResourcePath {
            group: served.group.clone(),
            version: served.storage_version.clone(),
            namespace: (!key.namespace.is_empty()).then(|| key.namespace.clone()),
            resource: served.plural.clone(),
            name: Some(key.name.clone()),
            subresource: None,
        })
    }

    /// Custom resources: prune, default, validate against the schema, then CEL.
    fn admit(
        &self,
        resource: &Resource,
        version: &ServedVersion,
        name: &str,
        mut object: Value,
        old: Option<&Value>,
        options: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let Some(schema) = &version.schema else {
            return Ok(object);
        };
        let pruned = prune(&mut object, schema);
        if options.strict_fields && !pruned.is_empty() {
            let unknown: Vec<String> = pruned
                .iter()
                .map(|p| format!("unknown field \"{p}\""))
                .collect();
            return Err(ApiError::bad_request(format!(
                "{kind} in version \"{v}\" cannot be handled as a {kind}: strict decoding error: {}",
                unknown.join(", "),
                kind = resource.kind,
                v = version.name,
            )));
        }
        apply_defaults(&mut object, schema);
        let mut errors = validate(&object, schema);
        if let (true, Some(cel)) = (errors.is_empty(), &version.cel) {
            errors = validate_cel_compiled(&object, old, cel);
        }
        if errors.is_empty() {
            Ok(object)
        } else {
            Err(ApiError::invalid(
                &resource.group,
                &resource.kind,
                name,
                &errors,
            ))
        }
    }

    async fn to_storage(&self, resource: &Resource, object: Value) -> Result<Value, ApiError> {
        if events::is_events_view(&resource.group, &resource.plural) {
            return Ok(events::to_core(object)); // both Event views are stored as core Events
        }
        if secrets::is_secret(&resource.group, &resource.plural) {
            return Ok(secrets::merge_string_data(object));
        }
        self.convert(resource, object, &resource.storage_version)
            .await
    }

    /// A stored object as a client of `version` sees it: converted, with apiVersion and kind.
    pub async fn present(
        &self,
        resource: &Resource,
        object: Value,
        version: &str,
    ) -> Result<Value, ApiError> {
        let mut object = if events::is_events_view(&resource.group, &resource.plural) {
            events::from_core(object)
        } else {
            self.convert(resource, object, version).await?
        };
        object["apiVersion"] = json!(resource.api_version(version));
        object["kind"] = json!(resource.kind);
        Ok(object)
    }

    async fn convert(
        &self,
        resource: &Resource,
        mut object: Value,
        version: &str,
    ) -> Result<Value, ApiError> {
        let desired = resource.api_version(version);
        if object["apiVersion"].as_str() == Some(desired.as_str()) {
            return Ok(object);
        }
        let Some(webhook) = &resource.conversion_webhook else {
            object["apiVersion"] = json!(desired);
            return Ok(object);
        };
        self.webhooks
            .convert(webhook, object, &desired)
            .await
            .map_err(|e| {
                ApiError::internal(format!(
                    "conversion webhook for {}.{} failed: {e}",
                    resource.plural, resource.group
                ))
            })
    }

    /// Keeps the registry in step with CRD writes.
    fn after_write(
        &self,
        resource: &Resource,
        written: Option<&Value>,
        before: Option<&Arc<Value>>,
    ) {
        if (resource.group.as_str(), resource.plural.as_str()) != CRDS {
            return;
        }
        match written
            .or(before.map(|b| &**b))
            .map(|o| serde_json::from_value::<CustomResourceDefinition>(o.clone()))
        {
            Some(Ok(crd)) if written.is_some() => self.registry.serve_crd(&crd),
            Some(Ok(crd)) => self.registry.remove_crd(&crd),
            _ => {}
        }
    }
}

/// What an update or patch of `path` may change: the object, or only its status.
fn write_target(path: &ResourcePath, version: &ServedVersion) -> Target {
    match path.subresource {
        Some(_) => Target::Status,
        None => Target::Main {
            status_subresource: version.status_subresource,
        },
    }
}

fn object_key(path: &ResourcePath, name: &str) -> ObjectKey {
    ObjectKey::new(path.namespace.as_deref().unwrap_or_default(), name)
}

fn check_kind(resource: &Resource, version: &str, body: &Value) -> Result<(), ApiError> {
    let expected = resource.api_version(version);
    match (body["apiVersion"].as_str(), body["kind"].as_str()) {
        (Some(v), Some(k)) if v == expected && k == resource.kind => Ok(()),
        (None, None) => Ok(()),
        (v, k) => Err(ApiError::bad_request(format!(
            "the API version in the data ({}) does not match the expected API version ({expected}), or the kind ({}) is not {}",
            v.unwrap_or_default(),
            k.unwrap_or_default(),
            resource.kind
        ))),
    }
}

fn refused(resource: &Resource, name: &str, refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Conflict(why) => ApiError::conflict(&resource.group, &resource.plural, name, &why),
        Refusal::ApplyConflict(message) => ApiError::apply_conflict(message),
        Refusal::Patch(why) => ApiError::unprocessable(format!(
            "the server rejected our request due to an error in our request: {why}"
        )),
        Refusal::Invalid(field, message) => {
            let error = super::structural::FieldError {
                path: super::structural::FieldPath::from_dotted(&field),
                kind: super::structural::ErrorKind::Forbidden,
                value: None,
                detail: message,
            };
            ApiError::invalid(&resource.group, &resource.kind, name, &[error])
        }
    }
}

fn required(field: &str) -> super::structural::FieldError {
    super::structural::FieldError {
        path: super::structural::FieldPath::from_dotted(field),
        kind: super::structural::ErrorKind::Required,
        value: None,
        detail: "name or generateName is required".into(),
    }
}

fn sort_key(object: &Value) -> String {
    format!(
        "{}/{}",
        object["metadata"]["namespace"].as_str().unwrap_or_default(),
        object["metadata"]["name"].as_str().unwrap_or_default()
    )
}

/// Continue tokens are opaque to clients; ours is the last returned key, hex-encoded.
fn encode_continue(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_continue(token: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::bad_request("continue key is not valid");
    let bytes: Result<Vec<u8>, _> = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .map_or(Err(()), |h| u8::from_str_radix(h, 16).map_err(|_| ()))
        })
        .collect();
    String::from_utf8(bytes.map_err(|_| invalid())?).map_err(|_| invalid())
}

fn describe(path: &ResourcePath) -> String {
    let mut s = format!("{}/{} {}", path.group, path.version, path.resource);
    if let Some(sub) = &path.subresource {
        s.push('/');
        s.push_str(sub);
    }
    s
}

pub fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
