//! Responses every API operation can give, declared once in the OpenAPI
//! document rather than on each handler (found missing by
//! `bench/schemathesis.sh`):
//!
//! - an operation that needs a bearer token answers 401 without one;
//! - errors are problem documents, `application/problem+json` (RFC 9457),
//!   not `application/json`;
//! - a path or query parameter that does not parse as its type is refused
//!   by the extractor before the handler, with 400 and a plain-text reason.

use serde_json::{json, Value};

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
const PROBLEM: &str = "#/components/schemas/Problem";
const PROBLEM_TYPE: &str = "application/problem+json";

/// Applies the conventions to a serialised OpenAPI document.
pub fn apply(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        for method in METHODS {
            if let Some(op) = item.get_mut(method) {
                apply_to_operation(op);
            }
        }
    }
}

fn apply_to_operation(op: &mut Value) {
    // `security: [{}]` marks an operation open to anyone; without a
    // `security` of its own it takes the document's bearer requirement.
    let public = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|reqs| reqs.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())));
    let typed_params = op.get("parameters").and_then(Value::as_array).is_some_and(|ps| {
        ps.iter().any(|p| {
            matches!(p.get("in").and_then(Value::as_str), Some("path" | "query"))
                && p.pointer("/schema/type").is_some_and(|t| match t {
                    // OpenAPI 3.1 writes an optional parameter as `["integer", "null"]`.
                    Value::Array(ts) => ts.iter().any(|t| !matches!(t.as_str(), Some("string" | "null"))),
                    t => t.as_str().is_some_and(|t| t != "string"),
                })
        })
    });
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { return };
    for response in responses.values_mut() {
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else { continue };
        let is_problem =
            content.get("application/json").and_then(|c| c.pointer("/schema/$ref")).and_then(Value::as_str)
                == Some(PROBLEM);
        if is_problem {
            if let Some(c) = content.remove("application/json") {
                content.insert(PROBLEM_TYPE.into(), c);
            }
        }
    }
    if !public && !responses.contains_key("401") {
        responses.insert(
            "401".into(),
            json!({
                "description": "No bearer token, or one that is unknown or revoked",
                "content": { PROBLEM_TYPE: { "schema": { "$ref": PROBLEM } } }
            }),
        );
    }
    if typed_params {
        let plain = json!({ "schema": { "type": "string" } });
        match responses.get_mut("400") {
            Some(r) => {
                if let Some(content) = r.as_object_mut().map(|o| o.entry("content").or_insert_with(|| json!({}))) {
                    if let Some(c) = content.as_object_mut() {
                        c.entry("text/plain").or_insert(plain);
                    }
                }
            }
            None => {
                responses.insert(
                    "400".into(),
                    json!({
                        "description": "A path or query parameter that is not of its type",
                        "content": { "text/plain": plain }
                    }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_401_and_parameter_errors_are_declared() {
        let mut doc = json!({"paths": {
            "/a/{id}": {"get": {
                "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}},
                    {"name": "q", "in": "query", "schema": {"type": ["string", "null"]}}],
                "responses": {"404": {"description": "x", "content": {"application/json": {"schema": {"$ref": PROBLEM}}}}}
            }},
            "/public": {"get": {"security": [{}], "responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"type": "object"}}}}}}}
        }});
        apply(&mut doc);
        let a = &doc["paths"]["/a/{id}"]["get"]["responses"];
        assert!(a["404"]["content"][PROBLEM_TYPE].is_object() && a["404"]["content"]["application/json"].is_null());
        assert_eq!(a["401"]["content"][PROBLEM_TYPE]["schema"]["$ref"], PROBLEM);
        assert!(a["400"]["content"]["text/plain"].is_object());
        let mut optional = json!({"paths": {"/b": {"get": {"security": [{}],
            "parameters": [{"name": "year", "in": "query", "schema": {"type": ["integer", "null"]}}],
            "responses": {}}}}});
        apply(&mut optional);
        assert!(optional["paths"]["/b"]["get"]["responses"]["400"]["content"]["text/plain"].is_object());
        let p = &doc["paths"]["/public"]["get"]["responses"];
        assert!(p["401"].is_null() && p["400"].is_null(), "public, without typed parameters");
        assert!(p["200"]["content"]["application/json"].is_object(), "other bodies stay JSON");
    }
}
