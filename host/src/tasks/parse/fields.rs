//! The fields of a task that need more than a type check: inputs and outputs, secrets, retries,
//! timeout, resources and the cache settings.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::{Indexed, Keyed, Task, Value, CACHE_FIELDS, SECRET_FIELDS};
use crate::tasks::{
    error::TaskError,
    spec::{CacheOn, CacheSpec, Mount, Resource, Resources, SecretSpec, VarType, Variable},
    values,
};

impl Task<'_> {
    pub(super) fn retries(&self, value: &Value<'_>) -> Result<u32, TaskError> {
        let DeValue::Integer(n) = value.get_ref() else {
            return Err(self.wrong_type(value, &"retries", "a whole number"));
        };
        i64::from_str_radix(n.as_str(), n.radix())
            .ok()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                self.err(
                    value.span(),
                    &"retries",
                    format!("must be between 0 and {} (found {n})", u32::MAX),
                )
            })
    }

    pub(super) fn timeout(&self, value: &Value<'_>) -> Result<u64, TaskError> {
        let seconds = match value.get_ref() {
            DeValue::String(s) => values::duration(s),
            DeValue::Integer(n) => i64::from_str_radix(n.as_str(), n.radix())
                .ok()
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| "must be more than zero".to_owned())
                .and_then(values::positive),
            _ => {
                return Err(self.wrong_type(value, &"timeout", "a duration such as \"10m\""));
            }
        };
        seconds.map_err(|m| self.err(value.span(), &"timeout", m))
    }

    pub(super) fn resources(&self, value: Option<&Value<'_>>) -> Result<Resources, TaskError> {
        let mut resources = Resources::default();
        let Some(value) = value else {
            return Ok(resources);
        };
        let table = self.table(value, &"resources")?;
        let names: Vec<&str> = Resource::ALL.iter().map(|(n, _)| *n).collect();
        self.known_keys(table, Some(&"resources"), &names)?;
        for (name, resource) in Resource::ALL {
            let Some(v) = table.get(name) else {
                continue;
            };
            let path = Keyed(&"resources", name);
            match v.get_ref() {
                DeValue::Array(pair) => {
                    let [request, limit] = pair.as_ref() else {
                        return Err(self.err(
                            v.span(),
                            &path,
                            "must be a quantity, or a [request, limit] pair",
                        ));
                    };
                    resources
                        .requests
                        .push((resource, self.quantity(request, &Indexed(&path, 0))?));
                    resources
                        .limits
                        .push((resource, self.quantity(limit, &Indexed(&path, 1))?));
                }
                _ => resources
                    .requests
                    .push((resource, self.quantity(v, &path)?)),
            }
        }
        Ok(resources)
    }

    fn quantity(&self, value: &Value<'_>, field: super::Field<'_>) -> Result<String, TaskError> {
        let text = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(n) if n.radix() == 10 => n.as_str().to_owned(),
            DeValue::Float(f) => f.as_str().to_owned(),
            _ => return Err(self.wrong_type(value, field, "a quantity such as \"2Gi\"")),
        };
        values::quantity(&text).map_err(|m| self.err(value.span(), field, m))?;
        Ok(text)
    }

    pub(super) fn cache(
        &self,
        table: &DeTable<'_>,
        inputs: &[Variable],
    ) -> Result<CacheSpec, TaskError> {
        let serialize = table
            .get("cache_serialize")
            .map(|v| Ok::<_, TaskError>((self.boolean(v, &"cache_serialize")?, v.span())))
            .transpose()?;
        let Some(value) = table.get("cache") else {
            if let Some((_, span)) = serialize {
                return Err(self.err(
                    span,
                    &"cache_serialize",
                    "needs caching on: add `cache = true`",
                ));
            }
            return Ok(CacheSpec::Off { declared: false });
        };
        let location = self.locate(value.span().start);
        let mut on = CacheOn {
            version: None,
            salt: String::new(),
            policies: None,
            serialize: serialize.as_ref().is_some_and(|(s, _)| *s),
            ignored_inputs: Vec::new(),
            location,
        };
        match value.get_ref() {
            DeValue::Boolean(false) => {
                if let Some((_, span)) = serialize {
                    return Err(self.err(
                        span,
                        &"cache_serialize",
                        "needs caching on, but `cache = false`",
                    ));
                }
                return Ok(CacheSpec::Off { declared: true });
            }
            DeValue::Boolean(true) => {}
            DeValue::Table(cache) => {
                self.known_keys(cache, Some(&"cache"), CACHE_FIELDS)?;
                on.version = cache
                    .get("version")
                    .map(|v| self.non_empty(v, &"cache.version"))
                    .transpose()?;
                if let Some(v) = cache.get("salt") {
                    on.salt = self.string(v, &"cache.salt")?;
                }
                on.policies = cache
                    .get("policies")
                    .map(|v| self.policies(v))
                    .transpose()?;
                if let Some(v) = cache.get("serialize") {
                    if let Some((_, span)) = serialize {
                        return Err(self.err(
                            span,
                            &"cache_serialize",
                            "is set twice: here and as `cache.serialize`; keep one",
                        ));
                    }
                    on.serialize = self.boolean(v, &"cache.serialize")?;
                }
                if let Some(v) = cache.get("ignored_inputs") {
                    on.ignored_inputs = self.ignored_inputs(v, inputs)?;
                }
            }
            _ => {
                return Err(self.wrong_type(
                    value,
                    &"cache",
                    "true, false or a table such as { version = \"1\" }",
                ))
            }
        }
        Ok(CacheSpec::On(on))
    }

    fn policies(&self, value: &Value<'_>) -> Result<Vec<String>, TaskError> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(value, &"cache.policies", "an array of policy names"));
        };
        let mut names: Vec<String> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let field = Indexed(&"cache.policies", i);
            let name = self.non_empty(item, &field)?;
            if names.contains(&name) {
                return Err(self.err(item.span(), &field, format!("names '{name}' twice")));
            }
            names.push(name);
        }
        Ok(names)
    }

    fn ignored_inputs(
        &self,
        value: &Value<'_>,
        inputs: &[Variable],
    ) -> Result<Vec<String>, TaskError> {
        const FIELD: &str = "cache.ignored_inputs";
        // Each name, where it is, and its index when the value is an array.
        let items: Vec<(String, Range<usize>, Option<usize>)> = match value.get_ref() {
            DeValue::String(s) => vec![(s.to_string(), value.span(), None)],
            DeValue::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let name = self.string(item, &Indexed(&FIELD, i))?;
                    Ok((name, item.span(), Some(i)))
                })
                .collect::<Result<_, TaskError>>()?,
            _ => return Err(self.wrong_type(value, &FIELD, "an array of input names")),
        };
        let names: Vec<&str> = inputs.iter().map(|v| v.name.as_str()).collect();
        let mut ignored = Vec::with_capacity(items.len());
        for (name, span, index) in items {
            if !names.contains(&name.as_str()) {
                let known = if names.is_empty() {
                    "the task has no inputs".to_owned()
                } else {
                    format!("inputs: {}", names.join(", "))
                };
                let message = format!(
                    "names '{name}', which is not an input{} ({known})",
                    crate::text::did_you_mean(&name, &names)
                );
                return Err(match index {
                    Some(i) => self.err(span, &Indexed(&FIELD, i), message),
                    None => self.err(span, &FIELD, message),
                });
            }
            if !ignored.contains(&name) {
                ignored.push(name);
            }
        }
        Ok(ignored)
    }

    pub(super) fn variables(
        &self,
        value: Option<&Value<'_>>,
        field: &str,
    ) -> Result<Vec<Variable>, TaskError> {
        let Some(value) = value else {
            return Ok(Vec::new());
        };
        let mut entries: Vec<_> = self.table(value, &field)?.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        entries
            .into_iter()
            .map(|(key, kind)| {
                let name = key.get_ref().to_string();
                let path = Keyed(&field, &name);
                values::identifier(&name).map_err(|m| self.err(key.span(), &path, m))?;
                let spelled = self.string(kind, &path)?;
                let names: Vec<&str> = VarType::ALL.iter().map(|(n, _)| *n).collect();
                let kind = VarType::parse(&spelled).ok_or_else(|| {
                    self.err(
                        kind.span(),
                        &path,
                        format!(
                            "has the unknown type '{spelled}'{} Types: {}",
                            crate::text::did_you_mean_or_period(&spelled, &names),
                            names.join(", ")
                        ),
                    )
                })?;
                Ok(Variable { name, kind })
            })
            .collect()
    }

    /// `env = { NAME = "value" }`: string values, names that a process environment can hold.
    pub(super) fn env(
        &self,
        value: Option<&Value<'_>>,
    ) -> Result<Vec<(String, String)>, TaskError> {
        let Some(value) = value else {
            return Ok(Vec::new());
        };
        let mut entries: Vec<_> = self.table(value, &"env")?.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        entries
            .into_iter()
            .map(|(key, value)| {
                let name = key.get_ref().to_string();
                let path = Keyed(&"env", &name);
                if name.is_empty() || name.contains(['=', '\0']) {
                    return Err(self.err(
                        key.span(),
                        &path,
                        "is not an environment variable name: it is empty or holds '=' or NUL",
                    ));
                }
                Ok((name.clone(), self.string(value, &path)?))
            })
            .collect()
    }

    pub(super) fn secrets(&self, value: Option<&Value<'_>>) -> Result<Vec<SecretSpec>, TaskError> {
        let Some(value) = value else {
            return Ok(Vec::new());
        };
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(value, &"secrets", "an array of tables"));
        };
        let mut secrets = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = Indexed(&"secrets", i);
            let table = self.table(item, &path)?;
            self.known_keys(table, Some(&path), SECRET_FIELDS)?;
            let text = |key: &str| {
                table
                    .get(key)
                    .map(|v| self.non_empty(v, &Keyed(&path, key)))
                    .transpose()
            };
            let mount = match table.get("mount") {
                None => Mount::Any,
                Some(v) => {
                    let spelled = self.string(v, &Keyed(&path, "mount"))?;
                    Mount::ALL
                        .iter()
                        .find(|(n, _)| *n == spelled)
                        .map(|(_, m)| *m)
                        .ok_or_else(|| {
                            let names: Vec<&str> = Mount::ALL.iter().map(|(n, _)| *n).collect();
                            self.err(
                                v.span(),
                                &Keyed(&path, "mount"),
                                format!("must be {} (found '{spelled}')", values::one_of(&names)),
                            )
                        })?
                }
            };
            let secret = SecretSpec {
                group: text("group")?,
                key: text("key")?,
                group_version: text("group_version")?,
                mount,
                location: self.locate(item.span().start),
            };
            if secret.group.is_none() && secret.key.is_none() {
                return Err(self.err(item.span(), &path, "needs a `key` (and usually a `group`)"));
            }
            secrets.push(secret);
        }
        Ok(secrets)
    }
}
