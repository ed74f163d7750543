//! Applies what `configure_pyflyte_cli` returned to the command tree, one layer of the plugin
//! stack at a time, bottom-up: new commands and groups, explicit replacements, hidden commands,
//! aliases and changed option defaults. Each layer sees (and may change) what the layers below it
//! added, like successive changes to one click group.
//!
//! Nonsense (an empty name, clashing or ill-typed arguments) is an error of the hook. A clash with
//! a built-in or with a lower layer's command, or an edit of a command this host does not have,
//! is not: the lower command wins unless the upper one says it replaces it, and the clash is
//! reported by `plugin show` and `plugin check`.

use std::{
    collections::{HashMap, HashSet},
    hash::{BuildHasherDefault, Hasher},
};

use abi_stable::std_types::{RString, RVec};
use flyte_plugin_abi::{
    cli::CommandHandlerBox,
    types::{FfiArg, FfiCliChanges, FfiCommand, FfiEdit, FfiEditKind},
};

use super::{
    args::{check_args, check_value},
    tree::{Kind, Node},
};

/// A command or group the plugin added, kept in the plugin's own strings and vectors (a plugin
/// may declare a thousand commands; copying them would cost more than the rest of start-up).
pub(crate) struct PluginCommand {
    /// The path of its group, e.g. `["acme"]`; empty at the top level.
    pub parent: RVec<RString>,
    /// Its name, e.g. `deploy`.
    pub name: RString,
    /// One-line help.
    pub about: RString,
    /// Its arguments as declared (defaults possibly changed by edits).
    pub args: RVec<FfiArg>,
    /// What runs it; `None` for a group.
    pub handler: Option<CommandHandlerBox>,
    /// The layer that added it (its index in the stack, top = 0).
    pub layer: usize,
    /// Replaced by an upper layer's command: no longer in the tree.
    pub replaced: bool,
}

impl PluginCommand {
    /// Its path as words, e.g. `acme deploy`.
    pub(crate) fn path_text(&self) -> String {
        PathText::of(&self.parent, &self.name).to_string()
    }

    /// Its path, e.g. `["acme", "deploy"]`.
    pub(crate) fn path(&self) -> RVec<RString> {
        let mut path = self.parent.clone();
        path.push(self.name.clone());
        path
    }

    /// Whether its path is `path`.
    pub(crate) fn is_at(&self, path: &[String]) -> bool {
        path.split_last().is_some_and(|(name, parent)| {
            self.name.as_str() == name
                && parent
                    .iter()
                    .map(String::as_str)
                    .eq(self.parent.iter().map(RString::as_str))
        })
    }
}

/// A change one layer made to the CLI, for `plugin show`.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    /// The layer's name.
    pub layer: String,
    /// The command's path, e.g. `acme deploy` (`(top level)` for the root).
    pub path: String,
    /// What it did: `added`, `replaced`, `hid`, `aliased as x`, `set --opt default to v`.
    pub action: String,
}

/// What the plugin stack's CLI changes amounted to.
#[derive(Default)]
pub(crate) struct Extension {
    /// Whether any layer overrides `configure_pyflyte_cli` at all.
    pub overridden: bool,
    /// How help texts name the plugins that added commands.
    pub plugin_label: String,
    /// The layers' commands and groups, indexed by [`Kind::Plugin`].
    pub commands: Vec<PluginCommand>,
    /// Built-in (or lower layers') commands a layer replaced explicitly.
    pub replaced: Vec<String>,
    /// Clashes and edits of missing commands, kept out of the CLI.
    pub conflicts: Vec<String>,
    /// Every change, by layer, in the order applied (bottom layer first).
    pub changes: Vec<Change>,
}

/// Whether `name` can be a command, alias or argument name.
pub(super) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// A command path for messages: `acme deploy`, or `(top level)`.
struct PathText<'a, S> {
    parent: &'a [S],
    name: Option<&'a str>,
}

impl<S> Clone for PathText<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for PathText<'_, S> {}

impl<'a, S: AsRef<str>> PathText<'a, S> {
    /// The path of a group or command given as a whole.
    fn new(path: &'a [S]) -> Self {
        PathText {
            parent: path,
            name: None,
        }
    }

    /// The path of command `name` in group `parent`.
    fn of(parent: &'a [S], name: &'a str) -> Self {
        PathText {
            parent,
            name: Some(name),
        }
    }
}

impl<S: AsRef<str>> std::fmt::Display for PathText<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut words = self.parent.iter().map(AsRef::as_ref).chain(self.name);
        let Some(first) = words.next() else {
            return f.write_str("(top level)");
        };
        f.write_str(first)?;
        words.try_for_each(|w| write!(f, " {w}"))
    }
}

impl Extension {
    /// The paths of the commands and groups the layers added, e.g. `acme deploy`.
    pub(crate) fn added(&self) -> Vec<String> {
        self.live().map(PluginCommand::path_text).collect()
    }

    /// The layers' commands still in the tree (not replaced by an upper layer).
    pub(crate) fn live(&self) -> impl Iterator<Item = &PluginCommand> {
        self.commands.iter().filter(|c| !c.replaced)
    }
}

/// Who is changing the CLI: a layer of the stack.
pub(crate) struct Applier<'a> {
    /// Its index in the stack, top = 0.
    pub layer: usize,
    /// Its name.
    pub name: &'a str,
    /// Whether the stack has other layers (then conflicts name the layer).
    pub stacked: bool,
}

impl Applier<'_> {
    fn conflict(&self, ext: &mut Extension, message: String) {
        ext.conflicts.push(if self.stacked {
            format!("{}: {message}", self.name)
        } else {
            message
        });
    }

    fn record(&self, ext: &mut Extension, path: String, action: String) {
        ext.changes.push(Change {
            layer: self.name.to_owned(),
            path,
            action,
        });
    }
}

/// Applies `changes`, what layer `by` declared, to `root`, recording into `ext`. `Err` is a
/// message for an invalid-value error of the hook.
pub(crate) fn apply(
    root: &mut Node,
    changes: FfiCliChanges,
    ext: &mut Extension,
    by: &Applier<'_>,
) -> Result<(), String> {
    ext.commands.reserve(changes.commands.len());
    // Nearly all plugin commands go to the top level.
    root.children.reserve(changes.commands.len());
    let mut taken = Taken::new(changes.commands.len());
    let record = changes.commands.len() <= RECORDED_COMMANDS;
    for command in changes.commands {
        add_command(root, command, ext, &mut taken, by, record)?;
    }
    for edit in changes.edits {
        apply_edit(root, edit, ext, by)?;
    }
    Ok(())
}

/// A layer adding more commands than this records none of them as changes: `plugin show` lists
/// them as added anyway, and start-up must not pay for a thousand records.
const RECORDED_COMMANDS: usize = 64;

/// The names (and aliases) in use under each group, so adding n commands costs O(n), not O(n²).
struct Taken {
    /// The top level, where nearly all plugin commands go, kept apart from the hashed paths.
    top: Option<NameSet>,
    groups: HashMap<Vec<RString>, NameSet>,
    /// How many commands the plugin declares: the top level is sized for them up front.
    expected: usize,
}

impl Taken {
    fn new(expected: usize) -> Taken {
        Taken {
            top: None,
            groups: HashMap::new(),
            expected,
        }
    }

    fn under(&mut self, parent: &[RString], node: &Node) -> &mut NameSet {
        let names_of = |extra: usize| {
            let mut names = NameSet(HashSet::with_capacity_and_hasher(
                node.children.len() + extra,
                BuildHasherDefault::default(),
            ));
            for c in &node.children {
                names.insert(&c.name);
                for alias in &c.aliases {
                    names.insert(alias);
                }
            }
            names
        };
        if parent.is_empty() {
            let expected = self.expected;
            return self.top.get_or_insert_with(|| names_of(expected));
        }
        if !self.groups.contains_key(parent) {
            self.groups.insert(parent.to_vec(), names_of(0));
        }
        self.groups.get_mut(parent).expect("inserted above")
    }
}

/// Names in use under one group, as 64-bit FNV-1a hashes (no string copies, no SipHash): a hit is
/// confirmed against the group's commands, so a collision costs a scan, never a wrong answer.
struct NameSet(HashSet<u64, BuildHasherDefault<Prehashed>>);

impl NameSet {
    fn hash(name: &str) -> u64 {
        name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }

    fn insert(&mut self, name: &str) {
        self.0.insert(Self::hash(name));
    }

    /// Whether `name` may be in use (confirm with the group's commands).
    fn may_contain(&self, name: &str) -> bool {
        self.0.contains(&Self::hash(name))
    }
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn add_command(
    root: &mut Node,
    decl: FfiCommand,
    ext: &mut Extension,
    taken: &mut Taken,
    by: &Applier<'_>,
    record: bool,
) -> Result<(), String> {
    let name = decl.name.as_str();
    // Only messages need the path as text; a thousand commands should not pay for it.
    let shown = PathText::of(&decl.parent, name);
    if !valid_name(name) {
        return Err(format!(
            "command name '{name}' (under {}) is not valid: use letters, digits, '-', '_' or '.'",
            PathText::new(&decl.parent)
        ));
    }
    for alias in &decl.aliases {
        if !valid_name(alias) {
            return Err(format!("alias '{alias}' of command '{shown}' is not valid"));
        }
    }
    check_args(&decl, shown)?;
    let Some(parent_node) = root.find_mut(&decl.parent) else {
        by.conflict(
            ext,
            format!(
                "command '{shown}' was not added: this host has no group '{}'",
                PathText::new(&decl.parent)
            ),
        );
        return Ok(());
    };
    if !decl.parent.is_empty() && parent_node.is_builtin_leaf() {
        by.conflict(
            ext,
            format!(
                "command '{shown}' was not added: '{}' is a command, not a group",
                PathText::new(&decl.parent)
            ),
        );
        return Ok(());
    }
    let names = taken.under(&decl.parent, parent_node);
    let clash = if names.may_contain(name) {
        parent_node.children.iter().position(|c| c.answers_to(name))
    } else {
        None
    };
    let mut action = "added";
    if let Some(i) = clash {
        match parent_node.children[i].kind {
            Kind::Builtin(_) if decl.replace_builtin => {
                parent_node.children.remove(i);
                ext.replaced.push(shown.to_string());
                action = "replaced the built-in";
            }
            Kind::Builtin(_) => {
                by.conflict(
                    ext,
                    format!(
                        "command '{shown}' clashes with the built-in command; the built-in is kept \
                         (a plugin replaces a built-in only with replaces_builtin())"
                    ),
                );
                return Ok(());
            }
            Kind::Plugin(j) if ext.commands[j].layer == by.layer => {
                return Err(format!("command '{shown}' is declared twice"))
            }
            Kind::Plugin(j) if decl.replace_builtin => {
                parent_node.children.remove(i);
                ext.commands[j].replaced = true;
                ext.replaced.push(shown.to_string());
                action = "replaced";
            }
            Kind::Plugin(_) => {
                by.conflict(
                    ext,
                    format!(
                        "command '{shown}' clashes with the command a lower layer added; the lower \
                         one is kept (a layer replaces it only with replaces_builtin())"
                    ),
                );
                return Ok(());
            }
        }
    } else if decl.replace_builtin {
        by.conflict(
            ext,
            format!(
                "command '{shown}' asks to replace a built-in, but this host has no built-in '{shown}'; it was added as a new command"
            ),
        );
    }
    names.insert(name);
    let mut aliases: Vec<String> = Vec::new();
    for alias in &decl.aliases {
        let alias = alias.as_str();
        let taken = alias == name
            || aliases.iter().any(|a| a == alias)
            || (names.may_contain(alias)
                && parent_node.children.iter().any(|c| c.answers_to(alias)));
        if taken {
            by.conflict(
                ext,
                format!(
                    "alias '{alias}' of command '{shown}' clashes with an existing command; it was not added"
                ),
            );
        } else {
            names.insert(alias);
            aliases.push(alias.to_string());
        }
    }
    parent_node.children.push(Node {
        name: name.to_owned(),
        // A plugin command's help lives in its `PluginCommand`, once.
        about: String::new(),
        aliases,
        hidden: decl.hidden,
        kind: Kind::Plugin(ext.commands.len()),
        children: Vec::new(),
    });
    if record {
        by.record(ext, shown.to_string(), action.to_owned());
    }
    ext.commands.push(PluginCommand {
        parent: decl.parent,
        name: decl.name,
        about: decl.about,
        args: decl.args,
        handler: decl.handler.into_option(),
        layer: by.layer,
        replaced: false,
    });
    Ok(())
}

fn apply_edit(
    root: &mut Node,
    edit: FfiEdit,
    ext: &mut Extension,
    by: &Applier<'_>,
) -> Result<(), String> {
    let path: Vec<String> = edit.path.iter().map(|p| p.to_string()).collect();
    let shown = PathText::new(&path);
    let value = edit.value.to_string();
    if edit.kind == FfiEditKind::Alias {
        // Checked against the siblings before the target is borrowed.
        let (Some((last, parent)), true) = (path.split_last(), valid_name(&value)) else {
            return Err(format!("alias '{value}' for '{shown}' is not valid"));
        };
        if let Some(parent) = root.find_mut(parent) {
            if parent.children.iter().any(|c| c.answers_to(&value)) {
                by.conflict(
                    ext,
                    format!(
                        "alias '{value}' for '{shown}' clashes with an existing command; it was not added"
                    ),
                );
                return Ok(());
            }
            if let Some(node) = parent.children.iter_mut().find(|c| &c.name == last) {
                by.record(ext, shown.to_string(), format!("aliased as {value}"));
                node.aliases.push(value);
                return Ok(());
            }
        }
    }
    let Some(node) = root.find_mut(&path) else {
        by.conflict(
            ext,
            format!("cannot edit '{shown}': this host has no such command"),
        );
        return Ok(());
    };
    match edit.kind {
        FfiEditKind::Alias => {}
        FfiEditKind::Hide if path.is_empty() => {
            return Err("cannot hide the top-level command".into())
        }
        FfiEditKind::Hide => {
            node.hidden = true;
            by.record(ext, shown.to_string(), "hid".to_owned());
        }
        FfiEditKind::SetDefault => {
            let option = edit.option.to_string();
            let missing = format!(
                "cannot change the default of '--{option}' of '{shown}': there is no such option"
            );
            let invalid = format!("'{value}' is not a valid default for '--{option}' of '{shown}'");
            match &mut node.kind {
                Kind::Builtin(cmd) => {
                    let Some(arg) = cmd.get_arguments().find(|a| a.get_id() == option.as_str())
                    else {
                        by.conflict(ext, missing);
                        return Ok(());
                    };
                    let allowed: Vec<String> = arg
                        .get_possible_values()
                        .iter()
                        .map(|v| v.get_name().to_owned())
                        .collect();
                    if value.is_empty() || (!allowed.is_empty() && !allowed.contains(&value)) {
                        return Err(invalid);
                    }
                    let taken = std::mem::take(cmd.as_mut());
                    **cmd = taken.mut_arg(&option, |a| a.default_value(value.clone()));
                }
                Kind::Plugin(i) => {
                    let Some(arg) = ext.commands[*i]
                        .args
                        .iter_mut()
                        .find(|a| a.name.as_str() == option)
                    else {
                        by.conflict(ext, missing);
                        return Ok(());
                    };
                    if arg.required || check_value(arg, &value).is_err() {
                        return Err(invalid);
                    }
                    arg.default = abi_stable::std_types::ROption::RSome(value.clone().into());
                }
            }
            by.record(
                ext,
                shown.to_string(),
                format!("set the default of --{option} to {value}"),
            );
        }
    }
    Ok(())
}
