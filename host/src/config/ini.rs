//! Legacy INI config files (`flytekit.config`, `~/.flyte/config`): the `[platform]` and
//! `[credentials]` sections, read with Python configparser's rules.
//!
//! A small parser of our own rather than `rust-ini`: that crate silently joins a line without
//! `=` to the next setting's name, treats an indented comment as part of a key, and lets an
//! unclosed `[section` swallow the lines after it, where configparser reports the line.

use std::{collections::HashMap, path::Path};

use super::{
    settings::{Entry, Settings, StringSource},
    ConfigError,
};

/// configparser's fallback section, whose options every section inherits.
const DEFAULT_SECTION: &str = "DEFAULT";
/// configparser's limit on nested `%(name)s` references.
const MAX_INTERPOLATION_DEPTH: usize = 10;
/// The most text one value's expansion may copy from the file: ten levels of ten references each
/// would otherwise expand to 10 GB ("billion laughs").
const MAX_INTERPOLATED: usize = 1 << 20;
/// The most `%(name)s` references one value's expansion may follow, at every depth together (a
/// value of references to empty options copies nothing, but each one costs a lookup).
const MAX_REFERENCES: usize = 1000;

/// What the expansion of one value may still do.
struct Budget {
    /// Bytes it may copy.
    bytes: usize,
    /// References it may follow.
    references: usize,
}

/// The settings in the legacy INI config file `path`, whose contents are `text`, and a warning
/// for each option of `[platform]` and `[credentials]` the host does not know.
pub(super) fn parse_with_warnings(
    path: &Path,
    text: &str,
) -> Result<(Settings, Vec<String>), ConfigError> {
    let file = IniFile::parse(path, text).map_err(|(line, message)| ConfigError::Ini {
        path: path.to_owned(),
        line,
        message,
    })?;
    let options = file.sections.iter().flat_map(|(section, s)| {
        s.options
            .iter()
            .map(move |(option, value)| (section.as_str(), option.as_str(), value.line))
    });
    let warnings = super::unknown_keys::in_ini(path, options);
    Ok((Settings::from_strings(&file)?, warnings))
}

/// One option: its value (continuation lines joined with `\n`) and the line it starts on.
struct Value {
    text: String,
    line: usize,
}

/// A section: the line of its header and its options by lower-cased name.
struct Section {
    line: usize,
    options: HashMap<String, Value>,
}

/// A parsed INI file, looked up the way configparser does.
struct IniFile<'a> {
    path: &'a Path,
    sections: HashMap<String, Section>,
}

impl<'a> IniFile<'a> {
    /// Parses `text` as configparser's `read` does; errors are (1-based line, problem).
    fn parse(path: &'a Path, text: &str) -> Result<IniFile<'a>, (usize, String)> {
        let mut parser = Parser::default();
        for (index, line) in text.lines().enumerate() {
            parser.line(index + 1, line).map_err(|m| (index + 1, m))?;
        }
        let mut sections = parser.sections;
        for value in sections.values_mut().flat_map(|s| s.options.values_mut()) {
            value.text.truncate(value.text.trim_end().len());
        }
        Ok(IniFile { path, sections })
    }

    /// `option` in `section`, else in `[DEFAULT]`; nothing if `section` itself is absent.
    fn lookup(&self, section: &str, option: &str) -> Option<&Value> {
        let own = self.sections.get(section)?;
        own.options.get(option).or_else(|| {
            self.sections
                .get(DEFAULT_SECTION)
                .and_then(|defaults| defaults.options.get(option))
        })
    }

    /// `value` with configparser's basic interpolation: `%%` is `%`, `%(name)s` is the value of
    /// option `name` in the same section. `budget` is what the expansion of the value being looked
    /// up may still do, at every depth together.
    fn interpolate(
        &self,
        section: &str,
        value: &str,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<String, String> {
        if depth > MAX_INTERPOLATION_DEPTH {
            return Err(format!(
                "`%(name)s` references nest more than {MAX_INTERPOLATION_DEPTH} deep; is there a loop?"
            ));
        }
        let mut out = String::new();
        let mut rest = value;
        while let Some(at) = rest.find('%') {
            push(&mut out, &rest[..at], budget)?;
            rest = &rest[at + 1..];
            if let Some(after) = rest.strip_prefix('%') {
                push(&mut out, "%", budget)?;
                rest = after;
            } else if let Some((name, after)) =
                rest.strip_prefix('(').and_then(|r| r.split_once(")s"))
            {
                let referenced = self.lookup(section, &name.to_lowercase()).ok_or_else(|| {
                    format!("`%({name})s` names an option that is not in [{section}] or [DEFAULT]")
                })?;
                budget.references = budget.references.checked_sub(1).ok_or_else(|| {
                    format!("it follows more than {MAX_REFERENCES} `%(name)s` references; is there a loop?")
                })?;
                out.push_str(&self.interpolate(section, &referenced.text, depth + 1, budget)?);
                rest = after;
            } else {
                return Err(
                    "a lone `%` starts an interpolation in legacy config files; \
                            write `%%` for a literal percent sign"
                        .to_owned(),
                );
            }
        }
        push(&mut out, rest, budget)?;
        Ok(out)
    }
}

/// Appends `text` to `out`, taking its length from `budget`: an error once that runs out.
fn push(out: &mut String, text: &str, budget: &mut Budget) -> Result<(), String> {
    budget.bytes = budget.bytes.checked_sub(text.len()).ok_or_else(|| {
        format!(
            "its `%(name)s` references expand to more than {} MiB of text",
            MAX_INTERPOLATED >> 20
        )
    })?;
    out.push_str(text);
    Ok(())
}

impl StringSource for IniFile<'_> {
    fn raw(&self, entry: Entry) -> Result<Option<String>, ConfigError> {
        self.lookup(entry.section, entry.option)
            .map(|value| {
                let mut budget = Budget {
                    bytes: MAX_INTERPOLATED,
                    references: MAX_REFERENCES,
                };
                self.interpolate(entry.section, &value.text, 1, &mut budget)
            })
            .transpose()
            .map_err(|message| self.invalid(entry, message))
    }

    fn invalid(&self, entry: Entry, message: String) -> ConfigError {
        ConfigError::InvalidValue {
            path: self.path.to_owned(),
            line: self.lookup(entry.section, entry.option).map(|v| v.line),
            key: format!("`{}` in [{}]", entry.option, entry.section),
            message,
        }
    }

    fn describe(&self, entry: Entry) -> String {
        format!(
            "`{}` in [{}] of `{}`",
            entry.option,
            entry.section,
            self.path.display()
        )
    }
}

/// configparser's strict reading, one line at a time: `=` or `:` between name and value, `#`
/// and `;` comments on lines of their own, lines indented deeper than a setting continue its
/// value, a section or setting given twice is an error.
#[derive(Default)]
struct Parser {
    sections: HashMap<String, Section>,
    /// The section being read.
    current: Option<String>,
    /// The setting whose value later, deeper-indented lines continue, and its indentation.
    open: Option<(String, usize)>,
}

impl Parser {
    fn line(&mut self, number: usize, line: &str) -> Result<(), String> {
        let value = line.trim();
        if value.starts_with(['#', ';']) {
            return Ok(());
        }
        if value.is_empty() {
            // Blank lines belong to an open value (trailing ones are trimmed at the end).
            if let Some(open) = self.open_value() {
                open.text.push('\n');
            }
            return Ok(());
        }
        let indent = line.len() - line.trim_start().len();
        if self.open.as_ref().is_some_and(|(_, start)| indent > *start) {
            if let Some(open) = self.open_value() {
                open.text.push('\n');
                open.text.push_str(value);
            }
            return Ok(());
        }
        match header(value) {
            Some(name) => self.start_section(number, name),
            None => self.start_setting(number, value, indent),
        }
    }

    fn open_value(&mut self) -> Option<&mut Value> {
        let (option, _) = self.open.as_ref()?;
        let section = self.sections.get_mut(self.current.as_ref()?)?;
        section.options.get_mut(option)
    }

    fn start_section(&mut self, number: usize, name: &str) -> Result<(), String> {
        if name == "internal" {
            return Err("the [internal] section is reserved for flytekit itself; remove it".into());
        }
        if let Some(first) = self.sections.get(name) {
            return Err(format!(
                "section [{name}] appears again (first on line {}); merge the two",
                first.line
            ));
        }
        let section = Section {
            line: number,
            options: HashMap::new(),
        };
        self.sections.insert(name.to_owned(), section);
        self.current = Some(name.to_owned());
        self.open = None;
        Ok(())
    }

    fn start_setting(&mut self, number: usize, value: &str, indent: usize) -> Result<(), String> {
        let Some(section) = self.current.as_ref().and_then(|c| self.sections.get_mut(c)) else {
            return Err("settings must follow a `[section]` header".into());
        };
        let Some((name, rest)) = value.split_once(['=', ':']) else {
            return Err(
                "this line is not a `[section]` header, a `key = value` setting \
                        or a `#` comment"
                    .into(),
            );
        };
        let name = name.trim_end().to_lowercase();
        if name.is_empty() {
            return Err("a setting needs a name before its `=`".into());
        }
        if let Some(first) = section.options.get(&name) {
            return Err(format!(
                "`{name}` is set again (first on line {}); keep one",
                first.line
            ));
        }
        let text = rest.trim().to_owned();
        section
            .options
            .insert(name.clone(), Value { text, line: number });
        self.open = Some((name, indent));
        Ok(())
    }
}

/// The name in a `[name]` header line: up to the last `]`, as configparser's `\[(?P<header>.+)\]`.
fn header(line: &str) -> Option<&str> {
    let inner = line.strip_prefix('[')?;
    let name = &inner[..inner.rfind(']')?];
    Some(name).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use flyte_plugin_abi::AuthMode;

    use super::*;

    fn parse_str(text: &str) -> Result<Settings, ConfigError> {
        parse_with_warnings(Path::new("/cfg/flytekit.config"), text).map(|(settings, _)| settings)
    }

    #[test]
    fn reads_platform_and_credentials() -> Result<(), ConfigError> {
        let s = parse_str(
            "# legacy flytekit config
[platform]
URL = dns:///flyte.example.com
insecure: True
insecure_skip_verify = off
console_endpoint = https://console.example.com
ca_cert_file_path = ~/ca.pem
http_proxy_url = http://proxy:3128
rpc_retries = 9

[credentials]
command = get-token,--quiet
proxy_command = proxy-token
client_id = my-client
client_secret = \"quotes stay\"
client_secret_location = /etc/secret
client_secret_env_var = MY_SECRET
scopes = all,
  offline
auth_mode = basic
audience = flyte

[sdk]
workflow_packages = a,b
",
        )?;
        assert_eq!(s.endpoint.as_deref(), Some("dns:///flyte.example.com"));
        assert_eq!(s.insecure, Some(true));
        assert_eq!(s.insecure_skip_verify, Some(false));
        assert_eq!(
            s.console_endpoint.as_deref(),
            Some("https://console.example.com")
        );
        assert_eq!(s.ca_cert_file_path.as_deref(), Some("~/ca.pem"));
        assert_eq!(s.http_proxy_url.as_deref(), Some("http://proxy:3128"));
        assert_eq!(s.rpc_retries, Some(9));
        assert_eq!(s.command, Some(vec!["get-token".into(), "--quiet".into()]));
        assert_eq!(s.proxy_command, Some(vec!["proxy-token".into()]));
        assert_eq!(s.client_id.as_deref(), Some("my-client"));
        assert_eq!(s.client_secret.as_deref(), Some("\"quotes stay\""));
        let location = s.client_secret_location.as_ref();
        assert_eq!(location.map(|l| l.path.as_str()), Some("/etc/secret"));
        assert!(location.is_some_and(|l| l.named_by.contains("client_secret_location")));
        assert_eq!(s.client_secret_env_var.as_deref(), Some("MY_SECRET"));
        assert_eq!(s.scopes, Some(vec!["all".into(), "offline".into()]));
        assert_eq!(s.auth_mode, Some(AuthMode::ClientSecret));
        assert_eq!(s.audience.as_deref(), Some("flyte"));
        Ok(())
    }

    #[test]
    fn default_section_and_interpolation_work_like_configparser() -> Result<(), ConfigError> {
        let s = parse_str(
            "[DEFAULT]
host = flyte.example.com
insecure = yes
[platform]
url = %(HOST)s:443
console_endpoint = https://%(host)s/console?q=100%%
",
        )?;
        assert_eq!(s.endpoint.as_deref(), Some("flyte.example.com:443"));
        assert_eq!(s.insecure, Some(true));
        assert_eq!(
            s.console_endpoint.as_deref(),
            Some("https://flyte.example.com/console?q=100%")
        );
        Ok(())
    }

    #[test]
    fn interpolation_that_would_explode_stops_at_its_budget() {
        // Eight levels of twenty references: 20^7 copies of `x`, 1.3 GB, unless stopped; and as
        // many references to an empty option, which copy nothing but cost a lookup each.
        let mut text = String::from("[platform]\nurl = %(a0)s\n");
        for level in 0..7 {
            text.push_str(&format!(
                "a{level} = {}\n",
                format!("%(a{})s", level + 1).repeat(20)
            ));
        }
        for last in ["a7 = x\n", "a7 =\n"] {
            let start = std::time::Instant::now();
            let (line, key, shown) = invalid(&format!("{text}{last}"));
            assert!(
                start.elapsed() < std::time::Duration::from_secs(1),
                "{shown}"
            );
            assert_eq!((line, key.as_str()), (Some(2), "`url` in [platform]"));
            assert!(
                shown.contains("more than 1000 `%(name)s` references"),
                "{shown}"
            );
        }
        // Few references to much text.
        let (_, _, shown) = invalid(&format!(
            "[platform]\nurl = %(a)s%(a)s%(a)s\na = {}\n",
            "h".repeat(400 << 10)
        ));
        assert!(shown.contains("expand to more than 1 MiB"), "{shown}");
        // A value just under the budget is fine.
        let wide = format!(
            "[credentials]\naudience = %(a)s%(a)s\na = {}\n",
            "h".repeat(400 << 10)
        );
        let audience = parse_str(&wide).map(|s| s.audience.map(|a| a.len()));
        assert_eq!(audience.ok().flatten(), Some(800 << 10));
    }

    #[test]
    fn missing_sections_leave_settings_unset() -> Result<(), ConfigError> {
        assert_eq!(parse_str("")?, Settings::default());
        assert_eq!(parse_str("[DEFAULT]\nurl = x\n")?, Settings::default());
        Ok(())
    }

    fn invalid(text: &str) -> (Option<usize>, String, String) {
        let err = parse_str(text).err();
        let shown = err.as_ref().map(ToString::to_string).unwrap_or_default();
        match err {
            Some(ConfigError::InvalidValue { line, key, .. }) => (line, key, shown),
            other => panic!("expected a bad value, got {other:?}"),
        }
    }

    #[test]
    fn bad_values_name_file_line_and_key() {
        let (line, key, shown) = invalid("[platform]\nurl = x\nInsecure = maybe\n");
        assert_eq!(line, Some(3));
        assert_eq!(key, "`insecure` in [platform]");
        assert!(shown.contains("flytekit.config` line 3"), "{shown}");
        assert!(shown.contains("maybe"), "{shown}");

        let (line, key, _) = invalid("[platform]\nrpc_retries = three\n");
        assert_eq!(
            (line, key.as_str()),
            (Some(2), "`rpc_retries` in [platform]")
        );
        let (line, key, _) = invalid("[credentials]\nauth_mode = Kerberos\n");
        assert_eq!(
            (line, key.as_str()),
            (Some(2), "`auth_mode` in [credentials]")
        );
        let (line, _, shown) = invalid("[credentials]\n\nclient_secret = 50%off\n");
        assert_eq!(line, Some(3));
        assert!(!shown.contains("50%off"), "secret leaked: {shown}");
        let (_, _, shown) = invalid("[platform]\nurl = %(nothing)s\n");
        assert!(shown.contains("nothing"), "{shown}");
        let (_, _, shown) = invalid("[platform]\nurl = %(url)s\n");
        assert!(shown.contains("loop"), "{shown}");
    }

    fn unparsable(text: &str) -> (usize, String) {
        match parse_str(text) {
            Err(e @ ConfigError::Ini { line, .. }) => (line, e.to_string()),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn unparsable_files_name_file_and_line() {
        for (text, line, says) in [
            (
                "[platform]\nurl = x\n[credentials\nclient_id = a\n",
                3,
                "not a `[section]`",
            ),
            ("[platform]\nbad line\nurl = x\n", 2, "not a `[section]`"),
            ("# top\nurl = x\n[platform]\n", 2, "follow a `[section]`"),
            ("[platform]\n= x\n", 2, "needs a name"),
            ("[platform]\nurl = x\nURL = y\n", 3, "first on line 2"),
            (
                "[platform]\n[credentials]\n[platform]\n",
                3,
                "first on line 1",
            ),
            (
                "[platform]\nurl = x\n[internal]\nfoo = 1\n",
                3,
                "[internal]",
            ),
        ] {
            let (got, shown) = unparsable(text);
            assert_eq!(got, line, "{shown}");
            assert!(shown.contains(says), "{shown}");
            assert!(
                shown.contains(&format!("flytekit.config` line {line}")),
                "{shown}"
            );
        }
    }

    #[test]
    fn comments_continuations_and_backslashes_follow_configparser() -> Result<(), ConfigError> {
        let s = parse_str(
            "[credentials]
scopes = a,
  b,

  c,
; a comment inside a value
  d
command=x:y
[platform]
  # an indented comment
ca_cert_file_path = C:\\flyte\\
",
        )?;
        assert_eq!(
            s.scopes,
            Some(vec!["a".into(), "b".into(), "c".into(), "d".into()])
        );
        assert_eq!(s.command, Some(vec!["x:y".into()]));
        assert_eq!(s.ca_cert_file_path.as_deref(), Some("C:\\flyte\\"));
        // configparser has no inline comments: `; no` stays in the value.
        let (line, _, shown) = invalid("[platform]\ninsecure = true ; no\n");
        assert_eq!(line, Some(2));
        assert!(shown.contains("true ; no"), "{shown}");
        Ok(())
    }
}
